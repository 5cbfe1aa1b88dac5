package io.heliosdb.beam;

import static org.assertj.core.api.Assertions.assertThat;

import io.heliosdb.beam.testing.ChangeReplica;
import io.heliosdb.beam.testing.StreamCollector;
import io.heliosdb.beam.testing.TableWriters;
import io.heliosdb.beam.testing.TestDatabase;
import io.heliosdb.beam.testing.TestDatabases;
import java.sql.Connection;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.values.Row;
import org.joda.time.Duration;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ArgumentsSource;

/**
 * Reads whose database connections are killed again and again (PostgreSQL {@code
 * pg_terminate_backend}, MariaDB {@code KILL}) retry and resume where they stood: nothing lost,
 * nothing repeated.
 */
@ExtendWith(TestPipelineExtension.class)
class RetryIT {

  /** Kills, every {@code periodMillis}, the server sessions whose query or command matches. */
  static final class Killer implements AutoCloseable {
    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicInteger kills = new AtomicInteger();
    private final Thread thread;

    Killer(TestDatabase db, String sessionsQuery, long periodMillis) {
      thread = new Thread(() -> {
        while (!stop.get()) {
          try (Connection connection = db.connect()) {
            Thread.sleep(periodMillis);
            List<Long> sessions = new ArrayList<>();
            try (ResultSet rs = connection.createStatement().executeQuery(sessionsQuery)) {
              while (rs.next()) {
                sessions.add(rs.getLong(1));
              }
            }
            for (long session : sessions) {
              connection.createStatement().execute(db.isPostgres()
                  ? "SELECT pg_terminate_backend(" + session + ")" : "KILL " + session);
              kills.incrementAndGet();
            }
          } catch (InterruptedException e) {
            return;
          } catch (Exception e) {
            System.err.println("killer: " + e); // the session may be gone already
          }
        }
      }, "killer");
      thread.setDaemon(true);
      thread.start();
    }

    int kills() {
      return kills.get();
    }

    @Override
    public void close() {
      stop.set(true);
      thread.interrupt();
      try {
        thread.join(10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Sessions running a query that reads {@code table} (not the killer's own). */
  static String readersOf(TestDatabase db, String table) {
    return db.isPostgres()
        ? "SELECT pid FROM pg_stat_activity WHERE query LIKE 'SELECT %" + table + "%'"
            + " AND pid <> pg_backend_pid() AND state <> 'idle'"
        : "SELECT id FROM information_schema.processlist WHERE info LIKE 'SELECT %" + table
            + "%' AND id <> CONNECTION_ID()";
  }

  static HeliosDbIO.Read read(TestDatabase db, String table) {
    return HeliosDbIO.read()
        .withConnection(db.connectionConfiguration())
        .withTable(table)
        .withRetry(RetryOptions.create().withConnectionRetryTime(Duration.standardMinutes(2)));
  }

  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void aSnapshotWhoseReadersAreKilledRepeatedlyEmitsEveryRowOnce(
      TestDatabase db, TestPipeline pipeline) throws Exception {
    String table = TestDatabase.uniqueName("retry_snap");
    long rows = 300_000;
    TableWriters.createTable(db, table, rows);
    StreamCollector ids = new StreamCollector();
    // 20 rows per output: the Direct runner consumes slowly, so MariaDB's query stays on the
    // server long enough to be seen and killed (with 500-row outputs it sent all rows into the
    // socket and ended within one look of the killer at times)
    try (Killer killer = new Killer(db, readersOf(db, table), 50)) {
      ids.collect(
          pipeline.apply(read(db, table).withSnapshot(SnapshotOptions.byPrimaryKey()
              .withChunkSize(300_000)).withFetchSize(100).withOutputBatchSize(20)),
          (Row r) -> String.valueOf(r.getInt64("id")));
      pipeline.run().waitUntilFinish();
      assertThat(ids.values()).hasSize((int) rows);
      assertThat(ids.duplicates()).isEmpty();
      System.out.printf("[%s] snapshot: %d sessions killed%n", db, killer.kills());
      assertThat(killer.kills()).isPositive();
    } finally {
      ids.clear();
      db.dropQuietly(table);
    }
  }

  /**
   * The log reader's connection (the slot's walsender) is killed while changes stream.
   * PostgreSQL only for now: on MariaDB the binlog dump session of the reader could not be told
   * apart from other readers' (the process list shows no server id), and killing them all would
   * disturb other pipelines on a shared server.
   */
  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void aChangeStreamWhoseConnectionIsKilledResumesAfterItsLastPosition(TestDatabase db)
      throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(db.isPostgres(),
        "MariaDB: the reader's binlog dump session cannot be singled out to kill");
    String table = TestDatabase.uniqueName("retry_cdc");
    TableWriters.createTable(db, table, 1_000);
    CdcOptions options = CdcReadIT.cdc(db, table);
    String logReaders =
        "SELECT active_pid FROM pg_replication_slots WHERE slot_name = '" + table + "'"
            + " AND active_pid IS NOT NULL";
    StreamCollector events = new StreamCollector();
    TestPipeline pipeline = CdcReadIT.newPipeline();
    events.collect(pipeline.apply(read(db, table).withCdc(options)), ChangeReplica::render);
    PipelineResult result = CdcReadIT.start(pipeline);
    try (TableWriters writers = new TableWriters(db, table, 1_000, 1, 5);
        Killer killer = new Killer(db, logReaders, 3_000)) {
      CdcReadIT.awaitWhileRunning(result, () -> killer.kills() >= 3);
      writers.close();
      long marker = -999_999_999L;
      db.execute("INSERT INTO " + table + " VALUES (" + marker + ", 'marker')");
      killer.close();
      CdcReadIT.awaitWhileRunning(result,
          () -> events.values().stream().anyMatch(e -> e.startsWith("c|" + marker + "|")));
      Thread.sleep(1_000);
      System.out.printf("[%s] CDC: %d changes, %d log connections killed%n", db,
          events.values().size(), killer.kills());
      assertThat(events.duplicates()).isEmpty();
      // no snapshot: replay the changes onto the initial rows
      List<String> all = new ArrayList<>(events.values());
      for (long id = 0; id < 1_000; id++) {
        all.add("r|" + id + "|-|v" + id + "|" + (db.isPostgres() ? "0/0" : "a.000000:0"));
      }
      ChangeReplica replica = ChangeReplica.replay(all);
      assertThat(replica.violations()).isEmpty();
      assertThat(replica.rows()).isEqualTo(TableWriters.contents(db, table));
    } finally {
      result.cancel();
      events.clear();
      CdcReadIT.dropSlot(db, table);
      db.dropQuietly(table);
    }
  }
}
