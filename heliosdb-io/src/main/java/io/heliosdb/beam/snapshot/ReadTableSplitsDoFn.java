package io.heliosdb.beam.snapshot;

import io.heliosdb.beam.snapshot.BlockRangeTracker.Block;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.apache.beam.sdk.io.range.OffsetRange;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.splittabledofn.RestrictionTracker;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TupleTag;

/**
 * Reads the splits of every table of a multi-table snapshot in one splittable DoFn, so that all
 * tables share its readers; each table's rows go to that table's output. A split is read exactly
 * as a single-table snapshot reads it ({@link ReadSnapshotSplitDoFn}: same restriction, tracker,
 * checkpoints, retries and guarantees), by a reader of its table.
 *
 * <h2>Initial Restriction, Splitting, Checkpoint and Resume, Progress and Size</h2>
 * Those of {@link ReadSnapshotSplitDoFn} for the split's table.
 */
@DoFn.BoundedPerElement
abstract class ReadTableSplitsDoFn<OutT> extends DoFn<TableSplit, OutT> {
  private final List<SnapshotSpec> tables;
  private final List<TupleTag<OutT>> outputs;
  private transient List<ReadSnapshotSplitDoFn<OutT>> readers;

  ReadTableSplitsDoFn(List<SnapshotSpec> tables, List<TupleTag<OutT>> outputs) {
    this.tables = tables;
    this.outputs = outputs;
  }

  /** A reader of one table's splits. */
  abstract ReadSnapshotSplitDoFn<OutT> reader(SnapshotSpec table);

  /** Outputs each table's rows one by one. */
  static final class Rows extends ReadTableSplitsDoFn<Row> {
    Rows(List<SnapshotSpec> tables, List<TupleTag<Row>> outputs) {
      super(tables, outputs);
    }

    @Override
    ReadSnapshotSplitDoFn<Row> reader(SnapshotSpec table) {
      return new ReadSnapshotSplitDoFn.Rows(table);
    }
  }

  /** Outputs each table's rows in batches, for the Direct runner; see {@link SnapshotSpec}. */
  static final class Batches extends ReadTableSplitsDoFn<List<Row>> {
    Batches(List<SnapshotSpec> tables, List<TupleTag<List<Row>>> outputs) {
      super(tables, outputs);
    }

    @Override
    ReadSnapshotSplitDoFn<List<Row>> reader(SnapshotSpec table) {
      return new ReadSnapshotSplitDoFn.Batches(table);
    }
  }

  /**
   * Reads each query in a consistent transaction and outputs each claimed block of rows with what
   * that read saw, for snapshot-then-CDC ({@link ReadSnapshotSplitDoFn.Consistent}).
   */
  static final class Consistent extends ReadTableSplitsDoFn<KV<ChunkSnapshot, List<Row>>> {
    Consistent(List<SnapshotSpec> tables, List<TupleTag<KV<ChunkSnapshot, List<Row>>>> outputs) {
      super(tables, outputs);
    }

    @Override
    ReadSnapshotSplitDoFn<KV<ChunkSnapshot, List<Row>>> reader(SnapshotSpec table) {
      return new ReadSnapshotSplitDoFn.Consistent(table);
    }
  }

  @Setup
  public void setup() {
    readers = new ArrayList<>(tables.size());
    for (SnapshotSpec table : tables) {
      ReadSnapshotSplitDoFn<OutT> reader = reader(table);
      reader.setup();
      readers.add(reader);
    }
  }

  @Teardown
  public void teardown() {
    if (readers != null) {
      readers.forEach(ReadSnapshotSplitDoFn::teardown);
    }
  }

  @GetInitialRestriction
  public OffsetRange initialRestriction(@Element TableSplit split) {
    return split.split().range();
  }

  @NewTracker
  public BlockRangeTracker newTracker(@Restriction OffsetRange range) {
    return new BlockRangeTracker(range);
  }

  @GetSize
  public double size(@Element TableSplit split, @Restriction OffsetRange range) {
    return forTable(split, reader -> reader.size(split.split(), range));
  }

  @ProcessElement
  public ProcessContinuation process(
      @Element TableSplit split,
      RestrictionTracker<OffsetRange, Block> tracker,
      MultiOutputReceiver out) {
    return forTable(
        split, reader -> reader.process(split.split(), tracker, out.get(outputs.get(split.table()))));
  }

  private <T> T forTable(TableSplit split, Function<ReadSnapshotSplitDoFn<OutT>, T> call) {
    return call.apply(readers.get(split.table()));
  }
}
