package io.heliosdb.bench;

import static io.heliosdb.bench.BenchSupport.percentile;
import static io.heliosdb.bench.BenchSupport.round;

import io.heliosdb.beam.CdcOptions;
import io.heliosdb.beam.ConnectionConfiguration;
import io.heliosdb.beam.HeliosDbIO;
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
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
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

/**
 * One case of the CDC benchmark, run in a fresh JVM by {@code runners-it/bench.sh cdc}: streams
 * the changes of the table {@code bench_cdc} with {@code HeliosDbIO.read().withCdc(...)} and
 * prints one JSON line to stdout.
 *
 * <pre>
 * CdcBench &lt;postgres|mariadb&gt; &lt;direct|flink&gt; &lt;tx_per_s|bulk&gt; [extra pipeline options...]
 * CdcBench cleanup &lt;postgres|mariadb&gt;     drops the slot and publication bench_cdc (PostgreSQL)
 * </pre>
 *
 * <p>Every case first drops the publication {@code bench_cdc} and the replication slot {@code
 * bench_cdc} if they exist (PostgreSQL; waiting up to 30 s for a previous case's walsender to let
 * go of the slot), recreates the table {@code bench_cdc} (id bigint primary key, v int; {@code
 * REPLICA IDENTITY FULL} on PostgreSQL), builds the pipeline {@code HeliosDbIO.read().withCdc(
 * CdcOptions.create().withSlotName("bench_cdc"))} (MariaDB: {@code withStartPosition} = {@code SHOW
 * MASTER STATUS} taken just before the run) followed by {@link RecordArrivalFn}, which records
 * {@code System.currentTimeMillis()} of the first arrival and the number of arrivals per id in
 * this JVM (Direct runner; Flink's embedded cluster), runs it, and waits until the stream is live:
 * it inserts a marker row (ids -1, -2, ...) every 250 ms until one arrives downstream ({@code
 * live_after_ms}, from {@code run()}). After the measurement it cancels the pipeline and drops the
 * slot and the publication again (if the slot is still held, the next case or {@code cleanup}
 * drops it).
 *
 * <p><b>Latency case</b> ({@code tx_per_s} = 20, 200, 2000, ...): writer threads on their own
 * connections insert single-row autocommit transactions (ids 1, 2, ...) on one fixed schedule of
 * {@code tx_per_s} slots per second for {@code bench.loadSeconds}; each thread takes the next
 * slot, waits for its due time (or goes at once when behind), inserts, and records {@code
 * System.currentTimeMillis()} right after the commit returns. A thread stops when the load time is
 * over, so a rate the writers cannot keep up shows as {@code achieved_tx_per_s} below {@code
 * tx_per_s}. Writers: {@code bench.writers}, default 1 up to 200 tx/s, else {@code ceil(tx_per_s /
 * 250)}. Then waits until every committed id arrived (at most {@code bench.drainTimeoutSeconds}),
 * and 2 s more for late duplicates. Latency = first arrival - commit over the ids committed after
 * the first {@code bench.warmupSeconds} of the load: {@code latency_p50_ms}, {@code
 * latency_p95_ms}, {@code latency_p99_ms} (nearest rank), {@code latency_max_ms}, {@code
 * latency_min_ms}, {@code latency_mean_ms} over {@code changes} ids; {@code inserted} = all ids
 * committed, {@code lost} = committed ids that never arrived, {@code duplicates} = extra arrivals
 * (at-least-once allows them), {@code unexpected} = arrivals of ids never committed or with
 * another op than {@code c}; {@code drain_ms} = last commit to the last first arrival; {@code
 * worst} = the five largest latencies as [ms after the load started, latency ms]. The log has the
 * p50/p99/max per 5 s window of the load, to tell periodic stalls (checkpoints) from one-off ones.
 * Before the load, with the stream live and the table idle, over {@code bench.idleSeconds}
 * ({@code idle_s}): {@code idle_cpu_percent} = the JVM's CPU time as a percentage of one core,
 * {@code idle_calls_per_s} = the stream's calls per second (see {@link IdleCost}).
 *
 * <p><b>Bulk case</b>: before the pipeline starts, fills the table with {@code bench.bulkRows}
 * rows (PostgreSQL {@code INSERT ... SELECT generate_series}, MariaDB {@code INSERT ... SELECT
 * seq FROM seq_1_to_N}, in one transaction), so that the stream does not see them. Once the
 * stream is live, updates every row with {@code UPDATE bench_cdc SET v = v + 1 WHERE id BETWEEN
 * ...}, {@code bench.bulkBatchRows} rows per autocommit statement, one after the other, and waits
 * until every id's update arrived (giving up after {@code bench.bulkStallSeconds} without a new
 * arrival). {@code changes} = ids whose update arrived, {@code seconds} = first to last of them
 * arriving, {@code changes_per_sec} = changes / seconds; {@code update_seconds} = the UPDATE
 * statements' time in the database, {@code end_to_end_seconds} = start of the first UPDATE to the
 * last arrival, {@code first_change_ms} = start of the first UPDATE to the first arrival; {@code
 * lost}, {@code duplicates}, {@code unexpected} (other ops than {@code u}) as above; {@code
 * prefill_seconds}.
 *
 * <p>Both: {@code peak_heap_mb} = the largest used heap sampled every 250 ms while the pipeline
 * ran (the log has it every 5 s, with the arrival count), {@code peak_rss_mb} the JVM's VmHWM,
 * {@code jvm_seconds} its uptime at the end, {@code runner_options} the options used.
 *
 * <p>Runner options: Direct {@code --runner=DirectRunner --streaming=true --blockOnRun=false};
 * Flink {@code --runner=FlinkRunner --streaming=true --attachedMode=false
 * --checkpointingInterval=1000} (embedded local cluster). Extra arguments are passed to the
 * pipeline options.
 *
 * <p>System properties (defaults): {@code bench.timeoutSeconds} (600; past it the case prints an
 * error and the JVM halts), {@code bench.loadSeconds} (35), {@code bench.warmupSeconds} (5),
 * {@code bench.writers} (0 = as above), {@code bench.idleSeconds} (15; 0 skips the idle
 * measurement), {@code bench.drainTimeoutSeconds} (30), {@code
 * bench.liveTimeoutSeconds} (120), {@code bench.bulkRows} (1000000), {@code bench.bulkBatchRows}
 * (100000), {@code bench.bulkStallSeconds} (60), {@code bench.bulkCappedFrom} (set by bench.sh when
 * it lowered bench.bulkRows for the Direct runner: reported as {@code capped_from}).
 */
public final class CdcBench {
  private CdcBench() {}

  static final String TABLE = "bench_cdc";
  static final String SLOT = "bench_cdc";
  static final List<String> RUNNERS = List.of("direct", "flink");

  /** Commit time (JVM wall clock, ms) per id (index), 0 = not committed. */
  static volatile AtomicLongArray commits = new AtomicLongArray(1);

  /** First arrival (ms) and number of arrivals per id (index); static, shared by the DoFns. */
  static volatile AtomicLongArray firstArrival = new AtomicLongArray(1);

  static volatile AtomicIntegerArray arrivals = new AtomicIntegerArray(1);
  static volatile String expectedOp = "c";
  static final AtomicLong MARKERS_ARRIVED = new AtomicLong();
  static final AtomicLong FIRST_MARKER_ARRIVAL = new AtomicLong();
  static final AtomicLong UNEXPECTED = new AtomicLong();
  static final AtomicLong ARRIVED_IDS = new AtomicLong();

  /** The last step of the pipeline: records when each change arrived, per id. */
  static final class RecordArrivalFn extends DoFn<Row, Void> {
    private static final long serialVersionUID = 1L;

    @ProcessElement
    public void process(@Element Row change) {
      long now = System.currentTimeMillis();
      Row image = change.getRow("after");
      if (image == null) {
        image = change.getRow("before");
      }
      recordArrival(image == null ? null : image.getInt64("id"), change.getString("op"), now);
    }
  }

  /**
   * Records that the change {@code op} of row {@code id} arrived at {@code now} (ms): ids below 0
   * are marker rows ({@link #waitUntilLive}); an id 0, null or beyond the case's ids, or another op
   * than the case expects, counts as unexpected; else the id's arrivals go up by one and its first
   * arrival is kept. Shared by every consumer of the benchmark, so they count alike.
   */
  static void recordArrival(Long boxedId, String op, long now) {
    if (boxedId == null) {
      UNEXPECTED.incrementAndGet();
      return;
    }
    long id = boxedId;
    if (id < 0) {
      if (MARKERS_ARRIVED.getAndIncrement() == 0) {
        FIRST_MARKER_ARRIVAL.set(now);
      }
      return;
    }
    AtomicLongArray first = firstArrival;
    AtomicIntegerArray count = arrivals;
    if (id == 0 || id >= first.length() || !expectedOp.equals(op)) {
      UNEXPECTED.incrementAndGet();
      return;
    }
    if (count.getAndIncrement((int) id) == 0) {
      first.set((int) id, now);
      ARRIVED_IDS.incrementAndGet();
    }
  }

  public static void main(String[] args) {
    PrintStream json = BenchSupport.takeStdout();
    BenchSupport.cleanupIfAsked(args, SLOT);
    if (args.length < 3) {
      System.err.println(
          "usage: CdcBench <postgres|mariadb> <direct|flink> <tx_per_s|bulk> [pipeline options...]"
              + "\n       CdcBench cleanup <postgres|mariadb>");
      System.exit(2);
    }
    boolean bulk = args[2].equals("bulk");
    Map<String, Object> line = new LinkedHashMap<>();
    line.put("bench", "cdc");
    line.put("db", args[0]);
    line.put("runner", args[1]);
    if (bulk) {
      line.put("mode", "bulk");
    } else {
      line.put("mode", "latency");
      line.put("tx_per_s", Integer.parseInt(args[2]));
    }
    BenchSupport.startWatchdog(
        line,
        () -> " (" + ARRIVED_IDS.get() + " ids arrived)",
        CdcBench::log,
        timedOut -> BenchSupport.finishWithPeakHeap(json, timedOut));

    boolean ok = false;
    BenchDatabase db = null;
    try {
      db = BenchDatabase.parse(args[0]);
      String runner = args[1].toLowerCase(Locale.ROOT);
      if (!RUNNERS.contains(runner)) {
        throw new IllegalArgumentException("unknown runner '" + runner + "' " + RUNNERS);
      }
      List<String> extra = Arrays.asList(args).subList(3, args.length);
      BenchSupport.startHeapSampler();
      if (bulk) {
        runBulk(db, runner, extra, line);
      } else {
        runLatency(db, runner, Integer.parseInt(args[2]), extra, line);
      }
      ok = true;
    } catch (Throwable t) {
      BenchSupport.recordFailure(line, t);
    }
    if (db != null && db.isPostgres()) {
      try {
        line.put("slot_dropped", BenchSupport.dropSlot(db, SLOT, 10));
      } catch (Throwable t) {
        log("cannot drop the slot: " + t);
        line.put("slot_dropped", false);
      }
    }
    BenchSupport.finishWithPeakHeap(json, line);
    System.exit(ok ? 0 : 1);
  }

  // ---------------------------------------------------------------- latency

  /**
   * With the stream live and no writes, what the idle stream costs over {@code bench.idleSeconds}
   * (15; 0 to skip): {@code idle_cpu_percent} and {@code idle_calls_per_s} ({@link IdleCost}).
   */
  private static void measureIdleCost(PipelineResult result, Map<String, Object> line)
      throws Exception {
    int idleSeconds = Integer.getInteger("bench.idleSeconds", 15);
    if (idleSeconds <= 0) {
      return;
    }
    Thread.sleep(2_000); // the marker rows' last changes settle first
    IdleCost.measure(result, idleSeconds, line);
  }

  private static void runLatency(
      BenchDatabase db, String runner, int rate, List<String> extra, Map<String, Object> line)
      throws Exception {
    int loadSeconds = Integer.getInteger("bench.loadSeconds", 35);
    int warmupSeconds = Integer.getInteger("bench.warmupSeconds", 5);
    int writers = Integer.getInteger("bench.writers", 0);
    if (writers <= 0) {
      writers = rate <= 200 ? 1 : (rate + 249) / 250;
    }
    int drainSeconds = Integer.getInteger("bench.drainTimeoutSeconds", 30);
    if (warmupSeconds >= loadSeconds) {
      throw new IllegalArgumentException("bench.warmupSeconds must be below bench.loadSeconds");
    }
    int capacity = (int) Math.min(Integer.MAX_VALUE - 8, (long) rate * loadSeconds + 2);
    commits = new AtomicLongArray(capacity);
    firstArrival = new AtomicLongArray(capacity);
    arrivals = new AtomicIntegerArray(capacity);
    expectedOp = "c";

    prepare(db);
    createTable(db);
    Pipeline pipeline = pipeline(db, runner, extra, line);
    String start = startPosition(db);
    PipelineResult result = run(pipeline, db, start);
    try {
      long live = waitUntilLive(db, () -> BenchSupport.checkRunning(result));
      line.put("live_after_ms", live);
      measureIdleCost(result, line);

      LatencyWriters load = new LatencyWriters(db, rate, loadSeconds, writers, capacity - 1);
      log(String.format("load: %d tx/s for %d s on %d writer connection(s)", rate, loadSeconds,
          writers));
      load.runAndWait(result);
      long inserted = load.inserted.get();
      double loadTime = (load.endMillis - load.startMillis) / 1000.0;
      log(String.format("load done: %d transactions in %.1f s (%.1f tx/s)", inserted, loadTime,
          inserted / loadTime));

      long deadline = System.currentTimeMillis() + drainSeconds * 1000L;
      while (missing(load.maxId()) > 0 && System.currentTimeMillis() < deadline) {
        BenchSupport.checkRunning(result);
        Thread.sleep(50);
      }
      long missingNow = missing(load.maxId());
      log(missingNow == 0
          ? "all " + inserted + " changes arrived"
          : missingNow + " changes still missing after " + drainSeconds + " s of drain");
      Thread.sleep(2000); // late duplicates

      // the figures
      long from = load.startMillis + warmupSeconds * 1000L;
      List<long[]> measured = new ArrayList<>(); // {commit, latency}
      long lost = 0;
      long duplicates = 0;
      long lastArrival = 0;
      long committedIds = 0;
      List<Long> lostIds = new ArrayList<>();
      for (int id = 1; id <= load.maxId(); id++) {
        long commit = commits.get(id);
        if (commit == 0) {
          continue;
        }
        committedIds++;
        int n = arrivals.get(id);
        if (n == 0) {
          lost++;
          if (lostIds.size() < 20) {
            lostIds.add((long) id);
          }
          continue;
        }
        duplicates += n - 1;
        long arrival = firstArrival.get(id);
        lastArrival = Math.max(lastArrival, arrival);
        if (commit >= from) {
          measured.add(new long[] {commit, arrival - commit});
        }
      }
      // arrivals of ids that were never committed (inserts that failed, or beyond the load)
      long unexpected = UNEXPECTED.get();
      for (int id = 1; id < arrivals.length(); id++) {
        if (commits.get(id) == 0 && arrivals.get(id) > 0) {
          unexpected += arrivals.get(id);
        }
      }
      if (!lostIds.isEmpty()) {
        log("lost ids (first 20): " + lostIds);
      }
      long[] latencies = measured.stream().mapToLong(m -> m[1]).sorted().toArray();
      line.put("achieved_tx_per_s", round(inserted / loadTime, 1));
      if (latencies.length > 0) {
        line.put("latency_p50_ms", percentile(latencies, 0.50));
        line.put("latency_p95_ms", percentile(latencies, 0.95));
        line.put("latency_p99_ms", percentile(latencies, 0.99));
        line.put("latency_max_ms", latencies[latencies.length - 1]);
      }
      line.put("changes", latencies.length);
      line.put("lost", lost);
      line.put("duplicates", duplicates);
      line.put("unexpected", unexpected);
      line.put("inserted", committedIds);
      line.put("writers", writers);
      line.put("load_s", loadSeconds);
      line.put("warmup_s", warmupSeconds);
      if (latencies.length > 0) {
        line.put("latency_min_ms", latencies[0]);
        line.put("latency_mean_ms", round(Arrays.stream(latencies).average().orElse(0), 2));
      }
      if (lastArrival > 0) {
        line.put("drain_ms", lastArrival - load.lastCommitMillis.get());
      }
      measured.sort((a, b) -> Long.compare(b[1], a[1]));
      List<List<Long>> worst = new ArrayList<>();
      for (int i = 0; i < Math.min(5, measured.size()); i++) {
        worst.add(List.of(measured.get(i)[0] - load.startMillis, measured.get(i)[1]));
      }
      line.put("worst", worst);
      logWindows(measured, load.startMillis);
    } finally {
      BenchSupport.cancel(result, CdcBench::log);
    }
  }

  /** Committed ids (up to maxId) that have not arrived. */
  private static long missing(long maxId) {
    long missing = 0;
    for (int id = 1; id <= maxId; id++) {
      if (commits.get(id) != 0 && arrivals.get(id) == 0) {
        missing++;
      }
    }
    return missing;
  }

  /** p50/p99/max of the latencies per 5 s window of the load, to the log. */
  private static void logWindows(List<long[]> measured, long loadStart) {
    Map<Long, List<Long>> windows = new java.util.TreeMap<>();
    for (long[] m : measured) {
      windows.computeIfAbsent((m[0] - loadStart) / 5000, k -> new ArrayList<>()).add(m[1]);
    }
    StringBuilder text = new StringBuilder("latency per 5 s window [start s: n p50/p99/max ms]:");
    windows.forEach(
        (w, values) -> {
          long[] sorted = values.stream().mapToLong(Long::longValue).sorted().toArray();
          text.append(String.format(" [%d: %d %d/%d/%d]", w * 5, sorted.length,
              percentile(sorted, 0.5), percentile(sorted, 0.99), sorted[sorted.length - 1]));
        });
    log(text.toString());
  }

  /** Writer threads on one shared schedule of single-row autocommit inserts. */
  private static final class LatencyWriters {
    private final BenchDatabase db;
    private final long periodNanos;
    private final long durationNanos;
    private final int threads;
    private final int maxSlots;
    private final AtomicLong nextSlot = new AtomicLong();
    final AtomicLong inserted = new AtomicLong();
    final AtomicLong lastCommitMillis = new AtomicLong();
    final AtomicLong highestId = new AtomicLong();
    final AtomicReference<Throwable> failure = new AtomicReference<>();
    volatile long startMillis;
    volatile long endMillis;

    LatencyWriters(BenchDatabase db, int rate, int seconds, int threads, int maxSlots) {
      this.db = db;
      this.periodNanos = 1_000_000_000L / rate;
      this.durationNanos = seconds * 1_000_000_000L;
      this.threads = threads;
      this.maxSlots = maxSlots;
    }

    long maxId() {
      return highestId.get();
    }

    void runAndWait(PipelineResult result) throws Exception {
      List<Connection> connections = new ArrayList<>();
      try {
        for (int i = 0; i < threads; i++) {
          Connection c = db.connect();
          c.setAutoCommit(true);
          connections.add(c);
        }
        List<Thread> workers = new ArrayList<>();
        startMillis = System.currentTimeMillis();
        long start = System.nanoTime();
        for (int i = 0; i < threads; i++) {
          Connection c = connections.get(i);
          Thread t = new Thread(() -> write(c, start), "bench-writer-" + i);
          t.setDaemon(true);
          workers.add(t);
        }
        workers.forEach(Thread::start);
        long lastReport = System.currentTimeMillis();
        for (Thread t : workers) {
          while (t.isAlive()) {
            t.join(500);
            if (System.currentTimeMillis() - lastReport >= 5_000) {
              lastReport = System.currentTimeMillis();
              log("load: " + inserted.get() + " committed, " + ARRIVED_IDS.get() + " arrived");
              BenchSupport.checkRunning(result);
            }
          }
        }
        endMillis = System.currentTimeMillis();
      } finally {
        for (Connection c : connections) {
          try {
            c.close();
          } catch (SQLException ignored) {
            // closing only
          }
        }
      }
      if (failure.get() != null) {
        throw new IllegalStateException("a writer failed", failure.get());
      }
    }

    private void write(Connection c, long start) {
      try (PreparedStatement insert =
          c.prepareStatement("INSERT INTO " + TABLE + " (id, v) VALUES (?, ?)")) {
        while (failure.get() == null) {
          long slot = nextSlot.getAndIncrement();
          long due = start + slot * periodNanos;
          if (due - start >= durationNanos || slot >= maxSlots) {
            return;
          }
          long wait;
          while ((wait = due - System.nanoTime()) > 0) {
            LockSupport.parkNanos(wait);
          }
          if (System.nanoTime() - start >= durationNanos) {
            return; // behind schedule at the end of the load: the slot is not used
          }
          int id = (int) (slot + 1);
          highestId.accumulateAndGet(id, Math::max);
          insert.setLong(1, id);
          insert.setInt(2, id % 1000);
          insert.executeUpdate();
          long committed = System.currentTimeMillis();
          commits.set(id, committed);
          lastCommitMillis.accumulateAndGet(committed, Math::max);
          inserted.incrementAndGet();
        }
      } catch (Throwable t) {
        failure.compareAndSet(null, t);
      }
    }
  }

  // ---------------------------------------------------------------- bulk

  private static void runBulk(
      BenchDatabase db, String runner, List<String> extra, Map<String, Object> line)
      throws Exception {
    prepare(db);
    int rows = CdcBulk.prefill(db, line);
    Pipeline pipeline = pipeline(db, runner, extra, line);
    String start = startPosition(db);
    PipelineResult result = run(pipeline, db, start);
    try {
      Runnable running = () -> BenchSupport.checkRunning(result);
      line.put("live_after_ms", waitUntilLive(db, running));
      CdcBulk.updateAndMeasure(db, rows, line, running);
    } finally {
      BenchSupport.cancel(result, CdcBench::log);
    }
  }

  // ---------------------------------------------------------------- common

  private static Pipeline pipeline(
      BenchDatabase db, String runner, List<String> extra, Map<String, Object> line) {
    List<String> optionArgs = BenchSupport.streamingOptionArgs(runner, extra);
    log("pipeline options: " + optionArgs);
    PipelineOptions options =
        PipelineOptionsFactory.fromArgs(optionArgs.toArray(String[]::new)).withValidation().create();
    options.setJobName("bench-cdc-" + db.id + "-" + runner);
    line.put("runner_options", String.join(" ", optionArgs));
    return Pipeline.create(options);
  }

  /** MariaDB: the binlog's end now (SHOW MASTER STATUS); PostgreSQL: none (the new slot's). */
  private static String startPosition(BenchDatabase db) throws SQLException {
    if (db.isPostgres()) {
      return null;
    }
    try (Connection c = db.connect();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SHOW MASTER STATUS")) {
      if (!rs.next()) {
        throw new IllegalStateException("SHOW MASTER STATUS is empty: the binlog is off");
      }
      return rs.getString(1) + ":" + rs.getLong(2);
    }
  }

  private static PipelineResult run(Pipeline pipeline, BenchDatabase db, String start) {
    ConnectionConfiguration connection =
        ConnectionConfiguration.create(db.url).withUsername(db.user);
    if (db.password != null) {
      connection = connection.withPassword(db.password);
    }
    CdcOptions cdc = CdcOptions.create().withSlotName(SLOT);
    if (start != null) {
      cdc = cdc.withStartPosition(start);
      log("start position " + start);
    }
    PCollection<Row> changes =
        pipeline.apply(
            "HeliosDbIO",
            HeliosDbIO.read()
                .withConnection(connection)
                .withTable(db.namespace + "." + TABLE)
                .withCdc(cdc));
    changes.apply("Record arrival", ParDo.of(new RecordArrivalFn()));
    PipelineResult result = pipeline.run();
    log("pipeline started: " + result.getClass().getSimpleName());
    return result;
  }

  /**
   * Inserts a marker row (ids -1, -2, ...) every 250 ms until one arrives; returns the ms since
   * the call. {@code running} is called before each insert and throws if the stream stopped.
   */
  static long waitUntilLive(BenchDatabase db, Runnable running) throws Exception {
    long t0 = System.currentTimeMillis();
    long deadline = t0 + Integer.getInteger("bench.liveTimeoutSeconds", 120) * 1000L;
    try (Connection c = db.connect();
        PreparedStatement insert =
            c.prepareStatement("INSERT INTO " + TABLE + " (id, v) VALUES (?, 0)")) {
      c.setAutoCommit(true);
      long marker = 0;
      while (MARKERS_ARRIVED.get() == 0) {
        if (System.currentTimeMillis() > deadline) {
          throw new IllegalStateException("the stream did not deliver a marker row within "
              + (deadline - t0) / 1000 + " s of run()");
        }
        running.run();
        insert.setLong(1, --marker);
        insert.executeUpdate();
        for (int i = 0; i < 25 && MARKERS_ARRIVED.get() == 0; i++) {
          Thread.sleep(10);
        }
      }
      long live = FIRST_MARKER_ARRIVAL.get() - t0;
      log("stream live " + live + " ms after start (" + (-marker) + " marker rows inserted)");
      Thread.sleep(1000); // let the markers still in flight arrive
      return live;
    }
  }

  /** Before a case: no slot or publication bench_cdc left from an earlier one. */
  private static void prepare(BenchDatabase db) throws Exception {
    if (db.isPostgres() && !BenchSupport.dropSlot(db, SLOT, 30)) {
      throw new IllegalStateException("replication slot " + SLOT + " is still active (another"
          + " pipeline holds it); drop it with SELECT pg_drop_replication_slot('" + SLOT + "')");
    }
  }

  static void createTable(BenchDatabase db) throws SQLException {
    try (Connection c = db.connect(); Statement s = c.createStatement()) {
      s.execute("DROP TABLE IF EXISTS " + TABLE);
      if (db.isPostgres()) {
        s.execute("CREATE TABLE " + TABLE + " (id BIGINT PRIMARY KEY, v INT NOT NULL)");
        s.execute("ALTER TABLE " + TABLE + " REPLICA IDENTITY FULL");
      } else {
        s.execute("CREATE TABLE " + TABLE + " (id BIGINT PRIMARY KEY, v INT NOT NULL)"
            + " ENGINE=InnoDB");
      }
    }
    log(db.id + ": created an empty " + TABLE);
  }

  static void log(String message) {
    System.err.println("[bench] " + java.time.LocalTime.now() + " " + message);
  }
}
