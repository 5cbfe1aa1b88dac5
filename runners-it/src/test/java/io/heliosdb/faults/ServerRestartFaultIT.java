package io.heliosdb.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.heliosdb.beam.CdcOptions;
import io.heliosdb.beam.ReadHooks;
import io.heliosdb.beam.testing.ChangeReplica;
import io.heliosdb.beam.testing.StreamCollector;
import io.heliosdb.beam.testing.TestDatabase;
import io.heliosdb.beam.testing.TestDatabases;
import io.heliosdb.faults.FaultTables.ChangeOutcome;
import io.heliosdb.faults.FaultTables.IncrementalOutcome;
import io.heliosdb.faults.FaultTables.SnapshotOutcome;
import io.heliosdb.faults.FaultTables.Writers;
import io.heliosdb.faults.ServerControl.Restart;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ArgumentsSource;

/**
 * Fault scenario 2: the database server is restarted (PostgreSQL {@code pg_ctlcluster ...
 * restart}, fast shutdown; MariaDB {@code mariadb-admin shutdown}, then {@code start-stop-daemon})
 * while a pipeline reads it: during a snapshot, during incremental polling and during CDC, on the
 * Direct runner, and CDC also on the Flink runner; the modes that read changes run under write
 * load (the writers reconnect after the restart). The read retries its connection with backoff
 * and resumes where it stood: the output, replayed onto a replica, equals the table; snapshot and
 * incremental emit every row (version) exactly once, CDC's duplicates are counted and reported
 * (cdc.md: at-least-once across restarts; within one runner process the retry resumes after the
 * last claimed position, so none are expected).
 *
 * <p>Restarts the local servers: run only through {@code runners-it/bench.sh faults}, holding
 * {@code /tmp/heliosdb-db.lock}. Each test ends with both servers accepting connections.
 */
class ServerRestartFaultIT {
  private static final String SCENARIO = "server-restart";

  @AfterEach
  void serversUp() throws Exception {
    ServerControl.ensureBothUp();
  }

  /**
   * A 200,000-row table read by 4 readers in outputs of 20 rows (so that the Direct runner takes
   * long enough for the restart to land mid-read), the server restarted once rows arrive.
   */
  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void snapshot(TestDatabase db) throws Exception {
    String table = FaultTables.name("restart_snap");
    long rows = 200_000;
    FaultTables.create(db, table, rows);
    StreamCollector output = new StreamCollector();
    try {
      Pipeline pipeline = FaultTables.directBatch(4);
      output.collectRows(pipeline.apply(ReadHooks.withOutputBatchSize(FaultTables.read(db, table)
          .withSnapshot(FaultTables.snapshot(50_000)).withFetchSize(100).withParallelism(4), 20)),
          "id", "v");
      PipelineResult result = pipeline.run();
      FaultTables.await(result, "the first rows", () -> output.values().size() >= rows / 20);
      int before = output.values().size();
      Restart restart = ServerControl.restart(db);
      FaultTables.awaitDone(result);
      SnapshotOutcome outcome =
          SnapshotOutcome.of(FaultTables.contents(db, table), output.values());
      long afterRestart = output.arrivals().stream()
          .filter(a -> a.arrivedMillis() >= restart.back()).count();
      FaultResult.of(SCENARIO, FaultTables.dbName(db), "direct", "snapshot")
          .expected(outcome.expected()).lost(outcome.lost()).duplicates(outcome.duplicates())
          .recoveryMillis(FaultTables.recoveryAfterRestart(output, restart))
          .detail("restarts", 1).detail("server_down_ms", restart.downMillis())
          .detail("rows_before_restart", before).detail("rows_after_server_back", afterRestart)
          .detail("wrong_values", outcome.wrong()).report();
      assertThat(afterRestart).as("rows read after the server came back: the restart landed"
          + " mid-read").isPositive();
      outcome.assertExactlyOnce();
    } finally {
      output.clear();
      FaultTables.drop(db, table);
    }
  }

  /** Incremental polling under two writers (inserts, updates), the server restarted mid-stream. */
  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void incremental(TestDatabase db) throws Exception {
    String table = FaultTables.name("restart_incr");
    long rows = 20_000;
    FaultTables.create(db, table, rows);
    StreamCollector output = new StreamCollector();
    Pipeline pipeline = FaultTables.directStreaming();
    output.collect(pipeline.apply(FaultTables.read(db, table)
        .withIncremental(FaultTables.incremental())), FaultTables::renderVersion);
    PipelineResult result = pipeline.run();
    try (Writers writers = new Writers(db, table, rows, 2, 5, false)) {
      FaultTables.await(result, "the backlog and new versions",
          () -> output.values().size() >= rows + 200);
      Restart restart = ServerControl.restart(db);
      long back = restart.back();
      FaultTables.await(result, "a row read after the restart",
          () -> FaultTables.firstArrivalAfter(output, back) >= 0);
      Thread.sleep(2_000);
      FaultTables.stopAndAwaitMarker(result, output, writers, db, table,
          FaultTables.incrementalMarker(), 2_000);
      IncrementalOutcome outcome =
          IncrementalOutcome.of(FaultTables.contents(db, table), output.values());
      FaultResult.of(SCENARIO, FaultTables.dbName(db), "direct", "incremental")
          .expected(outcome.expected()).lost(outcome.lost()).duplicates(outcome.duplicates())
          .recoveryMillis(FaultTables.recoveryAfterRestart(output, restart))
          .detail("restarts", 1).detail("server_down_ms", restart.downMillis())
          .detail("writer_transactions", writers.transactions())
          .detail("writer_failures", writers.failed())
          .detail("row_versions_read", output.values().size()).report();
      outcome.assertExactlyOnce();
    } finally {
      FaultTables.cancelQuietly(result);
      output.clear();
      FaultTables.drop(db, table);
    }
  }

  /** CDC under two writers (inserts, updates, deletes), the server restarted mid-stream. */
  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void cdc(TestDatabase db) throws Exception {
    cdc(db, "direct", FaultTables.directStreaming());
  }

  /**
   * The same on the Flink runner (embedded cluster, checkpoints every second, which acknowledge
   * the log).
   */
  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void cdcOnFlink(TestDatabase db) throws Exception {
    cdc(db, "flink", FaultTables.flinkStreaming());
  }

  private static void cdc(TestDatabase db, String runner, Pipeline pipeline) throws Exception {
    String table = FaultTables.name("restart_cdc");
    long rows = 1_000;
    FaultTables.create(db, table, rows);
    StreamCollector output = new StreamCollector();
    PipelineResult result = null;
    CdcOptions options = FaultTables.cdcFromNow(db, table);
    try (Writers writers = new Writers(db, table, rows, 2, 2, true)) {
      output.collect(pipeline.apply(FaultTables.read(db, table).withCdc(options)),
          ChangeReplica::render);
      result = pipeline.run();
      PipelineResult running = result;
      FaultTables.await(result, "500 changes", () -> output.values().size() >= 500);
      Restart restart = ServerControl.restart(db);
      long back = restart.back();
      FaultTables.await(running, "a change read after the restart",
          () -> FaultTables.firstArrivalAfter(output, back) >= 0);
      Thread.sleep(2_000);
      FaultTables.stopAndAwaitMarker(running, output, writers, db, table,
          FaultTables.changeMarker(), 1_000);
      ChangeOutcome outcome = ChangeOutcome.of(db, FaultTables.contents(db, table),
          output.values(), rows);
      FaultResult.of(SCENARIO, FaultTables.dbName(db), runner, "cdc")
          .expected(outcome.expected()).lost(outcome.lost()).duplicates(outcome.duplicates())
          .recoveryMillis(FaultTables.recoveryAfterRestart(output, restart))
          .detail("restarts", 1).detail("server_down_ms", restart.downMillis())
          .detail("changes", outcome.changes())
          .detail("writer_transactions", writers.transactions())
          .detail("writer_failures", writers.failed())
          .detail("violations", outcome.violations().size()).report();
      outcome.assertNoneLost();
    } finally {
      if (result != null) {
        FaultTables.cancelQuietly(result);
      }
      output.clear();
      FaultTables.drop(db, table);
    }
  }
}
