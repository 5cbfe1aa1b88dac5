package io.heliosdb.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.heliosdb.beam.ConnectionConfiguration;
import io.heliosdb.beam.HeliosDbIO;
import io.heliosdb.beam.RetryOptions;
import io.heliosdb.beam.pool.ConnectionPools;
import io.heliosdb.beam.pool.PooledDataSource;
import io.heliosdb.beam.testing.ChangeReplica;
import io.heliosdb.beam.testing.StreamCollector;
import io.heliosdb.beam.testing.TestDatabase;
import io.heliosdb.beam.testing.TestDatabases;
import io.heliosdb.faults.FaultTables.ChangeOutcome;
import io.heliosdb.faults.FaultTables.SnapshotOutcome;
import io.heliosdb.faults.FaultTables.Writers;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.joda.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ArgumentsSource;

/**
 * Fault scenario 4: connections run out, on the Direct runner.
 *
 * <ul>
 *   <li><b>The pool is exhausted</b>: {@code withMaxConnections(1)} with {@code
 *       withParallelism(4)}, so four readers share one pooled connection: a snapshot, and a
 *       snapshot then CDC under write load.
 *   <li><b>The server's connection limit is reached</b>: the read connects as a dedicated role
 *       ({@code ALTER ROLE ... CONNECTION LIMIT 2} on PostgreSQL) or user ({@code CREATE USER ...
 *       WITH MAX_USER_CONNECTIONS 2} on MariaDB) whose connections the test holds with two idle
 *       sessions of its own when the pipeline starts, and releases after 10 s. (The global {@code
 *       max_connections} is not filled: other clients share these servers.)
 * </ul>
 *
 * Each read must wait, recover and emit every row exactly once, and the source must say in a
 * warning why it waits: the log (slf4j-simple, on standard error) is captured and searched.
 */
class ConnectionLimitFaultIT {
  private static final String SCENARIO = "connection-limit";
  private static final long HOLD_MILLIS = 10_000;

  private LogCapture log;

  @BeforeEach
  void captureLog() {
    log = LogCapture.start();
  }

  @AfterEach
  void stopCapture() throws Exception {
    log.close();
    ServerControl.ensureBothUp();
  }

  /**
   * A 200,000-row snapshot by 4 readers through a pool of one connection, which the test also
   * takes for the read's first 3 s.
   */
  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void snapshotThroughAPoolOfOne(TestDatabase db) throws Exception {
    String table = FaultTables.name("pool_snap");
    long rows = 200_000;
    FaultTables.create(db, table, rows);
    StreamCollector output = new StreamCollector();
    try {
      Pipeline pipeline = FaultTables.directBatch(4);
      output.collectRows(pipeline.apply(read(poolOfOne(db), table)
          .withSnapshot(FaultTables.snapshot(20_000)).withParallelism(4)), "id", "v");
      // the test takes the pool's one connection too (as another read of the same database in
      // the worker would) and holds it for 3 s as the read starts: the read waits for it
      long started = System.currentTimeMillis();
      PipelineResult result;
      long released;
      int beforeRelease;
      try (PooledDataSource samePool = ConnectionPools.acquire(poolOfOne(db));
          Connection taken = samePool.getConnection()) {
        result = pipeline.run();
        Thread.sleep(3_000);
        beforeRelease = output.values().size();
        released = System.currentTimeMillis();
      }
      FaultTables.awaitDone(result);
      long seconds = (System.currentTimeMillis() - started) / 1000;
      SnapshotOutcome outcome =
          SnapshotOutcome.of(FaultTables.contents(db, table), output.values());
      // a warning of the pipeline's threads
      List<String> warnings =
          log.lines("[direct-runner-worker]", "WARN io.heliosdb", "for a connection");
      FaultResult.of(SCENARIO, FaultTables.dbName(db), "direct", "snapshot")
          .expected(outcome.expected()).lost(outcome.lost()).duplicates(outcome.duplicates())
          .recoveryMillis(FaultTables.firstArrivalAfter(output, released))
          .detail("fault", "pool of 1 connection, parallelism 4; the connection also taken"
              + " for 3 s as the read starts").detail("read_seconds", seconds)
          .detail("pool_wait_warnings", warnings.size())
          .detail("log_line", warnings.isEmpty() ? null : warnings.get(0)).report();
      assertThat(beforeRelease).as("rows read while the pool's connection was taken").isZero();
      outcome.assertExactlyOnce();
      assertThat(warnings).as("a warning that readers wait for the pool's one connection")
          .isNotEmpty();
      assertThat(warnings.get(0)).contains("withMaxConnections");
    } finally {
      output.clear();
      FaultTables.drop(db, table);
    }
  }

  /** Snapshot then CDC of a 100,000-row table under two writers, through a pool of one. */
  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void snapshotThenCdcThroughAPoolOfOne(TestDatabase db) throws Exception {
    String table = FaultTables.name("pool_handoff");
    long rows = 100_000;
    FaultTables.create(db, table, rows);
    StreamCollector output = new StreamCollector();
    PipelineResult result = null;
    try (Writers writers = new Writers(db, table, rows, 2, 2, true)) {
      Pipeline pipeline = FaultTables.directStreaming();
      output.collect(pipeline.apply(read(poolOfOne(db), table)
          .withSnapshot(FaultTables.snapshot(10_000)).withParallelism(4)
          .withCdc(FaultTables.cdcAfterSnapshot(table))), ChangeReplica::render);
      long started = System.currentTimeMillis();
      result = pipeline.run();
      PipelineResult running = result;
      FaultTables.await(result, "the stream after the snapshot",
          () -> BackendKillFaultIT.streamed(output) >= 200);
      long streaming = System.currentTimeMillis() - started;
      FaultTables.stopAndAwaitMarker(running, output, writers, db, table,
          FaultTables.changeMarker(), 1_000);
      ChangeOutcome outcome =
          ChangeOutcome.of(db, FaultTables.contents(db, table), output.values(), 0);
      List<String> warnings = log.lines("WARN io.heliosdb", "for a connection");
      FaultResult.of(SCENARIO, FaultTables.dbName(db), "direct", "snapshot-then-cdc")
          .expected(outcome.expected()).lost(outcome.lost()).duplicates(outcome.duplicates())
          .detail("fault", "pool of 1 connection, parallelism 4")
          .detail("streaming_after_ms", streaming)
          .detail("snapshot_rows", outcome.snapshotRows()).detail("changes", outcome.changes())
          .detail("pool_wait_warnings", warnings.size()).report();
      outcome.assertNoneLost();
      assertThat(outcome.duplicates()).as("envelopes emitted twice").isZero();
    } finally {
      if (result != null) {
        FaultTables.cancelQuietly(result);
      }
      output.clear();
      FaultTables.drop(db, table);
    }
  }

  /**
   * A 100,000-row snapshot (pool of 10, 4 readers) as a role or user whose connection limit (2)
   * the test's own idle sessions fill when the pipeline starts and free after 10 s.
   */
  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void snapshotWhileTheUsersConnectionLimitIsReached(TestDatabase db) throws Exception {
    String table = FaultTables.name("limit_snap");
    String user = FaultTables.name("limit_user");
    long rows = 100_000;
    FaultTables.create(db, table, rows);
    StreamCollector output = new StreamCollector();
    List<Connection> held = new ArrayList<>();
    try {
      ConnectionConfiguration limited = createLimitedUser(db, user, table, 2);
      Pipeline pipeline = FaultTables.directBatch(4);
      output.collectRows(pipeline.apply(read(limited, table)
          .withSnapshot(FaultTables.snapshot(20_000)).withParallelism(4)), "id", "v");
      for (int i = 0; i < 2; i++) { // after the pipeline was built, which connects once
        held.add(DriverManager.getConnection(db.url(), user, PASSWORD));
      }
      long started = System.currentTimeMillis();
      PipelineResult result = pipeline.run();
      Thread.sleep(HOLD_MILLIS);
      int beforeRelease = output.values().size();
      closeAll(held);
      long released = System.currentTimeMillis();
      FaultTables.awaitDone(result);
      SnapshotOutcome outcome =
          SnapshotOutcome.of(FaultTables.contents(db, table), output.values());
      String refusal = db.isPostgres() ? "too many connections for role" : "max_user_connections";
      List<String> warnings = log.lines("WARN io.heliosdb", refusal);
      FaultResult.of(SCENARIO, FaultTables.dbName(db), "direct", "snapshot")
          .expected(outcome.expected()).lost(outcome.lost()).duplicates(outcome.duplicates())
          .recoveryMillis(FaultTables.firstArrivalAfter(output, released))
          .detail("fault", "the user's connection limit (2) held full for "
              + (released - started) + " ms")
          .detail("rows_before_release", beforeRelease)
          .detail("refusal_warnings", warnings.size())
          .detail("log_line", warnings.isEmpty() ? null : warnings.get(0)).report();
      assertThat(beforeRelease).as("rows read while no connection could be opened").isZero();
      outcome.assertExactlyOnce();
      assertThat(warnings).as("a warning naming the database's refusal (%s)", refusal)
          .isNotEmpty();
    } finally {
      closeAll(held);
      output.clear();
      FaultTables.drop(db, table);
      dropLimitedUser(db, user);
    }
  }

  /**
   * A 100,000-row snapshot (4 readers) while the test holds every connection the server allows
   * ({@code max_connections}, and the slots reserved for superusers: the test connects as one),
   * freed after 10 s. The pipeline is built before, which connects once.
   */
  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void snapshotWhileTheServersMaxConnectionsIsReached(TestDatabase db) throws Exception {
    String table = FaultTables.name("maxconn_snap");
    long rows = 100_000;
    FaultTables.create(db, table, rows);
    StreamCollector output = new StreamCollector();
    List<Connection> held = new ArrayList<>();
    try {
      Pipeline pipeline = FaultTables.directBatch(4);
      output.collectRows(pipeline.apply(FaultTables.read(db, table)
          .withSnapshot(FaultTables.snapshot(20_000)).withParallelism(4)), "id", "v");
      String refusedWith = fillServer(db, held);
      long started = System.currentTimeMillis();
      PipelineResult result = pipeline.run();
      Thread.sleep(HOLD_MILLIS);
      int beforeRelease = output.values().size();
      closeAll(held);
      long released = System.currentTimeMillis();
      FaultTables.awaitDone(result);
      SnapshotOutcome outcome =
          SnapshotOutcome.of(FaultTables.contents(db, table), output.values());
      String refusal = db.isPostgres() ? "too many clients" : "Too many connections";
      List<String> warnings = log.lines("WARN io.heliosdb", refusal);
      FaultResult.of(SCENARIO, FaultTables.dbName(db), "direct", "snapshot")
          .expected(outcome.expected()).lost(outcome.lost()).duplicates(outcome.duplicates())
          .recoveryMillis(FaultTables.firstArrivalAfter(output, released))
          .detail("fault", "the server's max_connections reached: the test held all of them ("
              + refusedWith + ") for " + (released - started) + " ms")
          .detail("rows_before_release", beforeRelease)
          .detail("refusal_warnings", warnings.size())
          .detail("log_line", warnings.isEmpty() ? null : warnings.get(0)).report();
      assertThat(beforeRelease).as("rows read while the server refused connections").isZero();
      outcome.assertExactlyOnce();
      assertThat(warnings).as("a warning naming the server's refusal (%s)", refusal)
          .isNotEmpty();
    } finally {
      closeAll(held);
      output.clear();
      FaultTables.drop(db, table);
    }
  }

  /**
   * Opens connections until the server refuses one for lack of slots: how many were opened, and
   * the refusal.
   */
  private static String fillServer(TestDatabase db, List<Connection> held) throws Exception {
    for (int i = 0; i < 2_000; i++) {
      try {
        held.add(db.connect());
      } catch (java.sql.SQLException refused) {
        String state = refused.getSQLState();
        if ("53300".equals(state) || refused.getErrorCode() == 1040) {
          return held.size() + " connections, then " + refused.getMessage();
        }
        throw refused;
      }
    }
    throw new AssertionError("the server accepted 2,000 connections");
  }

  private static final String PASSWORD = "fault-limit-pw";

  /**
   * A role (PostgreSQL) or user (MariaDB) that may open {@code limit} connections and read {@code
   * table}; its connection configuration.
   */
  private static ConnectionConfiguration createLimitedUser(
      TestDatabase db, String user, String table, int limit) throws Exception {
    if (db.isPostgres()) {
      db.execute("CREATE ROLE " + user + " LOGIN PASSWORD '" + PASSWORD + "'",
          "ALTER ROLE " + user + " CONNECTION LIMIT " + limit,
          "GRANT SELECT ON " + table + " TO " + user);
    } else {
      db.execute("CREATE USER '" + user + "'@'%' IDENTIFIED BY '" + PASSWORD + "'"
              + " WITH MAX_USER_CONNECTIONS " + limit,
          "GRANT SELECT ON " + table + " TO '" + user + "'@'%'");
    }
    return ConnectionConfiguration.create(db.url()).withUsername(user).withPassword(PASSWORD);
  }

  private static void dropLimitedUser(TestDatabase db, String user) {
    try {
      db.execute(db.isPostgres() ? "DROP ROLE IF EXISTS " + user
          : "DROP USER IF EXISTS '" + user + "'@'%'");
    } catch (Exception e) {
      System.err.println("could not drop " + user + ": " + e);
    }
  }

  private static void closeAll(List<Connection> connections) {
    for (Connection connection : connections) {
      try {
        connection.close();
      } catch (Exception ignored) {
        // released already
      }
    }
    connections.clear();
  }

  private static ConnectionConfiguration poolOfOne(TestDatabase db) {
    return db.connectionConfiguration().withMinConnections(1).withMaxConnections(1);
  }

  private static HeliosDbIO.Read read(ConnectionConfiguration connection, String table) {
    return HeliosDbIO.read().withConnection(connection).withTable(table)
        .withRetry(RetryOptions.create().withConnectionRetryTime(Duration.standardMinutes(2)));
  }

  /**
   * Copies what is written to {@link System#err} (where slf4j-simple writes each log line, looking
   * the stream up at every line) while it runs.
   */
  static final class LogCapture implements AutoCloseable {
    private final PrintStream original = System.err;
    private final ByteArrayOutputStream copy = new ByteArrayOutputStream();

    static LogCapture start() {
      LogCapture capture = new LogCapture();
      System.setErr(new PrintStream(new OutputStream() {
        @Override
        public void write(int b) {
          capture.original.write(b);
          synchronized (capture.copy) {
            capture.copy.write(b);
          }
        }

        @Override
        public void write(byte[] b, int off, int len) {
          capture.original.write(b, off, len);
          synchronized (capture.copy) {
            capture.copy.write(b, off, len);
          }
        }
      }, true, StandardCharsets.UTF_8));
      return capture;
    }

    /** The lines captured so far that contain every one of {@code parts}. */
    List<String> lines(String... parts) {
      String text;
      synchronized (copy) {
        text = copy.toString(StandardCharsets.UTF_8);
      }
      return text.lines().filter(line -> {
        for (String part : parts) {
          if (!line.contains(part)) {
            return false;
          }
        }
        return true;
      }).toList();
    }

    @Override
    public void close() {
      System.setErr(original);
    }
  }
}
