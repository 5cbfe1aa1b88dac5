package io.heliosdb.bench;

import static io.heliosdb.bench.BenchSupport.log;
import static io.heliosdb.bench.BenchSupport.round;

import io.heliosdb.beam.ConnectionConfiguration;
import io.heliosdb.beam.HeliosDbIO;
import io.heliosdb.beam.IncrementalOptions;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.joda.time.Duration;

/**
 * One case of the incremental benchmark, run in a fresh JVM by {@code runners-it/bench.sh
 * incremental}: measures the lag from a row's commit to its arrival downstream of {@code
 * HeliosDbIO.read().withIncremental(...)}, then the database load of the idle pipeline, and prints
 * one JSON line to stdout.
 *
 * <pre>
 * IncrementalBench &lt;postgres|mariadb&gt; &lt;direct|flink&gt; [extra pipeline options...]
 * </pre>
 *
 * <p>Steps:
 *
 * <ol>
 *   <li>Recreates the table {@code bench_incremental} (id bigint primary key, v int, updated_at
 *       {@code timestamptz DEFAULT clock_timestamp()} on PostgreSQL / {@code datetime(6) DEFAULT
 *       NOW(6)} on MariaDB, index on (updated_at, id)), empty; on PostgreSQL with {@code
 *       autovacuum_enabled = false}, so that no autovacuum transaction on it counts as a query.
 *   <li>Builds the pipeline: HeliosDbIO incremental on updated_at (poll interval and commit delay
 *       below), then {@link RecordArrivalFn}, which records {@code System.currentTimeMillis()} per
 *       id and how often each id arrived, in this JVM (Direct runner; Flink's embedded cluster).
 *   <li>Background: reads the database's statement counter twice, {@code bench.baselineSeconds}
 *       apart, before the pipeline runs (other clients of the shared server).
 *   <li>Runs the pipeline and a writer thread that inserts single-row autocommit transactions
 *       (ids 1, 2, ...) at {@code bench.rowsPerSecond}, paced on a fixed schedule, for {@code
 *       bench.loadSeconds}, recording {@code System.currentTimeMillis()} right after each commit.
 *   <li>Waits until every inserted row arrived (at most {@code bench.drainTimeoutSeconds}), closes
 *       the writer's connection, waits 2 s, then reads the statement counter twice, {@code
 *       bench.idleSeconds} apart, while the pipeline keeps polling the idle table.
 *   <li>Lag = arrival - commit, over the rows committed after the first {@code
 *       bench.warmupSeconds} of the load; {@code lost} = inserted rows that never arrived, {@code
 *       duplicates} = extra arrivals of a row (counted until the end of the idle window), {@code
 *       unexpected} = arrivals of ids never inserted. Then cancels the pipeline and exits the JVM.
 * </ol>
 *
 * <p>The statement counter: PostgreSQL {@code xact_commit + xact_rollback} of {@code
 * pg_stat_database} for the current database (transactions: an autocommit statement is one, a
 * multi-statement transaction is one; read on an autocommit connection so each read sees fresh
 * statistics); MariaDB {@code SHOW GLOBAL STATUS} {@code Questions} (statements sent by all
 * clients of the server; not COM_PING, nor prepare/close of server-side statements). The
 * measuring connection's own reads are subtracted (one per window: the later read is not in its
 * own figure on PostgreSQL; on MariaDB both reads count themselves). Also reported: PostgreSQL
 * {@code idle_table_scans_per_s} (seq_scan + idx_scan of bench_incremental, i.e. the poll queries
 * that read the table), MariaDB {@code idle_com_select_per_s} ({@code Com_select}, all SELECTs).
 *
 * <p>Output fields: {@code lag_p50_ms}, {@code lag_p99_ms} (nearest rank), {@code lag_max_ms},
 * {@code lag_min_ms}, {@code lag_mean_ms} over {@code rows} rows (those committed after the
 * warm-up); {@code inserted} rows in all, at {@code rows_per_s_actual}; {@code lost}, {@code
 * duplicates}, {@code unexpected} as above; {@code idle_queries_per_s} the counter's rate over the
 * idle window less this program's reads, {@code idle_counter} which counter, {@code
 * background_queries_per_s} the same counter before the pipeline started; over the same idle
 * window {@code idle_cpu_percent} (the JVM's CPU time, percent of one core) and {@code
 * idle_calls_per_s} (the source's calls per second: its polls; see {@link IdleCost}); {@code
 * target_p99_ms}
 * = poll interval + commit delay + 500 ms; {@code pass} = p99 within the target and every row
 * exactly once; {@code drain_ms} from the last commit to the last first arrival; {@code
 * peak_rss_mb}, {@code jvm_seconds} as in the snapshot benchmark. On MariaDB the Com_* counters
 * that moved during the idle window are logged, to tell other clients' statements apart.
 *
 * <p>Runner options: Direct {@code --runner=DirectRunner --streaming=true --blockOnRun=false};
 * Flink {@code --runner=FlinkRunner --streaming=true --attachedMode=false
 * --checkpointingInterval=1000} (embedded local cluster). Extra arguments are passed to the
 * pipeline options.
 *
 * <p>System properties (defaults): {@code bench.timeoutSeconds} (600; past it the case prints an
 * error and the JVM halts), {@code bench.pollIntervalSeconds} (1), {@code bench.commitDelaySeconds}
 * (2), {@code bench.rowsPerSecond} (100), {@code bench.loadSeconds} (60), {@code
 * bench.warmupSeconds} (10), {@code bench.idleSeconds} (30), {@code bench.baselineSeconds} (10, 0
 * to skip), {@code bench.drainTimeoutSeconds} (30).
 */
public final class IncrementalBench {
  private IncrementalBench() {}

  static final String TABLE = "bench_incremental";
  static final List<String> RUNNERS = List.of("direct", "flink");

  /** Commit time (JVM wall clock, ms) per inserted id, written by the writer thread. */
  static final ConcurrentHashMap<Long, Long> COMMITS = new ConcurrentHashMap<>();

  /**
   * Per id that arrived downstream: {first arrival (JVM wall clock, ms), number of arrivals}.
   * Static, so the DoFn instances the runner deserializes in this JVM share it.
   */
  static final ConcurrentHashMap<Long, long[]> ARRIVALS = new ConcurrentHashMap<>();

  /** The last step of the pipeline: records when each row arrived. */
  static final class RecordArrivalFn extends DoFn<Row, Void> {
    private static final long serialVersionUID = 1L;

    @ProcessElement
    public void process(@Element Row row) {
      long now = System.currentTimeMillis();
      Long id = row.getInt64("id");
      ARRIVALS.compute(
          id, (k, v) -> v == null ? new long[] {now, 1} : new long[] {v[0], v[1] + 1});
    }
  }

  public static void main(String[] args) {
    // JSON lines go to the real stdout; anything a library prints there goes to stderr instead.
    PrintStream json = BenchSupport.takeStdout();
    if (args.length < 2) {
      System.err.println(
          "usage: IncrementalBench <postgres|mariadb> <direct|flink> [pipeline options...]");
      System.exit(2);
    }
    int pollSeconds = Integer.getInteger("bench.pollIntervalSeconds", 1);
    int delaySeconds = Integer.getInteger("bench.commitDelaySeconds", 2);
    int rowsPerSecond = Integer.getInteger("bench.rowsPerSecond", 100);
    Map<String, Object> line = new LinkedHashMap<>();
    line.put("bench", "incremental");
    line.put("db", args[0]);
    line.put("runner", args[1]);
    line.put("poll_interval_s", pollSeconds);
    line.put("commit_delay_s", delaySeconds);
    line.put("rows_per_s", rowsPerSecond);
    BenchSupport.startWatchdog(json, line);

    boolean ok = false;
    try {
      BenchDatabase db = BenchDatabase.parse(args[0]);
      String runner = args[1].toLowerCase(Locale.ROOT);
      if (!RUNNERS.contains(runner)) {
        throw new IllegalArgumentException("unknown runner '" + runner + "' " + RUNNERS);
      }
      List<String> extra = Arrays.asList(args).subList(2, args.length);
      Settings settings =
          new Settings(
              pollSeconds,
              delaySeconds,
              rowsPerSecond,
              Integer.getInteger("bench.loadSeconds", 60),
              Integer.getInteger("bench.warmupSeconds", 10),
              Integer.getInteger("bench.idleSeconds", 30),
              Integer.getInteger("bench.baselineSeconds", 10),
              Integer.getInteger("bench.drainTimeoutSeconds", 30));
      run(db, runner, settings, extra, line);
      ok = true;
    } catch (Throwable t) {
      BenchSupport.recordFailure(line, t);
    }
    BenchSupport.finish(json, line);
    // Flink's threads may linger after cancel(): leave at once.
    System.exit(ok ? 0 : 1);
  }

  private record Settings(
      int pollSeconds,
      int delaySeconds,
      int rowsPerSecond,
      int loadSeconds,
      int warmupSeconds,
      int idleSeconds,
      int baselineSeconds,
      int drainTimeoutSeconds) {}

  private static void run(
      BenchDatabase db, String runner, Settings s, List<String> extra, Map<String, Object> line)
      throws Exception {
    if (s.warmupSeconds >= s.loadSeconds) {
      throw new IllegalArgumentException("bench.warmupSeconds must be below bench.loadSeconds");
    }
    createTable(db);

    List<String> optionArgs = BenchSupport.streamingOptionArgs(runner, extra);
    log("pipeline options: " + optionArgs);
    PipelineOptions options =
        PipelineOptionsFactory.fromArgs(optionArgs.toArray(String[]::new)).withValidation().create();
    options.setJobName("bench-incremental-" + db.id + "-" + runner);

    ConnectionConfiguration connection =
        ConnectionConfiguration.create(db.url).withUsername(db.user);
    if (db.password != null) {
      connection = connection.withPassword(db.password);
    }
    Pipeline pipeline = Pipeline.create(options);
    PCollection<Row> rows =
        pipeline.apply(
            "HeliosDbIO",
            HeliosDbIO.read()
                .withConnection(connection)
                .withTable(db.namespace + "." + TABLE)
                .withIncremental(
                    IncrementalOptions.trackingColumn("updated_at")
                        .withPollInterval(Duration.standardSeconds(s.pollSeconds))
                        .withCommitDelay(Duration.standardSeconds(s.delaySeconds))));
    rows.apply("Record arrival", ParDo.of(new RecordArrivalFn()));

    try (Connection meter = db.connect()) {
      meter.setAutoCommit(true); // PostgreSQL: every read in its own transaction, fresh statistics
      String counterName = db.isPostgres() ? "pg xact_commit+xact_rollback" : "Questions";
      Double background = null;

      // 1. background: the same counter with no pipeline running (other clients of the server)
      Thread.sleep(1000); // PostgreSQL flushes a closed backend's statistics as it exits
      if (s.baselineSeconds > 0) {
        Counters b0 = Counters.read(db, meter);
        Thread.sleep(s.baselineSeconds * 1000L);
        Counters b1 = Counters.read(db, meter);
        background = round(b1.perSecondSince(b0), 2);
        log(String.format(
            "background before the pipeline: %.2f %s per second",
            b1.perSecondSince(b0), counterName));
        if (!db.isPostgres()) {
          log("background window, Com_* counters that moved: " + b1.commandsSince(b0));
        }
      }

      // 2. load: the pipeline and the writer
      PipelineResult result = pipeline.run();
      try {
        log("pipeline started: " + result.getClass().getSimpleName());
        Writer writer = new Writer(db, s.rowsPerSecond, s.loadSeconds);
        writer.start();
        long lastReport = System.currentTimeMillis();
        while (writer.isAlive()) {
          writer.join(500);
          if (System.currentTimeMillis() - lastReport >= 10_000) {
            lastReport = System.currentTimeMillis();
            log("load: " + COMMITS.size() + " rows committed, " + ARRIVALS.size() + " arrived");
          }
        }
        if (writer.failure.get() != null) {
          throw new IllegalStateException("the writer failed", writer.failure.get());
        }
        long inserted = writer.inserted.get();
        double loadSeconds = (writer.endMillis - writer.startMillis) / 1000.0;
        log(String.format(
            "load done: %d rows in %.1f s (%.1f rows/s)", inserted, loadSeconds,
            inserted / loadSeconds));

        // 3. drain: until every inserted row arrived
        long deadline = System.currentTimeMillis() + s.drainTimeoutSeconds * 1000L;
        while (missing(inserted) > 0 && System.currentTimeMillis() < deadline) {
          Thread.sleep(100);
        }
        long missingNow = missing(inserted);
        if (missingNow > 0) {
          log("after " + s.drainTimeoutSeconds + " s of drain " + missingNow
              + " rows have not arrived; measuring the idle load anyway");
        } else {
          log("all " + inserted + " rows arrived");
        }

        // 4. idle: the counter over the idle window
        Thread.sleep(2000);
        Counters i0 = Counters.read(db, meter);
        IdleCost.measure(result, s.idleSeconds, line);
        Counters i1 = Counters.read(db, meter);
        double idle = i1.perSecondSince(i0);
        log(String.format("idle pipeline: %.2f %s per second", idle, counterName));
        if (!db.isPostgres()) {
          log("idle window, Com_* counters that moved (this connection's SHOW is Com_show_status): "
              + i1.commandsSince(i0));
        }

        // 5. the figures
        Stats stats = stats(writer.startMillis + s.warmupSeconds * 1000L, inserted);
        long target = (s.pollSeconds + s.delaySeconds) * 1000L + 500;
        line.put("lag_p50_ms", stats.p50);
        line.put("lag_p99_ms", stats.p99);
        line.put("lag_max_ms", stats.max);
        line.put("rows", stats.measured);
        line.put("lost", stats.lost);
        line.put("duplicates", stats.duplicates);
        line.put("idle_queries_per_s", round(idle, 2));
        line.put("idle_counter", counterName);
        if (background != null) {
          line.put("background_queries_per_s", background);
        }
        line.put("target_p99_ms", target);
        boolean exactlyOnce = stats.lost == 0 && stats.duplicates == 0 && stats.unexpected == 0;
        line.put("pass", stats.measured > 0 && stats.p99 <= target && exactlyOnce);
        line.put("lag_min_ms", stats.min);
        line.put("lag_mean_ms", stats.mean);
        line.put("inserted", inserted);
        line.put("unexpected", stats.unexpected);
        line.put("rows_per_s_actual", round(inserted / loadSeconds, 1));
        line.put("load_s", s.loadSeconds);
        line.put("warmup_s", s.warmupSeconds);
        line.put("idle_s", s.idleSeconds);
        if (i1.detail >= 0 && i0.detail >= 0) {
          line.put(
              db.isPostgres() ? "idle_table_scans_per_s" : "idle_com_select_per_s",
              round((i1.detail - i0.detail) * 1000.0 / (i1.atMillis - i0.atMillis), 2));
        }
        if (stats.lastArrival > 0) {
          line.put("drain_ms", stats.lastArrival - writer.lastCommitMillis);
        }
      } finally {
        BenchSupport.cancel(result, BenchSupport::log);
      }
    }
  }

  /** The inserted ids (1..inserted) that have not arrived. */
  private static long missing(long inserted) {
    long missing = 0;
    for (long id = 1; id <= inserted; id++) {
      if (!ARRIVALS.containsKey(id)) {
        missing++;
      }
    }
    return missing;
  }

  private record Stats(
      long measured,
      long p50,
      long p99,
      long max,
      long min,
      double mean,
      long lost,
      long duplicates,
      long unexpected,
      long lastArrival) {}

  /** Lag over rows committed at or after {@code fromMillis}; exactly-once checks over all rows. */
  private static Stats stats(long fromMillis, long inserted) {
    List<Long> lags = new ArrayList<>();
    long lost = 0;
    long duplicates = 0;
    long lastArrival = 0;
    for (long id = 1; id <= inserted; id++) {
      Long commit = COMMITS.get(id);
      long[] arrival = ARRIVALS.get(id);
      if (arrival == null) {
        lost++;
        continue;
      }
      duplicates += arrival[1] - 1;
      lastArrival = Math.max(lastArrival, arrival[0]);
      if (commit != null && commit >= fromMillis) {
        lags.add(arrival[0] - commit);
      }
    }
    long unexpected = 0;
    for (Map.Entry<Long, long[]> e : ARRIVALS.entrySet()) {
      if (e.getKey() < 1 || e.getKey() > inserted) {
        unexpected += e.getValue()[1];
      }
    }
    if (lags.isEmpty()) {
      return new Stats(0, -1, -1, -1, -1, -1, lost, duplicates, unexpected, lastArrival);
    }
    long[] sorted = lags.stream().mapToLong(Long::longValue).sorted().toArray();
    double mean = Arrays.stream(sorted).average().orElse(0);
    return new Stats(
        sorted.length,
        BenchSupport.percentile(sorted, 0.50),
        BenchSupport.percentile(sorted, 0.99),
        sorted[sorted.length - 1],
        sorted[0],
        round(mean, 1),
        lost,
        duplicates,
        unexpected,
        lastArrival);
  }

  private static void createTable(BenchDatabase db) throws SQLException {
    try (Connection c = db.connect(); Statement s = c.createStatement()) {
      s.execute("DROP TABLE IF EXISTS " + TABLE);
      if (db.isPostgres()) {
        s.execute(
            "CREATE TABLE " + TABLE + " (id BIGINT PRIMARY KEY, v INT NOT NULL,"
                + " updated_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp())");
        // No autovacuum/autoanalyze of this table: its transactions would land in the idle
        // window's count (pg_stat_database counts them in this database) at random.
        s.execute("ALTER TABLE " + TABLE + " SET (autovacuum_enabled = false)");
      } else {
        s.execute(
            "CREATE TABLE " + TABLE + " (id BIGINT PRIMARY KEY, v INT NOT NULL,"
                + " updated_at DATETIME(6) NOT NULL DEFAULT NOW(6)) ENGINE=InnoDB");
      }
      s.execute("CREATE INDEX " + TABLE + "_updated_at_id ON " + TABLE + " (updated_at, id)");
    }
    log(db.id + ": created an empty " + TABLE);
  }

  /** Inserts single-row autocommit transactions on a fixed schedule. */
  private static final class Writer extends Thread {
    private final BenchDatabase db;
    private final long periodNanos;
    private final long durationNanos;
    final AtomicLong inserted = new AtomicLong();
    final AtomicReference<Throwable> failure = new AtomicReference<>();
    volatile long startMillis;
    volatile long endMillis;
    volatile long lastCommitMillis;

    Writer(BenchDatabase db, int rowsPerSecond, int seconds) {
      super("bench-writer");
      this.db = db;
      this.periodNanos = 1_000_000_000L / rowsPerSecond;
      this.durationNanos = seconds * 1_000_000_000L;
      setDaemon(true);
    }

    @Override
    public void run() {
      try (Connection c = db.connect();
          PreparedStatement insert =
              c.prepareStatement("INSERT INTO " + TABLE + " (id, v) VALUES (?, ?)")) {
        c.setAutoCommit(true);
        startMillis = System.currentTimeMillis();
        long start = System.nanoTime();
        for (long i = 0; ; i++) {
          long due = start + i * periodNanos;
          if (due - start >= durationNanos) {
            break;
          }
          long wait;
          while ((wait = due - System.nanoTime()) > 0) {
            LockSupport.parkNanos(wait);
          }
          long id = i + 1;
          insert.setLong(1, id);
          insert.setInt(2, (int) (id % 1000));
          insert.executeUpdate();
          long committed = System.currentTimeMillis();
          COMMITS.put(id, committed);
          lastCommitMillis = committed;
          inserted.set(id);
        }
        endMillis = System.currentTimeMillis();
      } catch (Throwable t) {
        endMillis = System.currentTimeMillis();
        failure.set(t);
      }
    }
  }

  /** One reading of the database's statement counter (and a per-database detail counter). */
  private record Counters(long value, long detail, long atMillis, Map<String, Long> commands) {
    static Counters read(BenchDatabase db, Connection meter) throws SQLException {
      long at = System.currentTimeMillis();
      try (Statement s = meter.createStatement()) {
        if (db.isPostgres()) {
          try (ResultSet rs =
              s.executeQuery(
                  "SELECT (SELECT xact_commit + xact_rollback FROM pg_stat_database"
                      + " WHERE datname = current_database()),"
                      + " (SELECT coalesce(seq_scan, 0) + coalesce(idx_scan, 0)"
                      + " FROM pg_stat_user_tables WHERE relname = '" + TABLE + "'"
                      + " AND schemaname = current_schema())")) {
            rs.next();
            long detail = rs.getLong(2);
            return new Counters(rs.getLong(1), rs.wasNull() ? -1 : detail, at, Map.of());
          }
        }
        long questions = -1;
        long selects = -1;
        Map<String, Long> commands = new LinkedHashMap<>();
        try (ResultSet rs =
            s.executeQuery(
                "SHOW GLOBAL STATUS WHERE Variable_name = 'Questions'"
                    + " OR Variable_name LIKE 'Com\\_%'")) {
          while (rs.next()) {
            String name = rs.getString(1);
            long value;
            try {
              value = Long.parseLong(rs.getString(2));
            } catch (NumberFormatException e) {
              continue;
            }
            if (name.equalsIgnoreCase("Questions")) {
              questions = value;
            } else {
              commands.put(name, value);
              if (name.equalsIgnoreCase("Com_select")) {
                selects = value;
              }
            }
          }
        }
        if (questions < 0) {
          throw new IllegalStateException("SHOW GLOBAL STATUS returned no Questions");
        }
        return new Counters(questions, selects, at, commands);
      }
    }

    /**
     * Statements per second from {@code earlier} to this reading, less the measuring connection's
     * own statement: PostgreSQL counts the earlier read's transaction (flushed by then), not this
     * one's (still running); MariaDB's Questions counts each SHOW itself, so the difference holds
     * this one.
     */
    double perSecondSince(Counters earlier) {
      return (value - earlier.value - 1) * 1000.0 / (atMillis - earlier.atMillis);
    }

    /** MariaDB: the Com_* counters that moved since {@code earlier}, for the log. */
    String commandsSince(Counters earlier) {
      StringBuilder text = new StringBuilder();
      commands.forEach(
          (name, count) -> {
            long delta = count - earlier.commands.getOrDefault(name, count);
            if (delta != 0) {
              text.append(text.length() == 0 ? "" : ", ").append(name).append('=').append(delta);
            }
          });
      return text.toString();
    }
  }
}
