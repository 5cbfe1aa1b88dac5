package io.heliosdb.beam.incremental;

import org.apache.beam.sdk.transforms.Impulse;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;

/** Incremental mode: one unbounded poll of the table, see {@link PollTableDoFn}. */
public class IncrementalRead extends PTransform<PBegin, PCollection<Row>> {
  private final IncrementalSpec spec;

  public IncrementalRead(IncrementalSpec spec) {
    this.spec = spec;
  }

  @Override
  public PCollection<Row> expand(PBegin input) {
    return input
        .apply("Start", Impulse.create())
        .apply("Poll " + spec.label(), ParDo.of(new PollTableDoFn(spec)))
        .setRowSchema(spec.tableSchema().schema());
  }
}
