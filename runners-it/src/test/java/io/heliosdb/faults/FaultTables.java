package io.heliosdb.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.heliosdb.beam.CdcOptions;
import io.heliosdb.beam.HeliosDbIO;
import io.heliosdb.beam.IncrementalOptions;
import io.heliosdb.beam.RetryOptions;
import io.heliosdb.beam.SnapshotOptions;
import io.heliosdb.beam.dialect.Dialects;
import io.heliosdb.beam.testing.ChangeReplica;
import io.heliosdb.beam.testing.StreamCollector;
import io.heliosdb.beam.testing.TableWriters;
import io.heliosdb.beam.testing.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.values.Row;
import org.joda.time.Duration;

/**
 * The tables, write load, pipelines and checks that the fault scenarios of {@link
 * BackendKillFaultIT}, {@link ServerRestartFaultIT} and {@link ConnectionLimitFaultIT} share.
 *
 * <p>A fault table is {@code (id BIGINT PRIMARY KEY, v VARCHAR(40), updated_at)} with keys
 * {@code [0, rows)}, values {@code v<id>}, and an index on {@code (updated_at, id)} for
 * incremental polling; on PostgreSQL with {@code REPLICA IDENTITY FULL} for complete before
 * images. Its name, and its replication slot's, start with {@code fault_}.
 */
final class FaultTables {
  /** How long a scenario waits for its pipeline at most. */
  static final long WAIT_MILLIS = 60_000;
  /** A key no writer touches, inserted last: once its row arrives, everything before it has. */
  static final long MARKER = -999_999_999L;

  private FaultTables() {}

  /** The database's name in result lines: {@code postgres} or {@code mariadb}. */
  static String dbName(TestDatabase db) {
    return db.isPostgres() ? "postgres" : "mariadb";
  }

  /** A fresh table name {@code fault_<what>_<random>}. */
  static String name(String what) {
    return TestDatabase.uniqueName("fault_" + what);
  }

  /** Creates the table with keys {@code [0, rows)}, all with one old {@code updated_at}. */
  static void create(TestDatabase db, String table, long rows) throws SQLException {
    if (db.isPostgres()) {
      db.execute("CREATE TABLE " + table + " (id BIGINT PRIMARY KEY, v VARCHAR(40) NOT NULL,"
              + " updated_at TIMESTAMPTZ NOT NULL)",
          "ALTER TABLE " + table + " REPLICA IDENTITY FULL",
          "INSERT INTO " + table + " SELECT g, 'v' || g, TIMESTAMPTZ '2026-01-01 00:00:00+00'"
              + " FROM generate_series(0, " + (rows - 1) + ") g",
          "CREATE INDEX " + table + "_upd ON " + table + " (updated_at, id)",
          "ANALYZE " + table);
    } else {
      db.execute("CREATE TABLE " + table + " (id BIGINT PRIMARY KEY, v VARCHAR(40) NOT NULL,"
              + " updated_at DATETIME(6) NOT NULL)",
          "INSERT INTO " + table + " SELECT seq, CONCAT('v', seq), '2026-01-01 00:00:00'"
              + " FROM seq_0_to_" + (rows - 1),
          "CREATE INDEX " + table + "_upd ON " + table + " (updated_at, id)",
          "ANALYZE TABLE " + table);
    }
  }

  /** Drops the table and, on PostgreSQL, its slot and publication (named as the table). */
  static void drop(TestDatabase db, String table) {
    if (db.isPostgres()) {
      db.dropSlotAndPublication(table);
    }
    db.dropQuietly(table);
  }

  /** The table as it is: {@code id -> v}. */
  static Map<Long, String> contents(TestDatabase db, String table) throws SQLException {
    return TableWriters.contents(db, table);
  }

  /** Inserts the marker row. */
  static void insertMarker(TestDatabase db, String table) throws SQLException {
    db.execute("INSERT INTO " + table + " VALUES (" + MARKER + ", 'marker', "
        + now(db) + ")");
  }

  static String now(TestDatabase db) {
    return db.isPostgres() ? "clock_timestamp()" : "NOW(6)";
  }

  // ---------------------------------------------------------------- reads

  /** A read that retries connection failures for 2 minutes (longer than any scenario). */
  static HeliosDbIO.Read read(TestDatabase db, String table) {
    return HeliosDbIO.read()
        .withConnection(db.connectionConfiguration())
        .withTable(table)
        .withRetry(RetryOptions.create().withConnectionRetryTime(Duration.standardMinutes(2)));
  }

  static SnapshotOptions snapshot(int chunkSize) {
    return SnapshotOptions.byPrimaryKey().withChunkSize(chunkSize);
  }

  /** Polls {@code updated_at} every second, with a commit delay of 2 s. */
  static IncrementalOptions incremental() {
    return IncrementalOptions.trackingColumn("updated_at")
        .withPollInterval(Duration.standardSeconds(1))
        .withCommitDelay(Duration.standardSeconds(2));
  }

  /**
   * CDC of the table from now on: PostgreSQL's publication and slot (named as the table) created
   * now, MariaDB's binlog position taken now; heartbeats every second.
   */
  static CdcOptions cdcFromNow(TestDatabase db, String table) throws SQLException {
    CdcOptions options = CdcOptions.create().withSlotName(table)
        .withHeartbeatInterval(Duration.standardSeconds(1));
    if (db.isPostgres()) {
      db.createPublicationAndSlot(table);
      return options;
    }
    try (Connection connection = db.connect()) {
      return options.withStartPosition(
          Dialects.forJdbcUrl(db.url(), db.url()).currentLogPosition(connection));
    }
  }

  /** CDC options for snapshot then CDC (the slot is created when the pipeline starts). */
  static CdcOptions cdcAfterSnapshot(String table) {
    return CdcOptions.create().withSlotName(table)
        .withHeartbeatInterval(Duration.standardSeconds(1));
  }

  /** A bounded pipeline on the Direct runner, not blocking in {@code run()}. */
  static Pipeline directBatch(int parallelism) {
    return Pipeline.create(PipelineOptionsFactory.fromArgs("--runner=DirectRunner",
        "--targetParallelism=" + parallelism, "--blockOnRun=false").create());
  }

  /** A streaming pipeline on the Direct runner, not blocking in {@code run()}. */
  static Pipeline directStreaming() {
    return Pipeline.create(PipelineOptionsFactory.fromArgs("--runner=DirectRunner",
        "--streaming=true", "--blockOnRun=false").create());
  }

  /**
   * A streaming pipeline on the Flink runner's embedded cluster: parallelism 2, detached,
   * checkpointing every second (CDC acknowledges the log at checkpoints), no restarts (a failure
   * ends the job, and the test reports it).
   */
  static Pipeline flinkStreaming() {
    return Pipeline.create(PipelineOptionsFactory.fromArgs("--runner=FlinkRunner",
        "--streaming=true", "--parallelism=2", "--attachedMode=false",
        "--checkpointingInterval=1000", "--numberOfExecutionRetries=0").create());
  }

  /** Fails if the pipeline ended (with its error on the Direct runner). */
  static void checkRunning(PipelineResult result) {
    if (result.getClass().getSimpleName().equals("DirectPipelineResult")) {
      // the Direct runner reports a failure through waitUntilFinish, which throws it
      result.waitUntilFinish(Duration.millis(1));
      return;
    }
    PipelineResult.State state;
    try {
      state = result.getState();
    } catch (RuntimeException ended) { // Flink: the local cluster shut down with the job
      throw new AssertionError("the pipeline ended", ended);
    }
    if (state.isTerminal()) {
      throw new AssertionError("the pipeline ended: " + state);
    }
  }

  /**
   * Waits for {@code condition} while the pipeline runs, failing at once if it ended, and with
   * {@code what} on a timeout.
   */
  static void await(PipelineResult result, String what, Callable<Boolean> condition)
      throws Exception {
    long deadline = System.currentTimeMillis() + WAIT_MILLIS;
    while (!condition.call()) {
      checkRunning(result);
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("timed out after " + WAIT_MILLIS + " ms waiting for " + what);
      }
      Thread.sleep(50);
    }
  }

  /** Waits for a bounded pipeline to finish: it must end DONE within the time limit. */
  static void awaitDone(PipelineResult result) {
    PipelineResult.State state = result.waitUntilFinish(Duration.millis(WAIT_MILLIS));
    assertThat(state).as("pipeline state after %s ms", WAIT_MILLIS)
        .isEqualTo(PipelineResult.State.DONE);
  }

  /** Cancels a pipeline, ignoring that it may have ended already. */
  static void cancelQuietly(PipelineResult result) {
    try {
      result.cancel();
    } catch (Exception ended) {
      // finished or failed already
    }
  }

  /** Milliseconds from {@code since} to the first arrival at or after it; -1 if none. */
  static long firstArrivalAfter(StreamCollector collector, long since) {
    return collector.arrivals().stream().mapToLong(StreamCollector.Arrival::arrivedMillis)
        .filter(t -> t >= since).min().orElse(since - 1) - since;
  }

  /**
   * How long the output stalled after a fault at {@code fault}: from the fault to the arrival that
   * ended the longest pause in arrivals within the {@value #STALL_WINDOW_MILLIS} ms after it (a
   * fault's retry shows as the longest pause; rows already on their way when it struck do not
   * count as recovered). -1 if nothing arrived in that window.
   */
  static long stallAfter(StreamCollector collector, long fault) {
    return stallAfter(collector, fault, STALL_WINDOW_MILLIS);
  }

  /** {@link #stallAfter(StreamCollector, long)} within {@code windowMillis} of the fault. */
  static long stallAfter(StreamCollector collector, long fault, long windowMillis) {
    long[] times = collector.arrivals().stream().mapToLong(StreamCollector.Arrival::arrivedMillis)
        .filter(t -> t >= fault && t <= fault + windowMillis).sorted().toArray();
    long previous = fault;
    long longest = -1;
    long end = -1;
    for (long t : times) {
      if (t - previous > longest) {
        longest = t - previous;
        end = t;
      }
      previous = t;
    }
    return end < 0 ? -1 : end - fault;
  }

  static final long STALL_WINDOW_MILLIS = 5_000;

  /**
   * After a restart: from the server accepting connections again to the arrival that ended the
   * longest pause in the output since the restart began (within 30 s of the server being back);
   * at least 0 (rows read before the restart may still arrive while the server is down).
   */
  static long recoveryAfterRestart(StreamCollector collector, ServerControl.Restart restart) {
    long stall = stallAfter(collector, restart.began(), restart.downMillis() + 30_000);
    return stall < 0 ? -1 : Math.max(0, restart.began() + stall - restart.back());
  }

  /** The largest {@link #stallAfter} of the faults (-1: none). */
  static long maxRecovery(StreamCollector collector, List<Long> faults) {
    long max = -1;
    for (long fault : faults) {
      max = Math.max(max, stallAfter(collector, fault));
    }
    return max;
  }

  /**
   * Stops the writers, inserts the marker row and waits until a line starting with {@code
   * markerPrefix} arrived, then {@code settleMillis} more for anything repeated.
   */
  static void stopAndAwaitMarker(PipelineResult result, StreamCollector output, Writers writers,
      TestDatabase db, String table, String markerPrefix, long settleMillis) throws Exception {
    writers.close();
    insertMarker(db, table);
    await(result, "the marker row",
        () -> output.values().stream().anyMatch(v -> v.startsWith(markerPrefix)));
    Thread.sleep(settleMillis);
  }

  /** The marker's line: incremental {@code id|...}, CDC {@code c|id|...}. */
  static String incrementalMarker() {
    return MARKER + "|";
  }

  static String changeMarker() {
    return "c|" + MARKER + "|";
  }

  // ---------------------------------------------------------------- outcomes

  /**
   * A snapshot's output ({@code id:v} lines) against the table, which did not change: rows lost
   * (in the table, not in the output), duplicates (ids emitted more than once) and rows that do
   * not match the table.
   */
  record SnapshotOutcome(long expected, long lost, long duplicates, long wrong) {
    static SnapshotOutcome of(Map<Long, String> table, List<String> output) {
      Map<Long, Integer> seen = new HashMap<>();
      long wrong = 0;
      for (String line : output) {
        int colon = line.indexOf(':');
        long id = Long.parseLong(line.substring(0, colon));
        seen.merge(id, 1, Integer::sum);
        if (!line.substring(colon + 1).equals(table.get(id))) {
          wrong++;
        }
      }
      long lost = table.keySet().stream().filter(id -> !seen.containsKey(id)).count();
      long duplicates = seen.values().stream().mapToLong(n -> n - 1).sum();
      return new SnapshotOutcome(table.size(), lost, duplicates, wrong);
    }

    void assertExactlyOnce() {
      assertThat(lost).as("rows of the table missing from the output").isZero();
      assertThat(duplicates).as("rows emitted more than once").isZero();
      assertThat(wrong).as("rows whose values differ from the table").isZero();
    }
  }

  /** Renders an incremental row as {@code id|v|updated_at}: one line per row version. */
  static String renderVersion(Row row) {
    return row.getValue("id") + "|" + row.getString("v") + "|"
        + row.getValue("updated_at");
  }

  /**
   * Incremental polling's output ({@link #renderVersion} lines) against the table at the end:
   * the replica keeps, per key, the versions emitted; a row is lost when its current version (its
   * value now) was never emitted. Every version is unique (the writers never write a value twice),
   * so an identical line emitted twice is a duplicate.
   */
  record IncrementalOutcome(long expected, long lost, long duplicates, List<String> examples) {
    static IncrementalOutcome of(Map<Long, String> table, List<String> output) {
      Map<Long, Set<String>> versions = new HashMap<>();
      Set<String> distinct = new HashSet<>();
      for (String line : output) {
        distinct.add(line);
        String[] parts = line.split("\\|", 3);
        versions.computeIfAbsent(Long.parseLong(parts[0]), k -> new HashSet<>()).add(parts[1]);
      }
      List<String> examples = new ArrayList<>();
      long lost = 0;
      for (Map.Entry<Long, String> row : table.entrySet()) {
        if (!versions.getOrDefault(row.getKey(), Set.of()).contains(row.getValue())) {
          lost++;
          if (examples.size() < 10) {
            examples.add(row.getKey() + "=" + row.getValue());
          }
        }
      }
      return new IncrementalOutcome(table.size(), lost, output.size() - distinct.size(),
          examples);
    }

    void assertExactlyOnce() {
      assertThat(lost).as("rows whose current version never arrived, e.g. %s", examples)
          .isZero();
      assertThat(duplicates).as("row versions emitted more than once").isZero();
    }
  }

  /**
   * Change envelopes ({@link ChangeReplica#render} lines) replayed by position onto a replica,
   * against the table at the end. Identical envelopes emitted more than once are counted as
   * duplicates and replayed once; the rest must fit the replica exactly (an insert of an absent
   * key, an update or delete of exactly its before image), and the replica must equal the table.
   *
   * @param initialRows keys {@code [0, initialRows)} with values {@code v<id>} that the table held
   *     before the stream started (0 when the output holds the snapshot itself)
   */
  record ChangeOutcome(
      long expected, long lost, long duplicates, long changes, long snapshotRows,
      List<String> violations, List<String> differences) {
    static ChangeOutcome of(
        TestDatabase db, Map<Long, String> table, List<String> output, long initialRows) {
      List<String> distinct = new ArrayList<>(new LinkedHashSet<>(output));
      List<String> all = new ArrayList<>(distinct);
      for (long id = 0; id < initialRows; id++) {
        all.add("r|" + id + "|-|v" + id + "|" + (db.isPostgres() ? "0/0" : "a.000000:0"));
      }
      ChangeReplica replica = ChangeReplica.replay(all);
      Set<Long> ids = new TreeSet<>(table.keySet());
      ids.addAll(replica.rows().keySet());
      List<String> differences = new ArrayList<>();
      for (Long id : ids) {
        if (!Objects.equals(table.get(id), replica.rows().get(id))) {
          differences.add(id + ": table " + table.get(id) + ", replica " + replica.rows().get(id));
        }
      }
      return new ChangeOutcome(table.size(), differences.size(),
          output.size() - distinct.size(), replica.changes(),
          replica.snapshotRows() - initialRows, replica.violations(), differences);
    }

    void assertNoneLost() {
      assertThat(violations.size()).as("changes that do not fit the replica, e.g. %s",
          violations.subList(0, Math.min(10, violations.size()))).isZero();
      assertThat(differences.size()).as("rows where the replica differs from the table, e.g. %s",
          differences.subList(0, Math.min(10, differences.size()))).isZero();
    }
  }

  // ---------------------------------------------------------------- write load

  /**
   * Threads writing to a fault table until closed, reconnecting after any connection failure (a
   * killed session, a restarting server), so that the load outlives the faults: transactions of
   * 1–3 statements that update ten hot keys and random keys, insert new keys, and (with {@code
   * deletes}) delete and re-insert random keys; every statement sets {@code updated_at} to the
   * database's clock, and every value written is unique. Failed transactions are rolled back and
   * counted; whether an in-doubt commit took effect is read from the table at the end.
   */
  static final class Writers implements AutoCloseable {
    private final TestDatabase db;
    private final String table;
    private final long rows;
    private final boolean deletes;
    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicLong transactions = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong newKeys = new AtomicLong();
    private final List<Thread> threads = new ArrayList<>();
    private final List<Throwable> errors = new CopyOnWriteArrayList<>();

    Writers(TestDatabase db, String table, long rows, int threadCount, long pauseMillis,
        boolean deletes) {
      this.db = db;
      this.table = table;
      this.rows = rows;
      this.deletes = deletes;
      for (int i = 0; i < threadCount; i++) {
        int writer = i;
        Thread thread = new Thread(() -> run(writer, pauseMillis), "writer-" + table + "-" + i);
        thread.setDaemon(true);
        threads.add(thread);
        thread.start();
      }
    }

    private void run(int writer, long pauseMillis) {
      long n = 0;
      try {
        while (!stop.get()) {
          try (Connection connection = db.connect()) {
            connection.setAutoCommit(false);
            while (!stop.get()) {
              try {
                int statements = 1 + ThreadLocalRandom.current().nextInt(3);
                for (int s = 0; s < statements; s++) {
                  write(connection, "w" + writer + "-" + n++);
                }
                connection.commit();
                transactions.incrementAndGet();
              } catch (SQLException e) {
                failed.incrementAndGet();
                connection.rollback(); // throws if the connection is gone: reconnect
              }
              if (pauseMillis > 0) {
                Thread.sleep(pauseMillis);
              }
            }
          } catch (SQLException lost) {
            Thread.sleep(200); // the session was killed or the server is restarting
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (Throwable e) {
        errors.add(e);
      }
    }

    private void write(Connection connection, String value) throws SQLException {
      ThreadLocalRandom random = ThreadLocalRandom.current();
      int dice = random.nextInt(100);
      String now = now(db);
      if (dice < 55) {
        long id = dice < 30 ? random.nextInt(10) : random.nextLong(rows);
        try (PreparedStatement update = connection.prepareStatement(
            "UPDATE " + table + " SET v = ?, updated_at = " + now + " WHERE id = ?")) {
          update.setString(1, value);
          update.setLong(2, id);
          update.executeUpdate();
        }
      } else if (deletes && dice < 70) {
        try (PreparedStatement delete =
            connection.prepareStatement("DELETE FROM " + table + " WHERE id = ?")) {
          delete.setLong(1, random.nextLong(10, rows));
          delete.executeUpdate();
        }
      } else {
        long id =
            deletes && dice < 85 ? random.nextLong(10, rows) : rows + newKeys.incrementAndGet();
        String insert = db.isPostgres()
            ? "INSERT INTO " + table + " VALUES (?, ?, " + now + ") ON CONFLICT (id) DO NOTHING"
            : "INSERT IGNORE INTO " + table + " VALUES (?, ?, " + now + ")";
        try (PreparedStatement add = connection.prepareStatement(insert)) {
          add.setLong(1, id);
          add.setString(2, value);
          add.executeUpdate();
        }
      }
    }

    long transactions() {
      return transactions.get();
    }

    long failed() {
      return failed.get();
    }

    /** Stops the writers and waits for them. */
    @Override
    public void close() throws InterruptedException {
      stop.set(true);
      for (Thread thread : threads) {
        thread.join(30_000);
      }
      if (!errors.isEmpty()) {
        throw new IllegalStateException("a writer failed", errors.get(0));
      }
    }
  }
}
