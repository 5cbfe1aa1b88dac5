package io.heliosdb.beam.handoff;

import io.heliosdb.beam.retry.Retrier;
import io.heliosdb.beam.cdc.CdcSpec;
import io.heliosdb.beam.metrics.SourceMetrics;
import io.heliosdb.beam.pool.ConnectionPools;
import io.heliosdb.beam.pool.PooledDataSource;
import io.heliosdb.beam.snapshot.PlanSnapshotFn;
import io.heliosdb.beam.snapshot.SnapshotSpec;
import io.heliosdb.beam.snapshot.SnapshotSplit;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.values.TupleTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fixes the log position, then plans the snapshot: PostgreSQL's slot is created (or its confirmed
 * position read) and MariaDB's binlog position taken before any chunk is read, so that every
 * change a chunk read does not see comes after the stream's start. Outputs the splits, and the
 * start on {@link #START}.
 */
final class PlanHandoffFn extends DoFn<byte[], SnapshotSplit> {
  private static final Logger LOG = LoggerFactory.getLogger(PlanHandoffFn.class);
  static final TupleTag<HandoffPart> START = new TupleTag<>() {};

  private final SnapshotSpec snapshot;
  private final CdcSpec cdc;
  private transient PooledDataSource pool;

  PlanHandoffFn(SnapshotSpec snapshot, CdcSpec cdc) {
    this.snapshot = snapshot;
    this.cdc = cdc;
  }

  @Setup
  public void setup() {
    pool = ConnectionPools.acquire(snapshot.connection());
  }

  @Teardown
  public void teardown() {
    if (pool != null) {
      pool.close();
    }
  }

  @ProcessElement
  public void process(MultiOutputReceiver out) {
    SourceMetrics metrics = SourceMetrics.of(snapshot.connection(), snapshot.label());
    Retrier retrier =
        new Retrier(snapshot.connection().retryPolicy(), cdc.dialect(), snapshot.label())
            .reportingTo(metrics);
    Plan plan = retrier.call("fixing the log position and planning the snapshot", this::plan);
    metrics.chunksPlanned(PlanSnapshotFn.estimatedChunks(plan.splits(), snapshot.chunkSize()));
    LOG.info("[{}] the stream will start at {}; reading the snapshot as {} splits",
        snapshot.label(), plan.start().position(), plan.splits().size());
    out.get(START).output(HandoffPart.start(plan.start()));
    for (SnapshotSplit split : plan.splits()) {
      out.get(SnapshotThenCdcRead.SPLITS).output(split.withLogStart(plan.start().position()));
    }
  }

  private record Plan(HandoffStart start, List<SnapshotSplit> splits) {}

  /** Idempotent: the slot and publication are created only if missing. */
  private Plan plan() throws SQLException {
    HandoffStart start = fixStart(cdc, pool);
    try (Connection connection = pool.getConnection()) {
      return new Plan(start, PlanSnapshotFn.plan(snapshot, connection));
    }
  }

  /**
   * Fixes where the stream starts, before any chunk is read: checks that the server maps reads
   * onto its log, then prepares the log (slot and publication created if missing) and returns
   * its position. One connection at a time, so that a pool of one connection suffices.
   */
  static HandoffStart fixStart(CdcSpec cdc, PooledDataSource pool) throws SQLException {
    try (Connection probe = pool.getConnection()) {
      // fails here, before the slot exists, if the server cannot map reads onto its log
      cdc.dialect().beginConsistentRead(probe);
      probe.commit();
    }
    try (Connection connection = pool.getConnection()) {
      Map<String, Object> offset =
          cdc.dialect().prepareChangeCapture(connection, cdc.settings(), cdc.startPosition());
      return new HandoffStart(offset, cdc.dialect().positionOf(offset));
    }
  }
}
