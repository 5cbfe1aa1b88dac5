package io.heliosdb.beam.handoff;

import io.heliosdb.beam.cdc.LogPosition;
import io.heliosdb.beam.cdc.LogPositionCoder;
import io.heliosdb.beam.cdc.StreamStart;
import io.heliosdb.beam.dialect.Dialect;
import io.heliosdb.beam.snapshot.ChunkSnapshot;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.beam.sdk.coders.CoderException;
import org.apache.beam.sdk.coders.CustomCoder;
import org.apache.beam.sdk.coders.ListCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.util.VarInt;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A deterministic, compact coder of the stream's element, a {@link HandoffPlan}. It writes the
 * start offset, the distinct token templates and positions once, then per chunk (in key order) a
 * flag byte, its bounds ({@link KeyCoder}; a lower bound equal to the previous chunk's upper
 * bound is not repeated), its token as a template index and the {@link NumberedText numbers} of
 * the token as zig-zag {@link VarInt} differences (the first from the previous token's first,
 * each other from the number before it), and its position's index unless it is the token. The
 * dialect and key fields are the pipeline's, kept by the coder rather than encoded.
 */
final class HandoffPlanCoder extends CustomCoder<StreamStart> {
  private static final long serialVersionUID = 1L;
  private static final LogPositionCoder OFFSET = new LogPositionCoder();
  private static final StringUtf8Coder TEXT = StringUtf8Coder.of();
  private static final ListCoder<String> TEMPLATE = ListCoder.of(TEXT);
  private static final KeyCoder KEY = KeyCoder.of();

  private static final int LOWER_UNBOUNDED = 1;
  private static final int LOWER_IS_PREVIOUS_UPPER = 2;
  private static final int UPPER_UNBOUNDED = 4;
  private static final int POSITION_IS_TOKEN = 8;

  private final Dialect dialect;
  private final List<String> keyFields;

  HandoffPlanCoder(Dialect dialect, List<String> keyFields) {
    this.dialect = dialect;
    this.keyFields = List.copyOf(keyFields);
  }

  @Override
  public void encode(StreamStart value, OutputStream out) throws IOException {
    if (!(value instanceof HandoffPlan plan)) {
      throw new CoderException("not a snapshot's stream plan: " + value.getClass().getName());
    }
    OFFSET.encode(LogPosition.of(plan.offset()), out);
    List<NumberedText> tokens = new ArrayList<>(plan.chunks().size());
    Map<List<String>, Integer> templates = new LinkedHashMap<>();
    Map<String, Integer> positions = new LinkedHashMap<>();
    for (ChunkSnapshot chunk : plan.chunks()) {
      NumberedText token = NumberedText.of(chunk.token());
      tokens.add(token);
      templates.putIfAbsent(token.template(), templates.size());
      if (!chunk.position().equals(chunk.token())) {
        positions.putIfAbsent(chunk.position(), positions.size());
      }
    }
    VarInt.encode(templates.size(), out);
    for (List<String> template : templates.keySet()) {
      TEMPLATE.encode(template, out);
    }
    VarInt.encode(positions.size(), out);
    for (String position : positions.keySet()) {
      TEXT.encode(position, out);
    }
    VarInt.encode(plan.chunks().size(), out);
    List<Object> previousUpper = null;
    long previousFirst = 0;
    for (int i = 0; i < plan.chunks().size(); i++) {
      ChunkSnapshot chunk = plan.chunks().get(i);
      NumberedText token = tokens.get(i);
      int flags = chunk.upper() == null ? UPPER_UNBOUNDED : 0;
      if (chunk.lower() == null) {
        flags |= LOWER_UNBOUNDED;
      } else if (chunk.lower().equals(previousUpper)) {
        flags |= LOWER_IS_PREVIOUS_UPPER;
      }
      if (chunk.position().equals(chunk.token())) {
        flags |= POSITION_IS_TOKEN;
      }
      out.write(flags);
      if ((flags & (LOWER_UNBOUNDED | LOWER_IS_PREVIOUS_UPPER)) == 0) {
        KEY.encode(chunk.lower(), out);
      }
      if (chunk.upper() != null) {
        KEY.encode(chunk.upper(), out);
      }
      VarInt.encode(templates.get(token.template()), out);
      long[] numbers = token.numbers();
      for (int n = 0; n < numbers.length; n++) {
        KeyCoder.zigZag(numbers[n] - (n == 0 ? previousFirst : numbers[n - 1]), out);
      }
      if (numbers.length > 0) {
        previousFirst = numbers[0];
      }
      if ((flags & POSITION_IS_TOKEN) == 0) {
        VarInt.encode(positions.get(chunk.position()), out);
      }
      previousUpper = chunk.upper();
    }
  }

  @Override
  public StreamStart decode(InputStream in) throws IOException {
    Map<String, Object> offset = OFFSET.decode(in).offset();
    List<List<String>> templates = new ArrayList<>();
    for (int i = VarInt.decodeInt(in); i > 0; i--) {
      templates.add(TEMPLATE.decode(in));
    }
    List<String> positions = new ArrayList<>();
    for (int i = VarInt.decodeInt(in); i > 0; i--) {
      positions.add(TEXT.decode(in));
    }
    int chunkCount = VarInt.decodeInt(in);
    List<ChunkSnapshot> chunks = new ArrayList<>(chunkCount);
    List<Object> previousUpper = null;
    long previousFirst = 0;
    for (int i = 0; i < chunkCount; i++) {
      int flags = in.read();
      if (flags < 0) {
        throw new CoderException("a stream plan ended after " + i + " of " + chunkCount + " chunks");
      }
      @Nullable List<Object> lower =
          (flags & LOWER_UNBOUNDED) != 0
              ? null
              : (flags & LOWER_IS_PREVIOUS_UPPER) != 0 ? previousUpper : KEY.decode(in);
      @Nullable List<Object> upper = (flags & UPPER_UNBOUNDED) != 0 ? null : KEY.decode(in);
      List<String> template = templates.get(VarInt.decodeInt(in));
      long[] numbers = new long[template.size() - 1];
      for (int n = 0; n < numbers.length; n++) {
        numbers[n] = KeyCoder.unZigZag(in) + (n == 0 ? previousFirst : numbers[n - 1]);
      }
      if (numbers.length > 0) {
        previousFirst = numbers[0];
      }
      String token = new NumberedText(template, numbers).text();
      String position =
          (flags & POSITION_IS_TOKEN) != 0 ? token : positions.get(VarInt.decodeInt(in));
      chunks.add(new ChunkSnapshot(lower, upper, token, position));
      previousUpper = upper;
    }
    return new HandoffPlan(offset, dialect, keyFields, chunks);
  }

  @Override
  public void verifyDeterministic() {}

  @Override
  public boolean equals(@Nullable Object other) {
    return other instanceof HandoffPlanCoder coder
        && dialect.getClass().equals(coder.dialect.getClass())
        && keyFields.equals(coder.keyFields);
  }

  @Override
  public int hashCode() {
    return Objects.hash(dialect.getClass(), keyFields);
  }
}
