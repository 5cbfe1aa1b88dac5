package io.heliosdb.beam.cdc;

import io.heliosdb.beam.dialect.PostgresInfinity;
import io.heliosdb.beam.schema.MillisecondTimestamps;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.apache.beam.sdk.schemas.Schema.FieldType;
import org.apache.beam.sdk.schemas.Schema.TypeName;
import org.apache.beam.sdk.schemas.logicaltypes.SqlTypes;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Converts the values of Debezium change events (Kafka Connect values with Debezium's semantic
 * types, under {@code decimal.handling.mode=precise} and the connectors' default time precision,
 * in milli-, micro- or nanoseconds by semantic type) into the Java values of the table's Beam
 * schema, the same values a snapshot read gives (CdcTypesIT lists the known differences).
 */
final class ChangeValues {
  private ChangeValues() {}

  static @Nullable Object convert(@Nullable Object value, Schema source, FieldType target) {
    if (value == null) {
      return null;
    }
    String semantic = source.name() == null ? "" : source.name();
    if (target.getTypeName() == TypeName.LOGICAL_TYPE) {
      return logical(value, semantic, target.getLogicalType().getIdentifier());
    }
    return switch (target.getTypeName()) {
      case BYTE -> ((Number) value).byteValue();
      case INT16 -> ((Number) value).shortValue();
      case INT32 -> ((Number) value).intValue();
      case INT64 -> value instanceof Number n ? (Object) n.longValue() : bitsToLong(bytes(value));
      case FLOAT -> ((Number) value).floatValue();
      case DOUBLE -> ((Number) value).doubleValue();
      case DECIMAL -> decimal(value);
      case BOOLEAN -> value instanceof Number n ? (Object) (n.longValue() != 0) : value;
      case STRING -> semantic.equals("io.debezium.data.Bits") ? bitString(bytes(value), source)
          : value.toString();
      case BYTES -> bytes(value);
      case DATETIME -> new org.joda.time.Instant(epochMillis(value, semantic));
      case ARRAY, ITERABLE -> array(value, source, target.getCollectionElementType());
      default -> throw new IllegalArgumentException(
          "No conversion of change values of " + source + " to " + target);
    };
  }

  private static Object logical(Object value, String semantic, String logicalType) {
    if (logicalType.equals(SqlTypes.DATE.getIdentifier())) {
      return value instanceof Number days
          ? PostgresInfinity.dateOf(days.longValue())
          : LocalDate.parse(value.toString());
    }
    if (logicalType.equals(SqlTypes.TIME.getIdentifier())) {
      return LocalTime.ofNanoOfDay(nanos(((Number) value).longValue(), semantic));
    }
    if (logicalType.equals(SqlTypes.DATETIME.getIdentifier())) {
      LocalDateTime infinity = infiniteDateTime(value, semantic);
      if (infinity != null) {
        return infinity;
      }
      long nanos = nanos(((Number) value).longValue(), semantic);
      return LocalDateTime.ofEpochSecond(
          Math.floorDiv(nanos, 1_000_000_000L), (int) Math.floorMod(nanos, 1_000_000_000L),
          ZoneOffset.UTC);
    }
    if (logicalType.equals(SqlTypes.TIMESTAMP.getIdentifier())) {
      return value instanceof Number millis
          ? Instant.ofEpochMilli(millis.longValue())
          : PostgresInfinity.instantOf(value.toString());
    }
    if (logicalType.equals(SqlTypes.UUID.getIdentifier())) {
      return UUID.fromString(value.toString());
    }
    throw new IllegalArgumentException("No conversion of change values to " + logicalType);
  }

  /**
   * A date-time as epoch milliseconds, for millisecond {@code DATETIME} fields: an instant (a
   * zoned timestamp's text) keeps its point in time, a date-time without zone (a number of
   * milli-, micro- or nanoseconds) is read as UTC, as snapshots read it; finer digits are dropped
   * towards the past.
   */
  private static long epochMillis(Object value, String semantic) {
    LocalDateTime infinity = infiniteDateTime(value, semantic);
    if (infinity != null) { // beyond a long of milliseconds: fails as a snapshot's value does
      return ((org.joda.time.Instant) MillisecondTimestamps.toMillis(infinity)).getMillis();
    }
    if (value instanceof Number number) {
      long time = number.longValue();
      if (semantic.startsWith("io.debezium.time.Nano")) {
        return Math.floorDiv(time, 1_000_000L);
      }
      return semantic.startsWith("io.debezium.time.Micro") ? Math.floorDiv(time, 1_000L) : time;
    }
    if (value instanceof java.util.Date date) { // Kafka Connect's Timestamp
      return date.getTime();
    }
    // beyond a long of milliseconds (PostgreSQL's infinity) fails as a snapshot's value does
    return ((org.joda.time.Instant)
            MillisecondTimestamps.toMillis(PostgresInfinity.instantOf(value.toString())))
        .getMillis();
  }

  /** PostgreSQL's infinite {@code timestamp} values in Debezium's numbers, else null. */
  private static @Nullable LocalDateTime infiniteDateTime(Object value, String semantic) {
    if (!(value instanceof Number number) || semantic.startsWith("io.debezium.time.Nano")) {
      return null;
    }
    return PostgresInfinity.dateTimeOf(
        number.longValue(), semantic.startsWith("io.debezium.time.Micro"));
  }

  /** Debezium's time types: milliseconds, microseconds or nanoseconds, by semantic name. */
  private static long nanos(long value, String semantic) {
    if (semantic.startsWith("io.debezium.time.Nano")) {
      return value;
    }
    if (semantic.startsWith("io.debezium.time.Micro")) {
      return value * 1_000L;
    }
    return value * 1_000_000L; // io.debezium.time.Time / Timestamp, Kafka Connect's types
  }

  private static BigDecimal decimal(Object value) {
    if (value instanceof BigDecimal decimal) {
      return decimal;
    }
    if (value instanceof Struct variable) { // io.debezium.data.VariableScaleDecimal
      return new BigDecimal(
          new BigInteger(bytes(variable.get("value"))), variable.getInt32("scale"));
    }
    return new BigDecimal(value.toString());
  }

  private static byte[] bytes(Object value) {
    if (value instanceof ByteBuffer buffer) {
      byte[] bytes = new byte[buffer.remaining()];
      buffer.duplicate().get(bytes);
      return bytes;
    }
    return (byte[]) value;
  }

  /** io.debezium.data.Bits: little-endian bytes. */
  private static long bitsToLong(byte[] bits) {
    long value = 0;
    for (int i = bits.length - 1; i >= 0; i--) {
      value = (value << 8) | (bits[i] & 0xFF);
    }
    return value;
  }

  /** io.debezium.data.Bits as the bit string a snapshot reads, {@code length} bits long. */
  private static String bitString(byte[] bits, Schema source) {
    String length = source.parameters() == null ? null : source.parameters().get("length");
    int count = length == null ? bits.length * 8 : Integer.parseInt(length);
    StringBuilder text = new StringBuilder(count);
    for (int i = count - 1; i >= 0; i--) {
      boolean set = i / 8 < bits.length && (bits[i / 8] & (1 << (i % 8))) != 0;
      text.append(set ? '1' : '0');
    }
    return text.toString();
  }

  private static List<Object> array(Object value, Schema source, FieldType element) {
    if (value instanceof String set) { // a MySQL SET: comma-separated members
      return new ArrayList<>(set.isEmpty() ? List.of() : Arrays.asList(set.split(",")));
    }
    List<Object> values = new ArrayList<>();
    for (Object item : (List<?>) value) {
      values.add(convert(item, source.valueSchema(), element));
    }
    return values;
  }
}
