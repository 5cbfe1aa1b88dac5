package io.heliosdb.beam.incremental;

import io.heliosdb.beam.incremental.PollCursor.MaxSample;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.coders.BooleanCoder;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CustomCoder;
import org.apache.beam.sdk.coders.NullableCoder;
import org.apache.beam.sdk.coders.RowCoder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.values.Row;

/**
 * A deterministic coder of {@link PollCursor}s whose positions follow {@code cursorSchema}
 * (the tracking column first, then the tie-break key).
 */
public final class PollCursorCoder extends CustomCoder<PollCursor> {
  private static final long serialVersionUID = 1L;
  private static final VarIntCoder COUNT = VarIntCoder.of();
  private static final VarLongCoder MICROS = VarLongCoder.of();
  private static final BooleanCoder FLAG = BooleanCoder.of();

  private final Coder<Row> position;
  private final Schema sampleSchema;
  private final RowCoder sample;

  public PollCursorCoder(Schema cursorSchema) {
    this.position = NullableCoder.of(RowCoder.of(cursorSchema));
    this.sampleSchema = Schema.builder().addField(cursorSchema.getField(0)).build();
    this.sample = RowCoder.of(sampleSchema);
  }

  @Override
  public void encode(PollCursor cursor, OutputStream out) throws IOException {
    position.encode(cursor.position(), out);
    COUNT.encode(cursor.samples().size(), out);
    for (MaxSample s : cursor.samples()) {
      MICROS.encode(s.atMicros(), out);
      sample.encode(Row.withSchema(sampleSchema).attachValues(s.max()), out);
    }
    FLAG.encode(cursor.finished(), out);
  }

  @Override
  public PollCursor decode(InputStream in) throws IOException {
    Row at = position.decode(in);
    int count = COUNT.decode(in);
    List<MaxSample> samples = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      long micros = MICROS.decode(in);
      samples.add(new MaxSample(micros, sample.decode(in).getValue(0)));
    }
    return new PollCursor(at, samples, FLAG.decode(in));
  }

  @Override
  public void verifyDeterministic() throws NonDeterministicException {
    position.verifyDeterministic();
    sample.verifyDeterministic();
  }
}
