package io.heliosdb.beam;

import static org.assertj.core.api.Assertions.assertThat;

import io.heliosdb.beam.testing.DatabaseKind;
import io.heliosdb.beam.testing.TestDatabase;
import io.heliosdb.beam.testing.TestDatabases;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.transforms.Count;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A PostgreSQL table without a key, read by page ranges at parallelism 4 on the Direct runner
 * while single-row UPDATEs move rows between pages (with {@code fillfactor = 100} no page has
 * room for a new row version, so each UPDATE writes it to another page): every row must come out
 * exactly once, as of one moment, and the session that held that moment must be gone afterwards.
 */
@ExtendWith(TestPipelineExtension.class)
class KeylessSnapshotUnderWritesIT {
  private static final int ROWS = 100_000;
  /** How often the pipeline output each id (kept here: a PAssert of 100,000 ids takes minutes). */
  private static final AtomicIntegerArray SEEN = new AtomicIntegerArray(ROWS);
  /** When the pipeline saw its first and its last row: the read's span, for the writer's count. */
  private static final AtomicLong FIRST_ROW_SEEN = new AtomicLong(Long.MAX_VALUE);
  private static final AtomicLong LAST_ROW_SEEN = new AtomicLong();

  @Test
  void readsEveryRowOnceWhileUpdatesMoveRowsBetweenPages(TestPipeline pipeline) throws Throwable {
    TestDatabase db = TestDatabases.get(DatabaseKind.POSTGRES);
    String table = TestDatabase.uniqueName("keyless_moves");
    db.execute(
        "CREATE TABLE " + table + " (id BIGINT NOT NULL, v INT NOT NULL, pad TEXT NOT NULL)"
            + " WITH (fillfactor = 100)",
        "INSERT INTO " + table + " SELECT g, 0, repeat('x', 40) FROM generate_series(0, "
            + (ROWS - 1) + ") g",
        "ANALYZE " + table);

    PCollection<Long> ids =
        pipeline
            .apply(HeliosDbIO.read()
                .withConnection(db.connectionConfiguration())
                .withTable(table)
                .withSnapshot(SnapshotOptions.byPrimaryKey().withChunkSize(1_000))
                .withParallelism(4))
            .apply(MapElements.into(TypeDescriptors.longs()).via((Row row) -> {
              long now = System.currentTimeMillis();
              FIRST_ROW_SEEN.accumulateAndGet(now, Math::min);
              LAST_ROW_SEEN.accumulateAndGet(now, Math::max);
              long id = row.getInt64("id");
              SEEN.incrementAndGet((int) id);
              return id;
            }));
    PAssert.thatSingleton(ids.apply(Count.globally())).isEqualTo((long) ROWS);

    long started;
    long took;
    try (RowMover mover = new RowMover(db, table);
        SessionWatcher watcher = new SessionWatcher(db)) {
      started = System.currentTimeMillis();
      Throwable failure = null;
      try {
        pipeline.run().waitUntilFinish();
      } catch (Throwable e) { // report the writer's figures before the pipeline's failure
        failure = e;
      }
      took = System.currentTimeMillis() - started;
      mover.stop();
      watcher.stop();
      long duringRead = mover.updatesBetween(FIRST_ROW_SEEN.get(), LAST_ROW_SEEN.get());
      System.out.printf("keyless read of %d rows at parallelism 4 took %d ms; %d single-row"
          + " updates committed while rows were read, %d in all%n",
          ROWS, took, duringRead, mover.updates.size());
      eachIdOnce();
      if (failure != null) {
        throw failure;
      }
      assertThat(duringRead)
          .as("single-row UPDATEs committed while the pipeline read the table")
          .isGreaterThanOrEqualTo(100);
      assertThat(count(db, table)).isEqualTo(ROWS);
      // the session whose snapshot the readers shared ends with the read
      assertThat(watcher.exporters).as("sessions exporting the read's snapshot").isNotEmpty();
      assertThat(watcher.alive(watcher.exporters)).as("exporting sessions still open").isEmpty();
    }
    db.dropQuietly(table);
  }

  /** Fails naming how many ids were missing and how many came more than once. */
  private static void eachIdOnce() {
    List<Integer> missing = new ArrayList<>();
    List<Integer> repeated = new ArrayList<>();
    for (int id = 0; id < ROWS; id++) {
      if (SEEN.get(id) == 0) {
        missing.add(id);
      } else if (SEEN.get(id) > 1) {
        repeated.add(id);
      }
    }
    assertThat(missing.size() + " ids missing " + sample(missing) + ", " + repeated.size()
        + " ids more than once " + sample(repeated))
        .isEqualTo("0 ids missing [], 0 ids more than once []");
  }

  private static List<Integer> sample(List<Integer> ids) {
    return ids.subList(0, Math.min(10, ids.size()));
  }

  private static long count(TestDatabase db, String table) throws SQLException {
    try (Connection connection = db.connect();
        Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery("SELECT COUNT(*) FROM " + table)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /**
   * A thread that UPDATEs one random row at a time, by its original {@code ctid} (a row already
   * moved is skipped), until stopped, recording when each update committed.
   */
  private static final class RowMover implements AutoCloseable {
    final List<Long> updates = new CopyOnWriteArrayList<>();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final List<Throwable> errors = new CopyOnWriteArrayList<>();
    private final Thread thread;

    RowMover(TestDatabase db, String table) throws SQLException {
      List<String> ctids = new ArrayList<>(ROWS);
      try (Connection connection = db.connect();
          Statement statement = connection.createStatement();
          ResultSet rs = statement.executeQuery("SELECT CAST(ctid AS text) FROM " + table)) {
        while (rs.next()) {
          ctids.add(rs.getString(1));
        }
      }
      thread = new Thread(() -> {
        try (Connection connection = db.connect();
            PreparedStatement update = connection.prepareStatement(
                "UPDATE " + table + " SET v = v + 1 WHERE ctid = CAST(? AS tid)")) {
          while (!stop.get()) {
            update.setString(1, ctids.get(ThreadLocalRandom.current().nextInt(ctids.size())));
            if (update.executeUpdate() == 1) {
              updates.add(System.currentTimeMillis());
            }
            Thread.sleep(2);
          }
        } catch (Throwable e) {
          errors.add(e);
        }
      }, "row-mover-" + table);
      thread.setDaemon(true);
      thread.start();
    }

    long updatesBetween(long from, long to) {
      return updates.stream().filter(t -> t >= from && t <= to).count();
    }

    void stop() throws InterruptedException {
      stop.set(true);
      thread.join(10_000);
      assertThat(errors).as("writer errors").isEmpty();
    }

    @Override
    public void close() throws InterruptedException {
      stop.set(true);
      thread.join(10_000);
    }
  }

  /** Records the backends that export a snapshot for HeliosDB IO readers while the read runs. */
  private static final class SessionWatcher implements AutoCloseable {
    final Set<Integer> exporters = ConcurrentHashMap.newKeySet();
    private final TestDatabase db;
    private final AtomicBoolean stop = new AtomicBoolean();
    private final Thread thread;

    SessionWatcher(TestDatabase db) {
      this.db = db;
      thread = new Thread(() -> {
        try (Connection connection = db.connect();
            Statement statement = connection.createStatement()) {
          while (!stop.get()) {
            try (ResultSet rs = statement.executeQuery("SELECT pid FROM pg_stat_activity"
                + " WHERE application_name LIKE 'heliosdb-io exports snapshot %'")) {
              while (rs.next()) {
                exporters.add(rs.getInt(1));
              }
            }
            Thread.sleep(50);
          }
        } catch (SQLException | InterruptedException e) {
          throw new IllegalStateException(e);
        }
      }, "session-watcher");
      thread.setDaemon(true);
      thread.start();
    }

    Set<Integer> alive(Set<Integer> pids) throws SQLException {
      Set<Integer> alive = ConcurrentHashMap.newKeySet();
      try (Connection connection = db.connect();
          PreparedStatement statement =
              connection.prepareStatement("SELECT 1 FROM pg_stat_activity WHERE pid = ?")) {
        for (int pid : pids) {
          statement.setInt(1, pid);
          try (ResultSet rs = statement.executeQuery()) {
            if (rs.next()) {
              alive.add(pid);
            }
          }
        }
      }
      return alive;
    }

    void stop() throws InterruptedException {
      stop.set(true);
      thread.join(10_000);
    }

    @Override
    public void close() throws InterruptedException {
      stop();
    }
  }
}
