package io.heliosdb.beam.handoff;

import io.heliosdb.beam.cdc.CdcSpec;
import io.heliosdb.beam.cdc.CdcRead;
import io.heliosdb.beam.cdc.StreamStart;
import io.heliosdb.beam.snapshot.ReadSnapshotSplitDoFn;
import io.heliosdb.beam.snapshot.SnapshotSpec;
import io.heliosdb.beam.snapshot.SnapshotSplit;
import io.heliosdb.beam.snapshot.SnapshotSplitCoder;
import java.util.List;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.ListCoder;
import org.apache.beam.sdk.coders.RowCoder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.Impulse;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Reshuffle;
import org.apache.beam.sdk.transforms.WithKeys;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.TimestampCombiner;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;

/**
 * Snapshot then CDC: a parallel snapshot of the table, then its change stream, with no change
 * lost and none repeated between the two.
 *
 * <pre>
 * Impulse ─ PlanHandoffFn ─┬─ splits (with the start) ─ Reshuffle ─ ReadSnapshotSplitDoFn.Consistent
 *  (slot / binlog first)   │        ─ SnapshotEventsFn ─┬─ "r" events ───────────────────────────────┐
 *                          │                            └─ chunk snapshots ─┐                        │
 *                          └─ start ──────────────────────────── GroupByKey ─ PlanStreamFn ─ ReadChangesDoFn ─ Flatten
 * </pre>
 *
 * Each chunk is read in one transaction that the dialect maps exactly onto the log (PostgreSQL:
 * its transaction snapshot; MariaDB: the binlog position of a consistent snapshot). The stream
 * starts once every chunk is read, from the position fixed before the first one, and emits a
 * change only if the read of its key's chunk did not already see it. Once no chunk read can have
 * seen a change or any after it, the stream goes on in a second reader whose element holds only
 * the position ({@link CdcRead#readChangesAfter}).
 */
public class SnapshotThenCdcRead extends PTransform<PBegin, PCollection<Row>> {
  static final TupleTag<SnapshotSplit> SPLITS = new TupleTag<>() {};
  static final TupleTag<Row> EVENTS = new TupleTag<>() {};

  private final SnapshotSpec snapshot;
  private final CdcSpec cdc;
  private final List<String> source;

  /**
   * @param source the {@code source} of the envelopes: database, schema (or null), table ({@link
   *     io.heliosdb.beam.dialect.Dialect#changeSource})
   */
  public SnapshotThenCdcRead(SnapshotSpec snapshot, CdcSpec cdc, List<String> source) {
    this.snapshot = snapshot;
    this.cdc = cdc;
    this.source = source;
  }

  @Override
  public PCollection<Row> expand(PBegin input) {
    Schema envelope = cdc.envelopeSchema(0);
    Schema rows = snapshot.tableSchema().schema();
    HandoffPartCoder partCoder = HandoffPartCoder.of();

    PCollectionTuple planned =
        input
            .apply("Start", Impulse.create())
            .apply(
                "Fix the log position and plan chunks",
                ParDo.of(new PlanHandoffFn(snapshot, cdc))
                    .withOutputTags(SPLITS, TupleTagList.of(PlanHandoffFn.START)));
    PCollection<HandoffPart> start = planned.get(PlanHandoffFn.START).setCoder(partCoder);

    PCollectionTuple snapshotEvents =
        planned
            .get(SPLITS)
            .setCoder(new SnapshotSplitCoder(snapshot.keySchema().schema()))
            .apply("Spread splits", Reshuffle.viaRandomKey())
            .apply("Read chunks", ParDo.of(new ReadSnapshotSplitDoFn.Consistent(snapshot)))
            .setCoder(
                KvCoder.of(ChunkSnapshotCoder.of(), ListCoder.of(RowCoder.of(rows))))
            .apply(
                "Snapshot rows as read events",
                ParDo.of(new SnapshotEventsFn(envelope, source, 0, cdc.dialect()))
                    .withOutputTags(EVENTS, TupleTagList.of(SnapshotEventsFn.CHUNKS)));
    PCollection<Row> reads = snapshotEvents.get(EVENTS).setRowSchema(envelope);

    PCollection<StreamStart> plan = planStream(
        PCollectionList.of(start)
            .and(snapshotEvents.get(SnapshotEventsFn.CHUNKS).setCoder(partCoder)),
        new PlanStreamFn(cdc.dialect(), List.of(snapshot.splitColumns()), cdc.label()),
        new HandoffPlanCoder(cdc.dialect(), snapshot.splitColumns()));
    PCollection<Row> changes =
        CdcRead.readChangesAfter(plan, cdc).get(cdc.outputTag(0));

    return PCollectionList.of(reads).and(changes).apply("Snapshot and changes",
        Flatten.pCollections());
  }

  /**
   * Waits for the start and every chunk read's part, then plans the stream: a single group, which
   * fires once its input is complete, keeping the earliest timestamp so that the stream may emit
   * at commit times.
   */
  static PCollection<StreamStart> planStream(
      PCollectionList<HandoffPart> parts, PlanStreamFn planner,
      org.apache.beam.sdk.coders.Coder<StreamStart> planCoder) {
    return parts
        .apply("Start and chunks", Flatten.pCollections())
        .apply(
            "Keep earliest time",
            Window.<HandoffPart>into(new GlobalWindows())
                .withTimestampCombiner(TimestampCombiner.EARLIEST))
        .apply("One group", WithKeys.of(0))
        .setCoder(KvCoder.of(VarIntCoder.of(), HandoffPartCoder.of()))
        .apply("Wait for every chunk", GroupByKey.create())
        .apply("Plan the stream", ParDo.of(planner))
        .setCoder(planCoder);
  }
}
