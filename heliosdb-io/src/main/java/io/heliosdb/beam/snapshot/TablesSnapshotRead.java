package io.heliosdb.beam.snapshot;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.ListCoder;
import org.apache.beam.sdk.coders.RowCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Filter;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Reshuffle;
import org.apache.beam.sdk.transforms.Wait;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionRowTuple;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.apache.beam.sdk.values.TypeDescriptor;

/**
 * Snapshot mode for a set of tables: every table is planned in parallel (a table that fits in
 * one chunk is one split), the splits of all tables are spread over the same readers, and each
 * table's rows come out as its own {@code PCollection<Row>} with its own schema, named by the
 * table ({@code namespace.table}).
 */
public class TablesSnapshotRead extends PTransform<PBegin, PCollectionRowTuple> {
  private final List<SnapshotSpec> tables;

  public TablesSnapshotRead(List<SnapshotSpec> tables) {
    if (tables.isEmpty()) {
      throw new IllegalArgumentException("a multi-table snapshot needs at least one table");
    }
    this.tables = List.copyOf(tables);
  }

  @Override
  public PCollectionRowTuple expand(PBegin input) {
    PCollection<TableSplit> planned = plan(
        input.apply("Tables", Create.of(IntStream.range(0, tables.size())
            .mapToObj(i -> KV.of(i, "")).toList()).withCoder(TABLE_AND_START)), tables);
    PCollection<TableSplit> splits = planned.apply("Spread splits", Reshuffle.viaRandomKey());
    List<PCollection<Row>> outputs = new ArrayList<>();
    if (!tables.get(0).batchedOutput()) {
      List<TupleTag<Row>> tags = tags();
      PCollectionTuple rows =
          splits.apply(
              "Read snapshot splits",
              ParDo.of(new ReadTableSplitsDoFn.Rows(tables, tags))
                  .withOutputTags(tags.get(0), additional(tags)));
      for (int i = 0; i < tables.size(); i++) {
        outputs.add(rows.get(tags.get(i)).setRowSchema(schema(i)));
      }
    } else {
      List<TupleTag<List<Row>>> tags = tags();
      PCollectionTuple batches =
          splits.apply(
              "Read snapshot splits",
              ParDo.of(new ReadTableSplitsDoFn.Batches(tables, tags))
                  .withOutputTags(tags.get(0), additional(tags)));
      for (int i = 0; i < tables.size(); i++) {
        outputs.add(
            batches
                .get(tags.get(i))
                .setCoder(ListCoder.of(RowCoder.of(schema(i))))
                .apply("Flatten batches of " + name(i), ParDo.of(new FlattenBatchesFn()))
                .setRowSchema(schema(i)));
      }
    }
    PCollectionRowTuple result = PCollectionRowTuple.empty(input.getPipeline());
    for (int i = 0; i < tables.size(); i++) {
      result = result.and(name(i), outputs.get(i));
      if (tables.get(i).strategy() == SplitStrategy.PAGE_RANGES) {
        releaseExportedSnapshot(planned, i, outputs.get(i));
      }
    }
    return result;
  }

  /** A table's index and the log position its stream starts at (empty without a stream). */
  private static final KvCoder<Integer, String> TABLE_AND_START =
      KvCoder.of(VarIntCoder.of(), StringUtf8Coder.of());

  /** Plans each table, in parallel, into its splits. */
  private static PCollection<TableSplit> plan(
      PCollection<KV<Integer, String>> tableAndStart, List<SnapshotSpec> tables) {
    return tableAndStart
        .apply("Spread tables", Reshuffle.viaRandomKey())
        .apply("Plan snapshot splits", ParDo.of(new PlanTableFn(tables)))
        .setCoder(new TableSplitCoder(tables));
  }

  /**
   * For snapshot-then-CDC of a set of tables: once the stream's start is fixed ({@code
   * logStart}, one element), plans every table and reads its chunks in consistent reads, all
   * tables' splits sharing the readers; outputs each table's blocks of rows with what their read
   * saw ({@link ChunkSnapshot}) under {@code tags}, in the tables' order.
   */
  public static PCollectionTuple readConsistently(
      PCollection<String> logStart, List<SnapshotSpec> tables,
      List<TupleTag<KV<ChunkSnapshot, List<Row>>>> tags) {
    PCollection<TableSplit> splits = plan(
        logStart.apply("Each table", ParDo.of(new EachTableFn(tables.size())))
            .setCoder(TABLE_AND_START), tables)
        .apply("Spread splits", Reshuffle.viaRandomKey());
    return splits.apply(
        "Read chunks",
        ParDo.of(new ReadTableSplitsDoFn.Consistent(tables, tags))
            .withOutputTags(tags.get(0), additional(tags)));
  }

  /** Each table's index with the stream's start. */
  private static final class EachTableFn extends DoFn<String, KV<Integer, String>> {
    private final int tables;

    EachTableFn(int tables) {
      this.tables = tables;
    }

    @ProcessElement
    public void process(@Element String start, OutputReceiver<KV<Integer, String>> out) {
      for (int i = 0; i < tables; i++) {
        out.output(KV.of(i, start));
      }
    }
  }

  /**
   * Ends the snapshot that table {@code i}'s page ranges were read in once its rows are all read
   * (see {@link ReleaseExportedSnapshotFn}), while other tables may still be read.
   */
  private void releaseExportedSnapshot(
      PCollection<TableSplit> planned, int i, PCollection<Row> rows) {
    SnapshotSpec spec = tables.get(i);
    planned
        .apply("Splits of " + name(i), Filter.by(split -> split.table() == i))
        .setCoder(planned.getCoder())
        .apply("Wait for " + name(i), Wait.on(rows))
        .setCoder(planned.getCoder())
        .apply("Snapshot splits of " + name(i),
            MapElements.into(TypeDescriptor.of(SnapshotSplit.class)).via(TableSplit::split))
        .setCoder(new SnapshotSplitCoder(spec.keySchema().schema()))
        .apply("End the exported snapshot of " + name(i),
            ParDo.of(new ReleaseExportedSnapshotFn(spec)));
  }

  /** The output name of table {@code i}: {@code namespace.table}. */
  private String name(int i) {
    return tables.get(i).table().table().toString();
  }

  private Schema schema(int i) {
    return tables.get(i).tableSchema().schema();
  }

  private <T> List<TupleTag<T>> tags() {
    List<TupleTag<T>> tags = new ArrayList<>();
    for (int i = 0; i < tables.size(); i++) {
      tags.add(new TupleTag<>("table" + i));
    }
    return tags;
  }

  private static <T> TupleTagList additional(List<TupleTag<T>> tags) {
    TupleTagList list = TupleTagList.empty();
    for (TupleTag<T> tag : tags.subList(1, tags.size())) {
      list = list.and(tag);
    }
    return list;
  }
}
