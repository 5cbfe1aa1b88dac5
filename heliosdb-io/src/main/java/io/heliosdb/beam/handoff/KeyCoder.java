package io.heliosdb.beam.handoff;

import io.heliosdb.beam.snapshot.KeyOrder;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.BigDecimalCoder;
import org.apache.beam.sdk.coders.CoderException;
import org.apache.beam.sdk.util.VarInt;

/**
 * A deterministic coder of {@link KeyOrder#normalize normalized} primary-key values, the bounds
 * of chunk reads: each value a tag, then integers and date-times as zig-zag {@link VarInt}s (a
 * small key takes one or two bytes), decimals as {@link BigDecimalCoder} writes them.
 */
final class KeyCoder extends AtomicCoder<List<Object>> {
  private static final long serialVersionUID = 1L;
  private static final KeyCoder INSTANCE = new KeyCoder();
  private static final BigDecimalCoder DECIMAL = BigDecimalCoder.of();

  private static final int NULL = 0;
  private static final int LONG = 1;
  private static final int DECIMAL_TAG = 2;
  private static final int JODA_INSTANT = 3;
  private static final int LOCAL_DATE = 4;
  private static final int LOCAL_TIME = 5;
  private static final int LOCAL_DATE_TIME = 6;
  private static final int INSTANT = 7;

  static KeyCoder of() {
    return INSTANCE;
  }

  private KeyCoder() {}

  @Override
  public void encode(List<Object> key, OutputStream out) throws IOException {
    VarInt.encode(key.size(), out);
    for (Object value : key) {
      encodeValue(value, out);
    }
  }

  @Override
  public List<Object> decode(InputStream in) throws IOException {
    int size = VarInt.decodeInt(in);
    List<Object> key = new ArrayList<>(size);
    for (int i = 0; i < size; i++) {
      key.add(decodeValue(in));
    }
    return key;
  }

  private static void encodeValue(Object value, OutputStream out) throws IOException {
    if (value == null) {
      VarInt.encode(NULL, out);
    } else if (value instanceof Long number) {
      VarInt.encode(LONG, out);
      zigZag(number, out);
    } else if (value instanceof BigDecimal decimal) {
      VarInt.encode(DECIMAL_TAG, out);
      DECIMAL.encode(decimal, out);
    } else if (value instanceof org.joda.time.ReadableInstant instant) {
      VarInt.encode(JODA_INSTANT, out);
      zigZag(instant.getMillis(), out);
    } else if (value instanceof LocalDate date) {
      VarInt.encode(LOCAL_DATE, out);
      zigZag(date.toEpochDay(), out);
    } else if (value instanceof LocalTime time) {
      VarInt.encode(LOCAL_TIME, out);
      VarInt.encode(time.toNanoOfDay(), out);
    } else if (value instanceof LocalDateTime dateTime) {
      VarInt.encode(LOCAL_DATE_TIME, out);
      zigZag(dateTime.toLocalDate().toEpochDay(), out);
      VarInt.encode(dateTime.toLocalTime().toNanoOfDay(), out);
    } else if (value instanceof java.time.Instant instant) {
      VarInt.encode(INSTANT, out);
      zigZag(instant.getEpochSecond(), out);
      VarInt.encode(instant.getNano(), out);
    } else {
      throw new CoderException(
          "a key value of type " + value.getClass().getName() + " is not a chunk bound");
    }
  }

  private static Object decodeValue(InputStream in) throws IOException {
    int tag = VarInt.decodeInt(in);
    return switch (tag) {
      case NULL -> null;
      case LONG -> unZigZag(in);
      case DECIMAL_TAG -> DECIMAL.decode(in);
      case JODA_INSTANT -> new org.joda.time.Instant(unZigZag(in));
      case LOCAL_DATE -> LocalDate.ofEpochDay(unZigZag(in));
      case LOCAL_TIME -> LocalTime.ofNanoOfDay(VarInt.decodeLong(in));
      case LOCAL_DATE_TIME ->
          LocalDateTime.of(LocalDate.ofEpochDay(unZigZag(in)), LocalTime.ofNanoOfDay(
              VarInt.decodeLong(in)));
      case INSTANT -> java.time.Instant.ofEpochSecond(unZigZag(in), VarInt.decodeLong(in));
      default -> throw new CoderException("unknown key value tag " + tag);
    };
  }

  /** Writes {@code value} as a zig-zag {@link VarInt}: small magnitudes, few bytes. */
  static void zigZag(long value, OutputStream out) throws IOException {
    VarInt.encode((value << 1) ^ (value >> 63), out);
  }

  static long unZigZag(InputStream in) throws IOException {
    long encoded = VarInt.decodeLong(in);
    return (encoded >>> 1) ^ -(encoded & 1);
  }

  @Override
  public void verifyDeterministic() {}
}
