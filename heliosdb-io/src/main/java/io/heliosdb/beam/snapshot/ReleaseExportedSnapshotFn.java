package io.heliosdb.beam.snapshot;

import io.heliosdb.beam.HeliosDbException;
import io.heliosdb.beam.dialect.ExportedSnapshot;
import io.heliosdb.beam.dialect.SnapshotExport;
import io.heliosdb.beam.metrics.SourceMetrics;
import io.heliosdb.beam.pool.ConnectionPools;
import io.heliosdb.beam.pool.PooledDataSource;
import io.heliosdb.beam.retry.Retrier;
import java.sql.Connection;
import java.util.Objects;
import org.apache.beam.sdk.transforms.DoFn;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs once every page split is read: ends the session that exported the read's snapshot, which
 * may run in this JVM (closed here) or in another worker's (ended on the server by its process
 * id and start time, which the same user may do). Each split carries the snapshot; ending it
 * again does nothing.
 */
class ReleaseExportedSnapshotFn extends DoFn<SnapshotSplit, Void> {
  private static final Logger LOG = LoggerFactory.getLogger(ReleaseExportedSnapshotFn.class);

  private final SnapshotSpec spec;
  private transient PooledDataSource pool;

  ReleaseExportedSnapshotFn(SnapshotSpec spec) {
    this.spec = spec;
  }

  @Setup
  public void setup() {
    pool = ConnectionPools.acquire(spec.connection());
  }

  @Teardown
  public void teardown() {
    if (pool != null) {
      pool.close();
    }
  }

  @ProcessElement
  public void process(@Element SnapshotSplit split) {
    ExportedSnapshot snapshot = split.exportedSnapshot();
    if (snapshot == null || ExportedSnapshots.release(snapshot)) {
      return;
    }
    SnapshotExport export = Objects.requireNonNull(spec.dialect().snapshotExport());
    Retrier retrier = new Retrier(spec.connection().retryPolicy(), spec.dialect(), spec.label())
        .reportingTo(SourceMetrics.of(spec.connection(), spec.label()));
    boolean ended;
    try {
      ended = retrier.call("ending the session exporting snapshot " + snapshot.id(), () -> {
        try (Connection connection = pool.getConnection()) {
          return export.endExporter(connection, snapshot);
        }
      });
    } catch (HeliosDbException e) { // every row is read: the worker holding it ends it later
      LOG.warn("[{}] could not end the session exporting snapshot {} (session {}); the worker"
          + " that holds it ends it once no reader has read in it for {} minutes: {}",
          spec.label(), snapshot.id(), snapshot.exporterPid(),
          ExportedSnapshots.MAX_IDLE.toMinutes(), e.getMessage());
      return;
    }
    if (ended) {
      LOG.info("[{}] ended the session exporting snapshot {} (session {}): the read is complete",
          spec.label(), snapshot.id(), snapshot.exporterPid());
    }
  }
}
