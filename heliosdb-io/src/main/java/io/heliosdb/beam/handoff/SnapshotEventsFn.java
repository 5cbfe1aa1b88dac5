package io.heliosdb.beam.handoff;

import io.heliosdb.beam.cdc.ChangeEnvelope;
import io.heliosdb.beam.dialect.Dialect;
import io.heliosdb.beam.snapshot.ChunkSnapshot;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TupleTag;
import org.joda.time.Instant;

/**
 * Turns each block of rows a consistent chunk read claimed into read events ({@code op = "r"},
 * {@code after} = the row, {@code position} = the chunk's and its {@code order_key}, {@code
 * commit_time} and timestamp =
 * when it was turned), and passes what the reads saw on to the stream's plan ({@link #CHUNKS}):
 * once per bundle, neighbouring blocks of one transaction merged, so that the single group that
 * waits for the whole snapshot holds about one entry per chunk query rather than per block.
 */
final class SnapshotEventsFn extends DoFn<KV<ChunkSnapshot, List<Row>>, Row> {
  static final TupleTag<HandoffPart> CHUNKS = new TupleTag<>() {};

  private final Schema envelope;
  private final List<String> source;
  private final int table;
  private final Dialect dialect;
  private transient List<ChunkSnapshot> bundleChunks;

  /**
   * @param source the envelope's {@code source}: database, schema (or null), table
   * @param table the index of the table among the read's tables
   * @param dialect the database's, for the order keys of chunk positions
   */
  SnapshotEventsFn(Schema envelope, List<String> source, int table, Dialect dialect) {
    this.envelope = envelope;
    this.source = source;
    this.table = table;
    this.dialect = dialect;
  }

  @StartBundle
  public void startBundle() {
    bundleChunks = new ArrayList<>();
  }

  @ProcessElement
  public void process(@Element KV<ChunkSnapshot, List<Row>> block, MultiOutputReceiver out) {
    ChunkSnapshot chunk = block.getKey();
    bundleChunks.add(chunk);
    if (block.getValue().isEmpty()) {
      return;
    }
    Row sourceRow = Row.withSchema(ChangeEnvelope.SOURCE_SCHEMA).attachValues(source.toArray());
    String orderKey = dialect.orderKey(chunk.position());
    Instant now = Instant.now();
    OutputReceiver<Row> events = out.get(SnapshotThenCdcRead.EVENTS);
    for (Row row : block.getValue()) {
      events.outputWithTimestamp(
          ChangeEnvelope.of(
              envelope, "r", null, row, sourceRow, chunk.position(), orderKey, now),
          now);
    }
  }

  @FinishBundle
  public void finishBundle(FinishBundleContext context) {
    for (ChunkSnapshot chunk : HandoffPlan.merge(bundleChunks)) {
      context.output(
          CHUNKS, HandoffPart.chunk(table, chunk), BoundedWindow.TIMESTAMP_MIN_VALUE,
          GlobalWindow.INSTANCE);
    }
    bundleChunks = null;
  }
}
