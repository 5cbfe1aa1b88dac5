package io.heliosdb.beam.snapshot;

import org.apache.beam.sdk.coders.ListCoder;
import org.apache.beam.sdk.coders.RowCoder;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.transforms.Impulse;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Reshuffle;
import org.apache.beam.sdk.transforms.Wait;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;

/**
 * Snapshot mode: plan splits when the pipeline runs, spread them over workers and read each with
 * {@link ReadSnapshotSplitDoFn}: row by row, or in batches that a last step flattens when {@link
 * SnapshotSpec#batchedOutput()} (the Direct runner). A read by page ranges then ends the session
 * that exported its snapshot, once every row is read ({@link ReleaseExportedSnapshotFn}).
 */
public class SnapshotRead extends PTransform<PBegin, PCollection<Row>> {
  private final SnapshotSpec spec;

  public SnapshotRead(SnapshotSpec spec) {
    this.spec = spec;
  }

  @Override
  public PCollection<Row> expand(PBegin input) {
    Schema schema = spec.tableSchema().schema();
    SnapshotSplitCoder splitCoder = new SnapshotSplitCoder(spec.keySchema().schema());
    PCollection<SnapshotSplit> planned =
        input
            .apply("Start", Impulse.create())
            .apply("Plan snapshot splits", ParDo.of(new PlanSnapshotFn(spec)))
            .setCoder(splitCoder);
    PCollection<SnapshotSplit> splits = planned.apply("Spread splits", Reshuffle.viaRandomKey());
    PCollection<Row> rows;
    if (!spec.batchedOutput()) {
      rows = splits
          .apply("Read snapshot splits", ParDo.of(new ReadSnapshotSplitDoFn.Rows(spec)))
          .setRowSchema(schema);
    } else {
      rows = splits
          .apply("Read snapshot splits", ParDo.of(new ReadSnapshotSplitDoFn.Batches(spec)))
          .setCoder(ListCoder.of(RowCoder.of(schema)))
          .apply("Flatten batches", ParDo.of(new FlattenBatchesFn()))
          .setRowSchema(schema);
    }
    if (spec.strategy() == SplitStrategy.PAGE_RANGES) {
      planned
          .apply("Wait for the read", Wait.on(rows))
          .setCoder(splitCoder)
          .apply("End the exported snapshot", ParDo.of(new ReleaseExportedSnapshotFn(spec)));
    }
    return rows;
  }
}
