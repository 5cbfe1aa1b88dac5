package io.heliosdb.beam.snapshot;

import io.heliosdb.beam.ConnectionConfiguration;
import io.heliosdb.beam.dialect.ExportedSnapshot;
import io.heliosdb.beam.dialect.SnapshotExport;
import io.heliosdb.beam.pool.DirectConnections;
import io.heliosdb.beam.schema.TableId;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sessions this JVM keeps open, each in the transaction that exported the snapshot that the
 * page-range readers of one read share (from any worker). A session ends when {@link
 * ReleaseExportedSnapshotFn} releases it after the read, when its connection breaks, or, for a
 * read that never finishes (a job cancelled or failed while this JVM lives on), once no reader has
 * read in its snapshot for {@link #MAX_IDLE}: a check every {@link #CHECK_INTERVAL} counts the
 * readers on the server, whichever worker they run on.
 */
final class ExportedSnapshots {
  private static final Logger LOG = LoggerFactory.getLogger(ExportedSnapshots.class);
  static final Duration CHECK_INTERVAL = Duration.ofSeconds(30);
  static final Duration MAX_IDLE = Duration.ofMinutes(30);
  private static final int REMEMBERED_RELEASES = 1_000;

  private static final Map<String, Exporter> EXPORTERS = new ConcurrentHashMap<>();
  /** Snapshots this JVM exported and released, so that releasing them again does nothing. */
  private static final Set<String> RELEASED = Collections.synchronizedSet(
      Collections.newSetFromMap(new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
          return size() > REMEMBERED_RELEASES;
        }
      }));
  private static ScheduledExecutorService checker;
  /** {@link #CHECK_INTERVAL} and {@link #MAX_IDLE}, shorter in tests. */
  static volatile Duration checkInterval = CHECK_INTERVAL;
  static volatile Duration maxIdle = MAX_IDLE;

  private ExportedSnapshots() {}

  /**
   * Opens a session of its own that exports a snapshot of {@code table} and keeps it open.
   *
   * @param label the read's label, for logs
   */
  static ExportedSnapshot export(
      ConnectionConfiguration config, SnapshotExport export, TableId table, String label)
      throws SQLException {
    Connection connection = DirectConnections.open(config);
    try {
      ExportedSnapshot snapshot = export.export(connection, table);
      EXPORTERS.put(snapshot.id(), new Exporter(connection, snapshot, export, label));
      startChecks();
      LOG.info("[{}] exported snapshot {} (session {}) for the page-range readers", label,
          snapshot.id(), snapshot.exporterPid());
      return snapshot;
    } catch (SQLException | RuntimeException e) {
      Exporter.closeQuietly(connection);
      throw e;
    }
  }

  /** Whether this JVM exported {@code snapshot}; if it still holds it, ends it. */
  static boolean release(ExportedSnapshot snapshot) {
    Exporter exporter = EXPORTERS.remove(snapshot.id());
    if (exporter != null) {
      exporter.close("the read is complete");
    }
    return exporter != null || RELEASED.contains(snapshot.id());
  }

  /** Notes that a reader of this JVM begins to read in {@code snapshot}. */
  static void reading(ExportedSnapshot snapshot) {
    Exporter exporter = EXPORTERS.get(snapshot.id());
    if (exporter != null) {
      exporter.lastRead = System.currentTimeMillis();
    }
  }

  /** The snapshots this JVM holds open. */
  static Set<String> held() {
    return Set.copyOf(EXPORTERS.keySet());
  }

  private static synchronized void startChecks() {
    if (checker == null) {
      checker = Executors.newSingleThreadScheduledExecutor(task -> {
        Thread thread = new Thread(task, "heliosdb-exported-snapshots");
        thread.setDaemon(true);
        return thread;
      });
      // a short tick, so that each session is checked about every checkInterval as it is now
      checker.scheduleWithFixedDelay(() -> {
        try {
          EXPORTERS.values().forEach(Exporter::checkIfDue);
        } catch (RuntimeException e) {
          LOG.warn("checking exported snapshots failed", e);
        }
      }, 1, 1, TimeUnit.SECONDS);
    }
  }

  /** One exporting session. */
  private static final class Exporter {
    private final Connection connection;
    private final ExportedSnapshot snapshot;
    private final SnapshotExport export;
    private final String label;
    volatile long lastRead = System.currentTimeMillis();
    private long lastCheck = System.currentTimeMillis();
    private boolean closed;

    Exporter(Connection connection, ExportedSnapshot snapshot, SnapshotExport export,
        String label) {
      this.connection = connection;
      this.snapshot = snapshot;
      this.export = export;
      this.label = label;
    }

    /**
     * Counts the readers every {@code checkInterval}, which also keeps the session from idling in
     * its transaction; ends it after {@code maxIdle} without readers.
     */
    synchronized void checkIfDue() {
      long now = System.currentTimeMillis();
      if (closed || now - lastCheck < checkInterval.toMillis()) {
        return;
      }
      lastCheck = now;
      try {
        if (export.readersOf(connection, snapshot) > 0) {
          lastRead = now;
        }
      } catch (SQLException e) {
        LOG.info("[{}] the session exporting snapshot {} ended: {}", label, snapshot.id(),
            e.getMessage());
        EXPORTERS.remove(snapshot.id());
        close(null);
        return;
      }
      if (now - lastRead >= maxIdle.toMillis()) {
        LOG.warn("[{}] ending the session exporting snapshot {}: no reader read in it for {} s"
            + " (a read that was cancelled or failed); a reader that still needs it fails, and"
            + " the table must be read again", label, snapshot.id(), maxIdle.toSeconds());
        EXPORTERS.remove(snapshot.id());
        close(null);
      }
    }

    /** Ends the exporting transaction and its session; logs {@code why} unless null. */
    synchronized void close(String why) {
      if (closed) {
        return;
      }
      closed = true;
      RELEASED.add(snapshot.id());
      if (why != null) {
        LOG.info("[{}] ending the session exporting snapshot {}: {}", label, snapshot.id(), why);
      }
      try {
        connection.rollback();
      } catch (SQLException ignored) {
        // the session may be gone already; closing it is all that is left
      }
      closeQuietly(connection);
    }

    static void closeQuietly(Connection connection) {
      try {
        connection.close();
      } catch (SQLException ignored) {
        // nothing more to release
      }
    }
  }
}
