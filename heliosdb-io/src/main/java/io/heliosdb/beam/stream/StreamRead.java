package io.heliosdb.beam.stream;

import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.transforms.Impulse;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;

/** An unbounded read of one table: an impulse, then the {@link StreamDoFn} that streams it. */
public class StreamRead extends PTransform<PBegin, PCollection<Row>> {
  private final String stepName;
  private final StreamDoFn<byte[], ?> reader;
  private final Schema schema;

  /**
   * @param stepName the name of the reading step, e.g. {@code Poll public.orders}
   * @param schema the schema of the rows {@code reader} outputs
   */
  public StreamRead(String stepName, StreamDoFn<byte[], ?> reader, Schema schema) {
    this.stepName = stepName;
    this.reader = reader;
    this.schema = schema;
  }

  @Override
  public PCollection<Row> expand(PBegin input) {
    return input
        .apply("Start", Impulse.create())
        .apply(stepName, ParDo.of(reader))
        .setRowSchema(schema);
  }
}
