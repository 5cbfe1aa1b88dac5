package io.heliosdb.beam.handoff;

import io.heliosdb.beam.cdc.ChangeEnvelope;
import io.heliosdb.beam.dialect.Dialect;
import io.heliosdb.beam.snapshot.ChunkSnapshot;
import java.util.List;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollectionView;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TupleTag;
import org.joda.time.Instant;

/**
 * Turns each block of rows a consistent chunk read claimed into read events ({@code op = "r"},
 * {@code after} = the row, {@code commit_time} and timestamp = when it was turned), and passes
 * what the read saw on to the stream's plan ({@link #CHUNKS}).
 */
final class SnapshotEventsFn extends DoFn<KV<ChunkSnapshot, List<Row>>, Row> {
  static final TupleTag<HandoffPart> CHUNKS = new TupleTag<>() {};

  private final Dialect dialect;
  private final Schema envelope;
  private final PCollectionView<HandoffStart> start;

  SnapshotEventsFn(Dialect dialect, Schema envelope, PCollectionView<HandoffStart> start) {
    this.dialect = dialect;
    this.envelope = envelope;
    this.start = start;
  }

  @ProcessElement
  public void process(
      @Element KV<ChunkSnapshot, List<Row>> block, ProcessContext context, MultiOutputReceiver out) {
    ChunkSnapshot chunk = block.getKey();
    out.get(CHUNKS).output(new HandoffPart(null, chunk));
    if (block.getValue().isEmpty()) {
      return;
    }
    HandoffStart begin = context.sideInput(start);
    String position = dialect.snapshotPosition(chunk.token(), begin.offset());
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
