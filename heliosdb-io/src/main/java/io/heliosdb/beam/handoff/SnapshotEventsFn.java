package io.heliosdb.beam.handoff;

import io.heliosdb.beam.cdc.ChangeEnvelope;
import io.heliosdb.beam.dialect.Dialect;
import io.heliosdb.beam.snapshot.ChunkSnapshot;
import java.util.List;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.state.BagState;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.StateSpecs;
import org.apache.beam.sdk.state.ValueState;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.join.RawUnionValue;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TupleTag;
import org.joda.time.Instant;

/**
 * Turns each block of rows a consistent chunk read claimed into read events ({@code op = "r"},
 * {@code after} = the row, {@code commit_time} and timestamp = when it was turned), and passes
 * what the read saw on to the stream's plan ({@link #CHUNKS}).
 *
 * <p>The events need the stream's start (the snapshot rows' position on PostgreSQL, and the
 * envelope's {@code source}). It comes as one of this DoFn's inputs, a copy per shard key ({@link
 * #START}), next to the blocks ({@link #BLOCK}), and is kept in keyed state; blocks that arrive
 * before it wait in keyed state. Keyed state, unlike a side input, survives a restore: the Flink
 * runner (Beam 2.70) restored a job from a savepoint taken mid-snapshot with the side input empty,
 * and every block then failed with "Empty PCollection accessed as a singleton view".
 */
final class SnapshotEventsFn extends DoFn<KV<Integer, RawUnionValue>, Row> {
  static final TupleTag<HandoffPart> CHUNKS = new TupleTag<>() {};
  /** Union tag of the start. */
  static final int START = 0;
  /** Union tag of a block of rows with what its read saw. */
  static final int BLOCK = 1;

  private final Dialect dialect;
  private final Schema envelope;

  @StateId("start")
  private final StateSpec<ValueState<HandoffStart>> startSpec =
      StateSpecs.value(SerializableCoder.of(HandoffStart.class));

  @StateId("waiting")
  private final StateSpec<BagState<KV<ChunkSnapshot, List<Row>>>> waitingSpec;

  SnapshotEventsFn(
      Dialect dialect, Schema envelope, Coder<KV<ChunkSnapshot, List<Row>>> blockCoder) {
    this.dialect = dialect;
    this.envelope = envelope;
    this.waitingSpec = StateSpecs.bag(blockCoder);
  }

  @ProcessElement
  @SuppressWarnings("unchecked")
  public void process(
      @Element KV<Integer, RawUnionValue> element,
      @StateId("start") ValueState<HandoffStart> start,
      @StateId("waiting") BagState<KV<ChunkSnapshot, List<Row>>> waiting,
      MultiOutputReceiver out) {
    RawUnionValue value = element.getValue();
    if (value.getUnionTag() == START) {
      HandoffStart begin = (HandoffStart) value.getValue();
      start.write(begin);
      for (KV<ChunkSnapshot, List<Row>> block : waiting.read()) {
        emit(block, begin, out);
      }
      waiting.clear();
      return;
    }
    KV<ChunkSnapshot, List<Row>> block = (KV<ChunkSnapshot, List<Row>>) value.getValue();
    out.get(CHUNKS).output(new HandoffPart(null, block.getKey()));
    if (block.getValue().isEmpty()) {
      return;
    }
    HandoffStart begin = start.read();
    if (begin == null) {
      waiting.add(block);
    } else {
      emit(block, begin, out);
    }
  }

  private void emit(KV<ChunkSnapshot, List<Row>> block, HandoffStart begin,
      MultiOutputReceiver out) {
    String position = dialect.snapshotPosition(block.getKey().token(), begin.offset());
    Row source =
        Row.withSchema(ChangeEnvelope.SOURCE_SCHEMA).attachValues(begin.source().toArray());
    Instant now = Instant.now();
    OutputReceiver<Row> events = out.get(SnapshotThenCdcRead.EVENTS);
    for (Row row : block.getValue()) {
      events.outputWithTimestamp(
          ChangeEnvelope.of(envelope, "r", null, row, source, position, now), now);
    }
  }
}
