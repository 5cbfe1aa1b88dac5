package io.heliosdb.beam.handoff;

import io.heliosdb.beam.cdc.CdcRead;
import io.heliosdb.beam.cdc.CdcSpec;
import io.heliosdb.beam.cdc.StreamStart;
import io.heliosdb.beam.snapshot.ChunkSnapshot;
import io.heliosdb.beam.snapshot.SnapshotSpec;
import io.heliosdb.beam.snapshot.TablesSnapshotRead;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.ListCoder;
import org.apache.beam.sdk.coders.RowCoder;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.Impulse;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionRowTuple;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Snapshot then CDC of a set of tables: ONE change stream for all of them, whose start is fixed
 * before the first chunk of any table is read; the chunks of every table planned and read
 * together by the same readers, each in a consistent read; then the stream, which emits a change
 * of a table only if the read of its key's chunk did not already see it (each table's {@link
 * HandoffPlan}, as for a single table). Tables captured before by the capture the stream continues
 * ({@code ReadTables.withAddedTables}) are streamed without a snapshot.
 *
 * <pre>
 * Impulse ─ StartStreamFn ─┬─ start ─ plan every table ─ read all chunks ─┬─ table i: "r" events ───────┐
 *  (slot / binlog first)   │                        (shared readers)      └─ table i: chunk snapshots ─┐ │
 *                          └─ start ─────────────────────────────── GroupByKey ─ PlanStreamFn ─ ReadChangesDoFn ─ table i: changes ─ Flatten
 * </pre>
 */
public class TablesSnapshotThenCdcRead extends PTransform<PBegin, PCollectionRowTuple> {
  private final List<@Nullable SnapshotSpec> snapshots;
  private final CdcSpec cdc;
  private final List<List<String>> sources;

  /**
   * @param snapshots each table's snapshot, in the order of {@code cdc}'s tables; null for a
   *     table only streamed (captured before, by the capture this stream continues)
   * @param sources each table's envelope {@code source} (database, schema or null, table)
   */
  public TablesSnapshotThenCdcRead(
      List<@Nullable SnapshotSpec> snapshots, CdcSpec cdc, List<List<String>> sources) {
    this.snapshots = new ArrayList<>(snapshots);
    this.cdc = cdc;
    this.sources = List.copyOf(sources);
  }

  @Override
  public PCollectionRowTuple expand(PBegin input) {
    HandoffPartCoder partCoder = HandoffPartCoder.of();
    PCollection<HandoffPart> start = input
        .apply("Start", Impulse.create())
        .apply("Fix the log position", ParDo.of(new StartStreamFn(cdc)))
        .setCoder(partCoder);
    PCollection<String> logStart = start.apply("Start position",
        MapElements.into(TypeDescriptors.strings()).via(part -> part.start().position()));

    List<SnapshotSpec> snapshotted = new ArrayList<>();
    List<TupleTag<KV<ChunkSnapshot, List<Row>>>> chunkTags = new ArrayList<>();
    for (int i = 0; i < snapshots.size(); i++) {
      if (snapshots.get(i) != null) {
        snapshotted.add(snapshots.get(i));
        chunkTags.add(new TupleTag<>("chunks of " + name(i)));
      }
    }
    PCollectionTuple blocks =
        TablesSnapshotRead.readConsistently(logStart, snapshotted, chunkTags);

    List<@Nullable PCollection<Row>> reads = new ArrayList<>();
    PCollectionList<HandoffPart> parts = PCollectionList.of(start);
    List<List<String>> keyFields = new ArrayList<>();
    int read = 0;
    for (int i = 0; i < snapshots.size(); i++) {
      if (snapshots.get(i) == null) { // streamed only: a plan without chunks emits every change
        reads.add(null);
        keyFields.add(cdc.tables().get(i).primaryKey());
        continue;
      }
      Schema envelope = cdc.envelopeSchema(i);
      PCollectionTuple events = blocks.get(chunkTags.get(read++))
          .setCoder(KvCoder.of(ChunkSnapshotCoder.of(),
              ListCoder.of(RowCoder.of(snapshots.get(i).tableSchema().schema()))))
          .apply("Read events of " + name(i),
              ParDo.of(new SnapshotEventsFn(envelope, sources.get(i), i, cdc.dialect()))
                  .withOutputTags(SnapshotThenCdcRead.EVENTS,
                      TupleTagList.of(SnapshotEventsFn.CHUNKS)));
      reads.add(events.get(SnapshotThenCdcRead.EVENTS).setRowSchema(envelope));
      parts = parts.and(events.get(SnapshotEventsFn.CHUNKS).setCoder(partCoder));
      keyFields.add(snapshots.get(i).splitColumns());
    }

    PCollection<StreamStart> plan = SnapshotThenCdcRead.planStream(
        parts,
        new PlanStreamFn(cdc.dialect(), keyFields, cdc.label()),
        keyFields.size() == 1
            ? new HandoffPlanCoder(cdc.dialect(), keyFields.get(0))
            : new TablesHandoffPlanCoder(cdc.dialect(), keyFields));
    PCollectionTuple changes = CdcRead.readChangesAfter(plan, cdc);

    PCollectionRowTuple result = PCollectionRowTuple.empty(input.getPipeline());
    for (int i = 0; i < snapshots.size(); i++) {
      PCollection<Row> changesOfTable = changes.get(cdc.outputTag(i));
      PCollection<Row> table = reads.get(i) == null
          ? changesOfTable
          : PCollectionList.of(reads.get(i)).and(changesOfTable)
              .apply("Snapshot and changes of " + name(i), Flatten.pCollections());
      result = result.and(name(i), table);
    }
    return result;
  }

  /** The output name of table {@code i}: {@code namespace.table}. */
  private String name(int i) {
    return cdc.tables().get(i).table().toString();
  }
}
