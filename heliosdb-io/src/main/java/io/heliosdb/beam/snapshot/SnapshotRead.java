package io.heliosdb.beam.snapshot;

import org.apache.beam.sdk.coders.ListCoder;
import org.apache.beam.sdk.coders.RowCoder;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.transforms.Impulse;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Reshuffle;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;

/**
 * Snapshot mode: plan splits when the pipeline runs, spread them over workers and read each with
 * {@link ReadSnapshotSplitDoFn}: row by row, or in batches that a last step flattens when {@link
 * SnapshotSpec#batchedOutput()} (the Direct runner).
 */
public class SnapshotRead extends PTransform<PBegin, PCollection<Row>> {
  private final SnapshotSpec spec;

  public SnapshotRead(SnapshotSpec spec) {
    this.spec = spec;
  }

  @Override
  public PCollection<Row> expand(PBegin input) {
    Schema schema = spec.tableSchema().schema();
    PCollection<SnapshotSplit> splits =
        input
            .apply("Start", Impulse.create())
            .apply("Plan snapshot splits", ParDo.of(new PlanSnapshotFn(spec)))
            .setCoder(new SnapshotSplitCoder(spec.keySchema().schema()))
            .apply("Spread splits", Reshuffle.viaRandomKey());
    if (!spec.batchedOutput()) {
      return splits
          .apply("Read snapshot splits", ParDo.of(new ReadSnapshotSplitDoFn.Rows(spec)))
          .setRowSchema(schema);
    }
    return splits
        .apply("Read snapshot splits", ParDo.of(new ReadSnapshotSplitDoFn.Batches(spec)))
        .setCoder(ListCoder.of(RowCoder.of(schema)))
        .apply("Flatten batches", ParDo.of(new FlattenBatchesFn()))
        .setRowSchema(schema);
  }
}
