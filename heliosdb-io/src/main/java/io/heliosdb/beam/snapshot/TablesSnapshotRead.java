package io.heliosdb.beam.snapshot;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.beam.sdk.coders.ListCoder;
import org.apache.beam.sdk.coders.RowCoder;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Reshuffle;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionRowTuple;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;

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
    PCollection<TableSplit> splits =
        input
            .apply("Tables", Create.of(IntStream.range(0, tables.size()).boxed().toList()))
            .apply("Spread tables", Reshuffle.viaRandomKey())
            .apply("Plan snapshot splits", ParDo.of(new PlanTableFn(tables)))
            .setCoder(new TableSplitCoder(tables))
            .apply("Spread splits", Reshuffle.viaRandomKey());
    PCollectionRowTuple result = PCollectionRowTuple.empty(input.getPipeline());
    if (!tables.get(0).batchedOutput()) {
      List<TupleTag<Row>> tags = tags();
      PCollectionTuple rows =
          splits.apply(
              "Read snapshot splits",
              ParDo.of(new ReadTableSplitsDoFn.Rows(tables, tags))
                  .withOutputTags(tags.get(0), additional(tags)));
      for (int i = 0; i < tables.size(); i++) {
        result = result.and(name(i), rows.get(tags.get(i)).setRowSchema(schema(i)));
      }
      return result;
    }
    List<TupleTag<List<Row>>> tags = tags();
    PCollectionTuple batches =
        splits.apply(
            "Read snapshot splits",
            ParDo.of(new ReadTableSplitsDoFn.Batches(tables, tags))
                .withOutputTags(tags.get(0), additional(tags)));
    for (int i = 0; i < tables.size(); i++) {
      PCollection<Row> rows =
          batches
              .get(tags.get(i))
              .setCoder(ListCoder.of(RowCoder.of(schema(i))))
              .apply("Flatten batches of " + name(i), ParDo.of(new FlattenBatchesFn()))
              .setRowSchema(schema(i));
      result = result.and(name(i), rows);
    }
    return result;
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
