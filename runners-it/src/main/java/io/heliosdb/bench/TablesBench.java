package io.heliosdb.bench;

import static io.heliosdb.bench.BenchSupport.percentile;
import static io.heliosdb.bench.BenchSupport.round;

import io.heliosdb.beam.CdcOptions;
import io.heliosdb.beam.ConnectionConfiguration;
import io.heliosdb.beam.HeliosDbIO;
import io.heliosdb.beam.SnapshotOptions;
import io.heliosdb.beam.cdc.PositionOrder;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionRowTuple;
import org.apache.beam.sdk.values.Row;

/**
 * One case of the multi-table benchmark, run in a fresh JVM by {@code runners-it/bench.sh
 * tables}: snapshot then CDC of a set of tables under a steady write load to all of them, through
 * ONE source ({@code HeliosDbIO.readTables()}, one replication slot or binlog connection) or
 * through one single-table source per table ({@code HeliosDbIO.read().withTable(t)}, a slot or
 * binlog connection each), and prints one JSON line to stdout.
 *
 * <pre>
 * TablesBench &lt;postgres|mariadb&gt; &lt;direct|flink&gt; &lt;one|per-table&gt; &lt;tables&gt;
 *     &lt;parallelism&gt; [extra pipeline options...]
 * TablesBench cleanup &lt;postgres|mariadb&gt;   drops the slots and publications tb_bench_*
 * </pre>
 *
 * <p><b>Tables.</b> The first {@code tables} of {@link BenchTables}' 50 ({@code tb_bench_01}
 * 500,000 rows, {@code _02}..{@code _05} 50,000, {@code _06}..{@code _15} 20,000, {@code _16}..
 * {@code _50} ~2,857: 1,000,000 rows for 50 tables, 900,000 for 15), prepared once per database
 * by {@code BenchTables prepare} and put back to that state at the start of every case ({@code
 * reset_seconds}). On PostgreSQL the slots and publications {@code tb_bench_*} are dropped before
 * and after each case.
 *
 * <p><b>Read.</b> Shape {@code one}: {@code HeliosDbIO.readTables().withTables(<the tables>)
 * .withSnapshot(SnapshotOptions.byPrimaryKey().withChunkSize(bench.chunkSize))
 * .withParallelism(p).withCdc(CdcOptions.create().withSlotName("tb_bench_tables"))}, a DoFn on each
 * table's output. Shape {@code per-table}: for each table {@code HeliosDbIO.read().withTable(t)}
 * with the same snapshot options and parallelism, {@code .withCdc(CdcOptions.create()
 * .withSlotName("tb_bench_sNN"))}, all in one pipeline. Same connection configuration (one pool)
 * everywhere. Runner options: Direct {@code --streaming=true --blockOnRun=false
 * --targetParallelism=p}; Flink {@code --streaming=true --attachedMode=false
 * --checkpointingInterval=1000 --parallelism=p} (embedded cluster). {@code sources} = read
 * transforms in the pipeline.
 *
 * <p><b>Write load.</b> One writer thread on its own autocommit connection commits {@code
 * bench.txPerSecond} (200) single-row transactions/s on a fixed schedule (more than 1 s behind,
 * it drops the missed slots: {@code load_skipped_slots}), from {@code bench.preloadSeconds} (2)
 * before {@code run()} until {@code bench.postSeconds} (20) after the snapshot's end: each on a
 * uniformly random table of the case; {@code bench.insertPercent} (50) of them, spread evenly,
 * insert a new row (id {@code 1,000,000,000 + n}), the others update a uniformly random original
 * id of that table. Transaction {@code n} writes {@code v = 'tx-<n>'}, so every row read and every
 * change tells which transaction it shows; the writer records the time its commit returned.
 *
 * <p><b>Figures.</b>
 *
 * <ul>
 *   <li>{@code slots_held} (PostgreSQL): the most replication slots named {@code tb_bench_*} in
 *       {@code pg_replication_slots} at once, sampled every second; {@code walsenders}: the most
 *       of them with an active WAL sender at once; {@code max_replication_slots} and {@code
 *       slots_of_others_before} (slots of every other client when the case started).
 *   <li>{@code binlog_connections} (MariaDB): the most {@code Binlog Dump} connections of this
 *       JVM in {@code information_schema.PROCESSLIST} at once, sampled every second (a connection
 *       is this JVM's if its client port, in {@code HOST}, is the local port of one of the JVM's
 *       TCP connections to the server); {@code binlog_dumps_before} and {@code binlog_dumps_max}:
 *       every client's before the pipeline started and at most during the run.
 *   <li>{@code seconds} = {@code run()} to the last "r" event's arrival (the snapshot's end);
 *       {@code snapshot_seconds} = first to last "r" event; {@code snapshot_rows_per_sec} = the
 *       snapshot's distinct rows ({@code rows_read}: the tables, plus rows the writer inserted
 *       before their chunk was read) / {@code snapshot_seconds}; {@code first_row_ms} = {@code
 *       run()} to the first "r" event; {@code snapshot_missing} = original rows never read;
 *       {@code snapshot_duplicates} = extra "r" events of a row.
 *   <li>Latency = a change's first arrival in the downstream DoFn - its commit returned in the
 *       writer. {@code lag_p50_ms}, {@code lag_p99_ms}, {@code lag_max_ms} over the {@code
 *       lag_changes} changes committed after the snapshot's end (the stream after the handoff,
 *       the tail of the backlog included); {@code settled_lag_p50_ms}, {@code settled_lag_p99_ms}
 *       over those committed in the second half of the {@code post_s} window; {@code
 *       backlog_changes} = changes committed before the snapshot's end that it did not see, {@code
 *       backlog_lag_max_ms} their largest latency; {@code first_change_ms} = snapshot's end to the
 *       first change's arrival (negative: a change came before the last "r" event).
 *   <li>Exactly once, after the load stopped and every change arrived (at most {@code
 *       bench.drainTimeoutSeconds}, 60) plus 2 s: a transaction is seen by the snapshot if the "r"
 *       row of its key shows it or a later one; {@code lost} = transactions neither seen by the
 *       snapshot nor arrived; {@code duplicates} = extra arrivals of a change plus arrivals of
 *       changes the snapshot had seen ({@code repeated_from_snapshot}, included); {@code
 *       unexpected} = events that fit no transaction of the case.
 *   <li>Replay: each table's output replayed by position into a replica (as the tests' {@code
 *       ChangeReplica}: the "r" rows, then the changes in {@link PositionOrder}; an insert must
 *       find its key absent, an update must find its key present, and its before image, when
 *       the envelope has one, equal to the replica's row), then compared with the table: {@code
 *       tables_equal} = tables whose replica equals the table, {@code final_state_mismatches} =
 *       keys that differ or are on one side only, {@code replay_violations} = changes that did not
 *       fit the replica.
 *   <li>{@code walsender_cpu_seconds} (PostgreSQL): CPU seconds (utime + stime of {@code
 *       /proc/<pid>/stat}) of the WAL senders serving the {@code tb_bench_*} slots from the
 *       snapshot's end to the load's end ({@code streaming_seconds}; a WAL sender first seen in
 *       that window counts whole), {@code walsender_cpu_pct} = that over {@code
 *       streaming_seconds} in % of one core; {@code walsender_cpu_seconds_total}: their CPU from
 *       their start to the load's end.
 *   <li>Load: {@code transactions} committed, {@code achieved_tx_per_s}, {@code changes} arrived
 *       (distinct), {@code inserts}, {@code updates}, {@code load_skipped_slots}.
 *   <li>{@code build_seconds}, {@code peak_heap_mb} (sampled every 250 ms), {@code peak_rss_mb}
 *       (VmHWM), {@code jvm_seconds}, {@code runner_options}, {@code load_avg_start} and {@code
 *       load_avg_end} (the machine's 1-minute load average at {@code run()} and at the load's end).
 * </ul>
 *
 * <p>System properties (defaults): {@code bench.timeoutSeconds} (900; past it the case prints an
 * error and the JVM halts), {@code bench.chunkSize} (50000), {@code bench.txPerSecond} (200),
 * {@code bench.insertPercent} (50), {@code bench.preloadSeconds} (2), {@code bench.postSeconds}
 * (20), {@code bench.drainTimeoutSeconds} (60).
 */
public final class TablesBench {
  private TablesBench() {}

  static final String ONE_SLOT = BenchTables.PREFIX + "tables";
  static final List<String> RUNNERS = List.of("direct", "flink");
  static final List<String> SHAPES = List.of("one", "per-table");
  private static final int NONE = -1; // no before image / key absent
  private static final int UNPARSED = -2;

  // ---- state shared with the DoFns (same JVM: Direct runner, Flink's embedded cluster) ----

  /** Key index of (table, id): base[table] + id for original ids, else originalKeys + tx. */
  static volatile long[] base = new long[1];

  static volatile long originalKeys;
  /** Per key: "r" events, and the transaction the first one shows (0: the original row). */
  static volatile AtomicIntegerArray reads = new AtomicIntegerArray(1);

  static volatile AtomicIntegerArray readTx = new AtomicIntegerArray(1);
  /** Per transaction: first arrival of its change (ms), arrivals; and its table (writer's). */
  static volatile AtomicLongArray changeArrival = new AtomicLongArray(1);

  static volatile AtomicIntegerArray changeArrivals = new AtomicIntegerArray(1);
  static volatile AtomicIntegerArray txTable = new AtomicIntegerArray(1);
  static final ConcurrentLinkedQueue<Change> CHANGE_LOG = new ConcurrentLinkedQueue<>();
  static final AtomicLong READS = new AtomicLong();
  static final AtomicLong ORIGINAL_READ = new AtomicLong();
  static final AtomicLong FIRST_READ = new AtomicLong(Long.MAX_VALUE);
  static final AtomicLong LAST_READ = new AtomicLong();
  static final AtomicLong CHANGES = new AtomicLong();
  static final AtomicLong FIRST_CHANGE = new AtomicLong(Long.MAX_VALUE);
  static final AtomicLong UNEXPECTED = new AtomicLong();

  /** A change as it arrived: table (0-based), id, op, before's and after's transaction. */
  record Change(int table, long id, String op, int before, int after, String position) {}

  /** The key index of (table, id), or -1 if the id is neither original nor the benchmark's. */
  static int key(int table, long id) {
    if (id > BenchTables.INSERT_BASE) {
      long tx = id - BenchTables.INSERT_BASE;
      return tx < changeArrival.length() ? (int) (originalKeys + tx) : -1;
    }
    long[] b = base;
    return id >= 1 && b[table] + id < b[table + 1] ? (int) (b[table] + id) : -1;
  }

  /** The transaction a value shows: 0 for {@code row-<id>}, n for {@code tx-<n>}. */
  static int tx(String v, long id) {
    if (v == null) {
      return UNPARSED;
    }
    if (v.startsWith("tx-")) {
      return Integer.parseInt(v.substring(3));
    }
    return v.equals("row-" + id) ? 0 : UNPARSED;
  }

  /** The last step of each table's output: records "r" events per key and changes per tx. */
  static final class RecordEventFn extends DoFn<Row, Void> {
    private static final long serialVersionUID = 1L;
    private final int table;

    RecordEventFn(int table) {
      this.table = table;
    }

    @ProcessElement
    public void process(@Element Row event) {
      long now = System.currentTimeMillis();
      String op = event.getString("op");
      Row after = event.getRow("after");
      Long id = after == null ? null : after.getInt64("id");
      int k = id == null ? -1 : key(table, id);
      int tx = id == null ? UNPARSED : tx(after.getString("v"), id);
      if (k < 0 || tx == UNPARSED) {
        UNEXPECTED.incrementAndGet();
        return;
      }
      if ("r".equals(op)) {
        if (reads.getAndIncrement(k) == 0) {
          readTx.set(k, tx);
          if (k < originalKeys) {
            ORIGINAL_READ.incrementAndGet();
          }
        }
        READS.incrementAndGet();
        FIRST_READ.accumulateAndGet(now, Math::min);
        LAST_READ.accumulateAndGet(now, Math::max);
        return;
      }
      if (!("c".equals(op) || "u".equals(op)) || tx == 0 || txTable.get(tx) != table + 1) {
        UNEXPECTED.incrementAndGet();
        return;
      }
      Row before = event.getRow("before");
      int beforeTx = before == null ? NONE : tx(before.getString("v"), id);
      CHANGE_LOG.add(new Change(table, id, op, beforeTx, tx, event.getString("position")));
      if (changeArrivals.getAndIncrement(tx) == 0) {
        changeArrival.set(tx, now);
        FIRST_CHANGE.accumulateAndGet(now, Math::min);
        CHANGES.incrementAndGet();
      }
    }
  }

  public static void main(String[] args) {
    PrintStream json = BenchSupport.takeStdout();
    if (args.length == 2 && args[0].equals("cleanup")) {
      try {
        System.exit(dropSlots(BenchDatabase.parse(args[1])) ? 0 : 1);
      } catch (Throwable t) {
        t.printStackTrace(System.err);
        System.exit(1);
      }
    }
    if (args.length < 5) {
      System.err.println(
          "usage: TablesBench <postgres|mariadb> <direct|flink> <one|per-table> <tables>"
              + " <parallelism> [pipeline options...]\n"
              + "       TablesBench cleanup <postgres|mariadb>");
      System.exit(2);
    }
    Map<String, Object> line = new LinkedHashMap<>();
    line.put("bench", "tables");
    line.put("db", args[0]);
    line.put("runner", args[1]);
    line.put("shape", args[2]);
    line.put("tables", Integer.parseInt(args[3]));
    line.put("parallelism", Integer.parseInt(args[4]));
    BenchSupport.startWatchdog(
        line,
        () -> " (" + READS.get() + " rows read, " + CHANGES.get() + " changes arrived)",
        BenchSupport::log,
        timedOut -> BenchSupport.finishWithPeakHeap(json, timedOut));
    boolean ok = false;
    BenchDatabase db = null;
    try {
      db = BenchDatabase.parse(args[0]);
      String runner = args[1].toLowerCase(Locale.ROOT);
      String shape = args[2].toLowerCase(Locale.ROOT);
      if (!RUNNERS.contains(runner) || !SHAPES.contains(shape)) {
        throw new IllegalArgumentException("runner " + RUNNERS + ", shape " + SHAPES);
      }
      int tables = Integer.parseInt(args[3]);
      if (tables < 1 || tables > BenchTables.COUNT) {
        throw new IllegalArgumentException("tables: 1 to " + BenchTables.COUNT);
      }
      BenchSupport.startHeapSampler();
      new Case(db, runner, shape, tables, Integer.parseInt(args[4]),
          Arrays.asList(args).subList(5, args.length), line).run();
      ok = true;
    } catch (Throwable t) {
      BenchSupport.recordFailure(line, t);
    }
    if (db != null && db.isPostgres()) {
      try {
        line.put("slots_dropped", dropSlots(db));
      } catch (Throwable t) {
        BenchSupport.log("cannot drop the slots: " + t);
        line.put("slots_dropped", false);
      }
    }
    BenchSupport.finishWithPeakHeap(json, line);
    System.exit(ok ? 0 : 1);
  }

  /** PostgreSQL: drops every slot and publication named tb_bench_*; true if none is left. */
  static boolean dropSlots(BenchDatabase db) throws Exception {
    if (!db.isPostgres()) {
      return true;
    }
    List<String> names = new ArrayList<>();
    try (Connection c = db.connect();
        PreparedStatement s = c.prepareStatement(
            "SELECT slot_name FROM pg_replication_slots WHERE slot_name LIKE ?"
                + " UNION SELECT pubname FROM pg_publication WHERE pubname LIKE ?")) {
      String like = BenchTables.PREFIX.replace("_", "\\_") + "%";
      s.setString(1, like);
      s.setString(2, like);
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          names.add(rs.getString(1));
        }
      }
    }
    boolean all = true;
    for (String name : names) {
      all &= BenchSupport.dropSlot(db, name, 30);
    }
    return all;
  }

  /** One case: tables, load, pipeline, figures. */
  private static final class Case {
    private final BenchDatabase db;
    private final String runner;
    private final String shape;
    private final int tables;
    private final int parallelism;
    private final List<String> extra;
    private final Map<String, Object> line;
    private final int rate = Integer.getInteger("bench.txPerSecond", 200);
    private final int insertPercent = Integer.getInteger("bench.insertPercent", 50);
    private final int preloadSeconds = Integer.getInteger("bench.preloadSeconds", 2);
    private final int postSeconds = Integer.getInteger("bench.postSeconds", 20);
    private final int drainSeconds = Integer.getInteger("bench.drainTimeoutSeconds", 60);
    private final long timeoutSeconds = Long.getLong("bench.timeoutSeconds", 900L);

    Case(BenchDatabase db, String runner, String shape, int tables, int parallelism,
        List<String> extra, Map<String, Object> line) {
      this.db = db;
      this.runner = runner;
      this.shape = shape;
      this.tables = tables;
      this.parallelism = parallelism;
      this.extra = extra;
      this.line = line;
    }

    void run() throws Exception {
      int chunkSize = Integer.getInteger("bench.chunkSize", SnapshotOptions.DEFAULT_CHUNK_SIZE);
      long rows = BenchTables.rows(tables);
      line.put("sources", shape.equals("one") ? 1 : tables);
      line.put("rows", rows);
      line.put("chunk_size", chunkSize);
      line.put("load_tx_per_s", rate);
      line.put("insert_percent", insertPercent);
      int maxTx = (int) Math.min(Integer.MAX_VALUE / 4, (long) rate * (timeoutSeconds + 60) + 16);
      long[] b = new long[tables + 1];
      for (int t = 0; t < tables; t++) {
        b[t + 1] = b[t] + BenchTables.size(t + 1) + 1;
      }
      base = b;
      originalKeys = b[tables];
      int keys = (int) (originalKeys + maxTx + 1);
      reads = new AtomicIntegerArray(keys);
      readTx = new AtomicIntegerArray(keys);
      changeArrival = new AtomicLongArray(maxTx);
      changeArrivals = new AtomicIntegerArray(maxTx);
      txTable = new AtomicIntegerArray(maxTx);

      if (!dropSlots(db)) {
        throw new IllegalStateException("a replication slot " + BenchTables.PREFIX + "* is still"
            + " active (another pipeline holds it)");
      }
      long r0 = System.nanoTime();
      BenchTables.reset(db);
      line.put("reset_seconds", round((System.nanoTime() - r0) / 1e9, 1));

      long b0 = System.nanoTime();
      Pipeline pipeline = pipeline(chunkSize);
      line.put("build_seconds", round((System.nanoTime() - b0) / 1e9, 3));

      try (LogReaderProbe probe = new LogReaderProbe(db, BenchTables.PREFIX)) {
        if (db.isPostgres()) {
          line.put("max_replication_slots", probe.maxReplicationSlots());
          line.put("slots_of_others_before", probe.allSlots());
        } else {
          line.put("binlog_dumps_before", probe.binlogDumps());
        }
        probe.start();
        Writer writer = new Writer(db, rate, insertPercent, tables, maxTx);
        writer.start();
        Thread.sleep(preloadSeconds * 1000L);
        writer.checkFailure();
        try {
          runCase(pipeline, writer, probe);
        } finally {
          writer.stop();
        }
      }
    }

    private Pipeline pipeline(int chunkSize) {
      String parallelismOption =
          runner.equals("direct")
              ? "--targetParallelism=" + parallelism
              : "--parallelism=" + parallelism;
      List<String> more = new ArrayList<>();
      more.add(parallelismOption);
      more.addAll(extra);
      List<String> options = BenchSupport.streamingOptionArgs(runner, more);
      BenchSupport.log("pipeline options: " + options);
      line.put("runner_options", String.join(" ", options));
      PipelineOptions pipelineOptions =
          PipelineOptionsFactory.fromArgs(options.toArray(String[]::new)).withValidation().create();
      pipelineOptions.setJobName("bench-tables-" + db.id + "-" + runner + "-" + shape);
      Pipeline pipeline = Pipeline.create(pipelineOptions);

      ConnectionConfiguration connection =
          ConnectionConfiguration.create(db.url).withUsername(db.user);
      if (db.password != null) {
        connection = connection.withPassword(db.password);
      }
      SnapshotOptions snapshot = SnapshotOptions.byPrimaryKey().withChunkSize(chunkSize);
      List<String> names = new ArrayList<>();
      for (int i = 1; i <= tables; i++) {
        names.add(db.namespace + "." + BenchTables.name(i));
      }
      if (shape.equals("one")) {
        PCollectionRowTuple outputs = pipeline.apply("HeliosDbIO tables",
            HeliosDbIO.readTables()
                .withConnection(connection)
                .withTables(names)
                .withSnapshot(snapshot)
                .withParallelism(parallelism)
                .withCdc(CdcOptions.create().withSlotName(ONE_SLOT)));
        for (int t = 0; t < tables; t++) {
          outputs.get(names.get(t))
              .apply("Record " + names.get(t), ParDo.of(new RecordEventFn(t)));
        }
      } else {
        for (int t = 0; t < tables; t++) {
          PCollection<Row> output = pipeline.apply("HeliosDbIO " + names.get(t),
              HeliosDbIO.read()
                  .withConnection(connection)
                  .withTable(names.get(t))
                  .withSnapshot(snapshot)
                  .withParallelism(parallelism)
                  .withCdc(CdcOptions.create().withSlotName(
                      String.format("%ss%02d", BenchTables.PREFIX, t + 1))));
          output.apply("Record " + names.get(t), ParDo.of(new RecordEventFn(t)));
        }
      }
      return pipeline;
    }

    private void runCase(Pipeline pipeline, Writer writer, LogReaderProbe probe) throws Exception {
      long t0 = System.currentTimeMillis();
      line.put("load_avg_start", HandoffBench.loadAverage());
      PipelineResult result = pipeline.run();
      long loadEnd;
      Map<Integer, Long> cpuStart = Map.of();
      Map<Integer, Long> cpuEnd = Map.of();
      try {
        // 1. the snapshot: every original row read, and a stream delivering
        long deadline = t0 + timeoutSeconds * 1000L;
        long lastReport = 0;
        while (ORIGINAL_READ.get() < originalKeys - tables || CHANGES.get() == 0) {
          long now = System.currentTimeMillis();
          if (now > deadline) {
            throw new IllegalStateException("the snapshot did not complete");
          }
          if (now - lastReport >= 5_000) {
            lastReport = now;
            BenchSupport.log(String.format("snapshot: %d of %d rows read, %d changes, %d tx"
                    + " committed, heap %d MB", ORIGINAL_READ.get(), originalKeys - tables,
                CHANGES.get(), writer.committed.get(), BenchSupport.usedHeapMb()));
            BenchSupport.checkRunning(result);
            writer.checkFailure();
          }
          Thread.sleep(20);
        }
        long snapshotEnd = LAST_READ.get();
        if (db.isPostgres()) {
          cpuStart = probe.cpuTicks();
        }
        BenchSupport.log(String.format("snapshot done after %.1f s; streaming for %d s",
            (snapshotEnd - t0) / 1000.0, postSeconds));
        // 2. the stream under load for postSeconds after the snapshot's end
        while (System.currentTimeMillis() < snapshotEnd + postSeconds * 1000L) {
          Thread.sleep(250);
          BenchSupport.checkRunning(result);
          writer.checkFailure();
        }
        if (db.isPostgres()) {
          cpuEnd = probe.cpuTicks();
        }
        line.put("load_avg_end", HandoffBench.loadAverage());
        writer.stop();
        loadEnd = System.currentTimeMillis();
        if (db.isPostgres()) {
          line.put("streaming_seconds", round((loadEnd - snapshotEnd) / 1000.0, 1));
        }
        // 3. drain
        long drainEnd = loadEnd + drainSeconds * 1000L;
        long pending = pending(writer);
        while (pending > 0 && System.currentTimeMillis() < drainEnd) {
          BenchSupport.checkRunning(result);
          Thread.sleep(100);
          pending = pending(writer);
        }
        BenchSupport.log(pending == 0 ? "every change arrived"
            : pending + " changes still missing after " + drainSeconds + " s of drain");
        Thread.sleep(2000); // late duplicates
      } finally {
        BenchSupport.cancel(result, BenchSupport::log);
      }
      logReaders(probe, cpuStart, cpuEnd);
      figures(writer, t0, loadEnd);
      replay();
    }

    private void logReaders(
        LogReaderProbe probe, Map<Integer, Long> cpuStart, Map<Integer, Long> cpuEnd)
        throws SQLException {
      if (db.isPostgres()) {
        line.put("slots_held", probe.maxSlots());
        line.put("walsenders", probe.maxWalSenders());
        double cpu = LogReaderProbe.cpuSeconds(cpuStart, cpuEnd);
        line.put("walsender_cpu_seconds", round(cpu, 2));
        Object streaming = line.get("streaming_seconds");
        if (streaming instanceof Double s && s > 0) {
          line.put("walsender_cpu_pct", round(100 * cpu / s, 1));
        }
        line.put("walsender_cpu_seconds_total",
            round(LogReaderProbe.cpuSeconds(Map.of(), cpuEnd), 2));
      } else {
        line.put("binlog_dumps_max", probe.maxBinlogDumps());
        line.put("binlog_connections", probe.maxOwnBinlogDumps());
      }
    }

    /** Committed transactions neither seen by the snapshot nor arrived. */
    private long pending(Writer writer) {
      long pending = 0;
      for (int tx = 1; tx <= writer.maxSeq(); tx++) {
        if (writer.commits.get(tx) != 0 && changeArrivals.get(tx) == 0
            && !seenBySnapshot(writer, tx)) {
          pending++;
        }
      }
      return pending;
    }

    /** Whether the "r" row of the transaction's key shows it or a later one (one writer). */
    private boolean seenBySnapshot(Writer writer, int tx) {
      int k = key(txTable.get(tx) - 1, writer.ids.get(tx));
      return reads.get(k) > 0 && readTx.get(k) >= tx;
    }

    private void figures(Writer writer, long t0, long loadEnd) {
      long snapshotEnd = LAST_READ.get();
      long distinct = 0;
      for (int k = 0; k < reads.length(); k++) {
        if (reads.get(k) > 0) {
          distinct++;
        }
      }
      double snapshotSeconds = (snapshotEnd - FIRST_READ.get()) / 1000.0;
      line.put("seconds", round((snapshotEnd - t0) / 1000.0, 3));
      line.put("snapshot_seconds", round(snapshotSeconds, 3));
      line.put("snapshot_rows_per_sec", Math.round(distinct / snapshotSeconds));
      line.put("rows_read", distinct);
      line.put("first_row_ms", FIRST_READ.get() - t0);
      line.put("snapshot_missing", originalKeys - tables - ORIGINAL_READ.get());
      line.put("snapshot_duplicates", READS.get() - distinct);
      line.put("first_change_ms", FIRST_CHANGE.get() - snapshotEnd);

      long lost = 0;
      long duplicates = 0;
      long repeated = 0;
      long backlog = 0;
      long backlogLagMax = 0;
      long committed = 0;
      long changes = 0;
      List<Long> lags = new ArrayList<>();
      List<Long> settled = new ArrayList<>();
      long settledFrom = snapshotEnd + postSeconds * 500L;
      List<Integer> lostTx = new ArrayList<>();
      for (int tx = 1; tx <= writer.maxSeq(); tx++) {
        long commit = writer.commits.get(tx);
        if (commit == 0) {
          continue;
        }
        committed++;
        int n = changeArrivals.get(tx);
        if (n > 0) {
          changes++;
        }
        if (seenBySnapshot(writer, tx)) {
          repeated += n;
          duplicates += n;
          continue;
        }
        if (n == 0) {
          lost++;
          if (lostTx.size() < 20) {
            lostTx.add(tx);
          }
          continue;
        }
        duplicates += n - 1;
        long lag = changeArrival.get(tx) - commit;
        if (commit < snapshotEnd) {
          backlog++;
          backlogLagMax = Math.max(backlogLagMax, lag);
        } else if (commit <= loadEnd) {
          lags.add(lag);
          if (commit >= settledFrom) {
            settled.add(lag);
          }
        }
      }
      line.put("post_s", postSeconds);
      putPercentiles("lag", lags);
      line.put("lag_changes", lags.size());
      putPercentiles("settled_lag", settled);
      line.put("backlog_changes", backlog);
      line.put("backlog_lag_max_ms", backlogLagMax);
      line.put("changes", changes);
      line.put("lost", lost);
      line.put("duplicates", duplicates);
      line.put("repeated_from_snapshot", repeated);
      line.put("unexpected", UNEXPECTED.get());
      line.put("transactions", committed);
      double loadSeconds = (writer.endMillis() - writer.startMillis) / 1000.0;
      line.put("achieved_tx_per_s", round(committed / loadSeconds, 1));
      line.put("inserts", writer.inserts.get());
      line.put("updates", writer.updates.get());
      line.put("load_skipped_slots", writer.skipped.get());
      if (!lostTx.isEmpty()) {
        BenchSupport.log("lost transactions (first 20): " + lostTx);
      }
      BenchSupport.log(String.format("snapshot %d rows in %.1f s (%d rows/s); lag p50/p99 %s/%s"
              + " ms over %d changes; backlog %d; lost %d, duplicates %d", distinct,
          snapshotSeconds, Math.round(distinct / snapshotSeconds), line.get("lag_p50_ms"),
          line.get("lag_p99_ms"), lags.size(), backlog, lost, duplicates));
    }

    /** The table (0-based) of an original key. */
    private int tableOf(int k) {
      int t = 0;
      while (base[t + 1] <= k) {
        t++;
      }
      return t;
    }

    private void putPercentiles(String name, List<Long> values) {
      if (values.isEmpty()) {
        return;
      }
      long[] sorted = values.stream().mapToLong(Long::longValue).sorted().toArray();
      line.put(name + "_p50_ms", percentile(sorted, 0.50));
      line.put(name + "_p99_ms", percentile(sorted, 0.99));
      if (name.equals("lag")) {
        line.put("lag_max_ms", sorted[sorted.length - 1]);
      }
    }

    /**
     * Replays each table's output by position into a replica and compares it with the table: the
     * "r" rows first, then the changes in {@link PositionOrder}, each checked against the replica.
     */
    private void replay() throws SQLException {
      int[] replica = new int[reads.length()];
      Arrays.fill(replica, NONE);
      for (int k = 0; k < replica.length; k++) {
        if (reads.get(k) > 0) {
          replica[k] = readTx.get(k);
        }
      }
      List<Change> changes = new ArrayList<>(CHANGE_LOG);
      changes.sort(Comparator.comparing(Change::position, PositionOrder.INSTANCE));
      long violations = 0;
      List<String> examples = new ArrayList<>();
      for (Change c : changes) {
        int k = key(c.table(), c.id());
        boolean fits = c.op().equals("c")
            ? replica[k] == NONE
            : replica[k] != NONE && (c.before() == NONE || c.before() == replica[k]);
        if (!fits) {
          violations++;
          if (examples.size() < 10) {
            examples.add(c + " on replica tx " + replica[k]);
          }
        }
        replica[k] = c.after();
      }
      long[] tableMismatches = new long[tables];
      boolean[] inTable = new boolean[replica.length];
      try (Connection c = db.connect(); Statement s = c.createStatement()) {
        for (int t = 0; t < tables; t++) {
          try (ResultSet rs = s.executeQuery("SELECT id, v FROM " + BenchTables.name(t + 1))) {
            while (rs.next()) {
              long id = rs.getLong(1);
              int k = key(t, id);
              if (k >= 0) {
                inTable[k] = true;
              }
              if (k < 0 || (k > originalKeys && txTable.get(k - (int) originalKeys) != t + 1)
                  || replica[k] != tx(rs.getString(2), id)) {
                tableMismatches[t]++;
                if (examples.size() < 10) {
                  examples.add(BenchTables.name(t + 1) + " id " + id + ": table "
                      + rs.getString(2) + ", replica tx " + (k < 0 ? "-" : replica[k]));
                }
              }
            }
          }
        }
      }
      // keys in the replica but not in their table
      for (int k = 1; k < replica.length; k++) {
        if (!inTable[k] && replica[k] != NONE) {
          int t = k > originalKeys ? txTable.get(k - (int) originalKeys) - 1 : tableOf(k);
          tableMismatches[t]++;
          if (examples.size() < 10) {
            examples.add(BenchTables.name(t + 1) + " key " + k + ": not in the table, replica tx "
                + replica[k]);
          }
        }
      }
      long mismatches = Arrays.stream(tableMismatches).sum();
      int equal = (int) Arrays.stream(tableMismatches).filter(m -> m == 0).count();
      line.put("tables_equal", equal);
      line.put("final_state_mismatches", mismatches);
      line.put("replay_violations", violations);
      BenchSupport.log(String.format("replay by position: %d of %d tables equal their output, %d"
          + " keys differ, %d changes did not fit%s", equal, tables, mismatches, violations,
          examples.isEmpty() ? "" : " e.g. " + examples));
    }
  }

  /** The load on the case's tables: each transaction on a random one of them. */
  private static final class Writer extends ScheduledWriter {
    private final int tables;
    private final PreparedStatement[] insert;
    private final PreparedStatement[] update;

    Writer(BenchDatabase db, int rate, int insertPercent, int tables, int maxSeq) {
      super(db, rate, insertPercent, maxSeq);
      this.tables = tables;
      this.insert = new PreparedStatement[tables];
      this.update = new PreparedStatement[tables];
    }

    @Override
    protected void open(Connection c) throws SQLException {
      for (int t = 0; t < tables; t++) {
        String name = BenchTables.name(t + 1);
        insert[t] = c.prepareStatement("INSERT INTO " + name + " (id, v) VALUES (?, ?)");
        update[t] = c.prepareStatement("UPDATE " + name + " SET v = ? WHERE id = ?");
      }
    }

    @Override
    protected long nextId(int tx, boolean isInsert) {
      int t = random.nextInt(tables);
      txTable.set(tx, t + 1); // before the change can arrive
      return isInsert ? BenchTables.INSERT_BASE + tx : 1 + random.nextLong(BenchTables.size(t + 1));
    }

    @Override
    protected void execute(int tx, long id, boolean isInsert) throws SQLException {
      int t = txTable.get(tx) - 1;
      PreparedStatement s = isInsert ? insert[t] : update[t];
      s.setString(isInsert ? 2 : 1, "tx-" + tx);
      s.setLong(isInsert ? 1 : 2, id);
      if (s.executeUpdate() != 1) {
        throw new IllegalStateException("transaction " + tx + " changed no row");
      }
    }
  }
}
