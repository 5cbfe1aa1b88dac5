package io.heliosdb.bench;

import static io.heliosdb.bench.BenchSupport.percentile;
import static io.heliosdb.bench.BenchSupport.round;

import io.heliosdb.beam.CdcOptions;
import io.heliosdb.beam.ConnectionConfiguration;
import io.heliosdb.beam.HeliosDbIO;
import io.heliosdb.beam.SnapshotOptions;
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
import java.util.TreeMap;
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
import org.apache.beam.sdk.values.Row;

/**
 * One case of the snapshot-then-CDC benchmark, run in a fresh JVM by {@code runners-it/bench.sh
 * handoff}: reads the table {@code bench_handoff} under a steady write load, either in plain
 * snapshot mode or in snapshot-then-CDC mode, and prints one JSON line to stdout.
 *
 * <pre>
 * HandoffBench &lt;postgres|mariadb&gt; &lt;direct|flink&gt; &lt;snapshot|snapshot-streaming|handoff&gt;
 *     &lt;parallelism&gt; &lt;rows&gt; [extra pipeline options...]
 * HandoffBench cleanup &lt;postgres|mariadb&gt;   drops the slot and publication bench_handoff
 * </pre>
 *
 * <p><b>Table.</b> Every case first recreates {@code bench_handoff} as a copy of the snapshot
 * benchmark's table ({@link SnapshotTable#tableName(long)} of {@code rows} rows, prepared by
 * bench.sh with {@code SnapshotTable prepare}): same columns, {@code id} primary key, ids 1..rows
 * (PostgreSQL: {@code CREATE TABLE (LIKE ...)}, {@code INSERT ... SELECT}, primary key, {@code
 * VACUUM ANALYZE}; MariaDB: {@code CREATE TABLE ... LIKE}, {@code INSERT ... SELECT} with the
 * binary log off for the copy), so that every case reads the same table in the same state. On
 * PostgreSQL the replication slot and publication {@code bench_handoff} are dropped before and
 * after each case.
 *
 * <p><b>Write load.</b> One writer thread on its own autocommit connection runs single-row
 * transactions on a fixed schedule of {@code bench.txPerSecond} (200) slots per second (more
 * than 1 s behind it, e.g. starved of CPU, the writer drops the missed slots instead of catching
 * up in a burst: {@code load_skipped_slots}), from
 * {@code bench.preloadSeconds} (2) before {@code run()} until the end of the case; {@code
 * bench.insertPercent} (50) of the slots, spread evenly, insert a new row (ids rows+1, rows+2,
 * ...), the others update a uniformly random row of 1..rows ({@code SET qty = ?, updated_at =
 * CURRENT_TIMESTAMP}). Transaction number {@code n} (1, 2, ...) writes {@code qty = -n}, so every
 * change and every snapshot row tells which transaction it shows (original rows have {@code qty >=
 * 0}); the writer records {@code System.currentTimeMillis()} right after each commit returns. One
 * writer, so on each key the transaction numbers follow the commit order.
 *
 * <p><b>Mode {@code snapshot}</b>: {@code HeliosDbIO.read().withSnapshot(byPrimaryKey()
 * .withChunkSize(bench.chunkSize)).withParallelism(p)}, a bounded pipeline (Direct {@code
 * --targetParallelism=p}; Flink {@code --parallelism=p}, batch), then a DoFn that records each
 * row's arrival. {@code seconds} = {@code run()} to the last row's arrival, {@code rows_per_sec} =
 * distinct ids read / seconds; {@code finish_seconds} = {@code run()} to {@code
 * waitUntilFinish()}; {@code snapshot_missing} = ids 1..rows never read, {@code
 * snapshot_duplicates} = extra reads of an id. <b>Mode {@code snapshot-streaming}</b>: the same
 * read with the streaming options of the handoff case (to tell the cost of streaming mode from
 * that of consistent reads); Flink keeps a streaming job running after its
 * bounded sources finish, so this case waits for every original id and 2 s without a new row,
 * then cancels the job ({@code finish_seconds} is left out).
 *
 * <p><b>Mode {@code handoff}</b>: the same read {@code .withCdc(CdcOptions.create()
 * .withSlotName("bench_handoff"))} (streaming: Direct {@code --streaming=true --blockOnRun=false
 * --targetParallelism=p}; Flink {@code --streaming=true --attachedMode=false
 * --checkpointingInterval=1000 --parallelism=p}). The DoFn records the arrival of each "r" event
 * per id (and the transaction its row shows) and of each change per transaction number.
 *
 * <ul>
 *   <li>Snapshot: {@code seconds} = {@code run()} to the last "r" event's arrival (the snapshot's
 *       end), {@code rows_per_sec} = distinct ids read as "r" / seconds, {@code first_row_ms};
 *       {@code snapshot_missing}, {@code snapshot_duplicates} as above.
 *   <li>Catch-up: {@code lag} of a change = its first arrival - its commit. {@code catch_up_ms} =
 *       from the snapshot's end to the arrival of the last change whose lag was at least {@code
 *       bench.lagThresholdMs} (1000), 0 if none arrived after the snapshot's end: from then on
 *       every change arrived within the threshold ({@code
 *       lag_first_below_ms}: to the first arrival with a lag under the threshold, when the
 *       backlog had drained; a later stall can push {@code catch_up_ms} past it). The case keeps the load on until that has
 *       held for {@code bench.postSeconds} (30) with no change older than the threshold still
 *       missing (or gives up {@code bench.catchUpTimeoutSeconds}, 300, after the snapshot's end:
 *       {@code caught_up} false). {@code lag_p50_ms}, {@code lag_p99_ms}, {@code lag_max_ms} over
 *       the {@code lag_changes} changes arriving in the {@code post_s} seconds after catch-up
 *       ({@code settled_lag_p50_ms}, {@code settled_lag_p99_ms}, {@code settled_lag_max_ms}: over
 *       the second half of that window only, past the tail of the backlog);
 *       {@code backlog_changes} = changes committed before the snapshot's end that the snapshot
 *       did not see (what the stream had to catch up on), {@code catch_up_lag_max_ms} = the
 *       largest lag after the snapshot's end, {@code first_change_ms} = snapshot's end to the
 *       first change's arrival (negative if a change came before the last "r" row).
 *   <li>Exactly once, after the load stopped and every change arrived (at most {@code
 *       bench.drainTimeoutSeconds}, 60) plus 2 s: a committed transaction is seen by the snapshot
 *       if the "r" row of its key shows it or a later one; {@code lost} = transactions neither
 *       seen by the snapshot nor arrived as a change; {@code duplicates} = extra arrivals of a
 *       change plus arrivals of changes the snapshot had already seen ({@code
 *       repeated_from_snapshot}, included); {@code final_state_mismatches} = ids whose row in the
 *       table ({@code id, qty} at the end) differs from the output replayed by position (per
 *       id, the event of the latest transaction wins), or present on one side only; {@code
 *       arrival_order_mismatches} = the same against the output replayed in arrival order (the
 *       last event per id to reach the DoFn wins: Beam does not order a PCollection, so this
 *       counts keys whose changes overtook one another); {@code unexpected} = events that
 *       fit no transaction (other ops, qty of no transaction).
 *   <li>Load: {@code transactions} committed in all, {@code achieved_tx_per_s}, {@code
 *       tx_during_snapshot} (committed between {@code run()} and the snapshot's end), {@code
 *       tx_seen_by_snapshot}, {@code changes} arrived (distinct).
 * </ul>
 *
 * <p>All modes: {@code build_seconds}, {@code prepare_seconds} (table copy), {@code peak_heap_mb}
 * (sampled every 250 ms), {@code peak_rss_mb}, {@code jvm_seconds}, {@code runner_options}, {@code load_avg_start} and {@code
 * load_avg_end} (the machine's 1-minute load average at {@code run()} and at the end of the
 * measurement: other work on the machine shows there).
 *
 * <p>System properties (defaults): {@code bench.timeoutSeconds} (900; past it the case prints an
 * error and the JVM halts), {@code bench.chunkSize} (50000), {@code bench.fetchSize} (0 =
 * HeliosDbIO's default), {@code bench.txPerSecond} (200, 0 for no load), {@code
 * bench.insertPercent} (50), {@code bench.preloadSeconds} (2), {@code bench.postSeconds} (30),
 * {@code bench.lagThresholdMs} (1000), {@code bench.catchUpTimeoutSeconds} (300), {@code
 * bench.drainTimeoutSeconds} (60), {@code bench.snapshotLoad} (true: the snapshot modes run under
 * the same load), {@code bench.round} (copied to {@code round}).
 */
public final class HandoffBench {
  private HandoffBench() {}

  static final String TABLE = "bench_handoff";
  static final String SLOT = "bench_handoff";
  static final List<String> RUNNERS = List.of("direct", "flink");
  static final List<String> MODES = List.of("snapshot", "snapshot-streaming", "handoff");

  // ---- state shared with the DoFn (same JVM: Direct runner, Flink's embedded cluster) ----

  /** Ids of the table before the load: 1..originalRows. */
  static volatile long originalRows;

  /** Per id: reads (plain snapshot rows, or "r" events). */
  static volatile AtomicIntegerArray idReads = new AtomicIntegerArray(1);

  /** Per id: qty of the (first) "r" event. */
  static volatile AtomicIntegerArray snapshotQty = new AtomicIntegerArray(1);

  /** Per id: qty of the last event of the id to arrive (replay in arrival order); MIN = none. */
  static volatile AtomicLongArray replayQty = new AtomicLongArray(1);

  /**
   * Per id: the highest transaction number among its events (replay by position: on a key,
   * transaction numbers follow the log's order); 0 = only the original row.
   */
  static volatile AtomicIntegerArray replaySeq = new AtomicIntegerArray(1);

  /** Per transaction number: first arrival of its change (ms) and number of arrivals. */
  static volatile AtomicLongArray changeArrival = new AtomicLongArray(1);

  static volatile AtomicIntegerArray changeArrivals = new AtomicIntegerArray(1);

  static final AtomicLong READS = new AtomicLong();
  static final AtomicLong ORIGINAL_READ = new AtomicLong();
  static final AtomicLong FIRST_READ = new AtomicLong(Long.MAX_VALUE);
  static final AtomicLong LAST_READ = new AtomicLong();
  static final AtomicLong CHANGES = new AtomicLong();
  static final AtomicLong FIRST_CHANGE = new AtomicLong(Long.MAX_VALUE);
  static final AtomicLong UNEXPECTED = new AtomicLong();

  /** The last step of the plain snapshot pipelines: records each row's arrival per id. */
  static final class RecordRowFn extends DoFn<Row, Void> {
    private static final long serialVersionUID = 1L;

    @ProcessElement
    public void process(@Element Row row) {
      long now = System.currentTimeMillis();
      recordRead(row, now);
    }
  }

  /** The last step of the handoff pipeline: records "r" events per id and changes per tx. */
  static final class RecordEventFn extends DoFn<Row, Void> {
    private static final long serialVersionUID = 1L;

    @ProcessElement
    public void process(@Element Row event) {
      long now = System.currentTimeMillis();
      String op = event.getString("op");
      Row after = event.getRow("after");
      if (after == null) {
        UNEXPECTED.incrementAndGet();
        return;
      }
      if ("r".equals(op)) {
        recordRead(after, now);
        return;
      }
      Long id = after.getInt64("id");
      Integer qty = after.getInt32("qty");
      AtomicIntegerArray counts = changeArrivals;
      if (id == null || qty == null || qty >= 0 || -(long) qty >= counts.length()
          || id >= replayQty.length() || id < 1 || !("u".equals(op) || "c".equals(op))) {
        UNEXPECTED.incrementAndGet();
        return;
      }
      int seq = -qty;
      if (counts.getAndIncrement(seq) == 0) {
        changeArrival.set(seq, now);
        FIRST_CHANGE.accumulateAndGet(now, Math::min); // before the count the driver waits for
        CHANGES.incrementAndGet();
      }
      replayQty.set((int) (long) id, qty);
      replaySeq.accumulateAndGet((int) (long) id, seq, Math::max);
    }
  }

  private static void recordRead(Row row, long now) {
    Long boxedId = row.getInt64("id");
    Integer qty = row.getInt32("qty");
    AtomicIntegerArray reads = idReads;
    if (boxedId == null || qty == null || boxedId < 1 || boxedId >= reads.length()) {
      UNEXPECTED.incrementAndGet();
      return;
    }
    int id = (int) (long) boxedId;
    if (reads.getAndIncrement(id) == 0) {
      snapshotQty.set(id, qty);
      if (id <= originalRows) {
        ORIGINAL_READ.incrementAndGet();
      }
    }
    replayQty.set(id, qty);
    if (qty < 0) {
      replaySeq.accumulateAndGet(id, -qty, Math::max);
    }
    READS.incrementAndGet();
    FIRST_READ.accumulateAndGet(now, Math::min);
    LAST_READ.accumulateAndGet(now, Math::max);
  }

  public static void main(String[] args) {
    PrintStream json = BenchSupport.takeStdout();
    BenchSupport.cleanupIfAsked(args, SLOT);
    if (args.length < 5) {
      System.err.println(
          "usage: HandoffBench <postgres|mariadb> <direct|flink> <snapshot|snapshot-streaming|"
              + "handoff> <parallelism> <rows> [pipeline options...]\n"
              + "       HandoffBench cleanup <postgres|mariadb>");
      System.exit(2);
    }
    Map<String, Object> line = new LinkedHashMap<>();
    line.put("bench", "handoff");
    line.put("db", args[0]);
    line.put("runner", args[1]);
    line.put("mode", args[2]);
    String round = System.getProperty("bench.round", "");
    if (!round.isEmpty()) {
      line.put("round", Integer.parseInt(round));
    }
    line.put("parallelism", Integer.parseInt(args[3]));
    line.put("rows", Long.parseLong(args[4]));
    BenchSupport.startWatchdog(
        line,
        () -> " (" + READS.get() + " rows read, " + CHANGES.get() + " changes arrived)",
        HandoffBench::log,
        timedOut -> BenchSupport.finishWithPeakHeap(json, timedOut));

    boolean ok = false;
    BenchDatabase db = null;
    String mode = args[2].toLowerCase(Locale.ROOT);
    try {
      db = BenchDatabase.parse(args[0]);
      String runner = args[1].toLowerCase(Locale.ROOT);
      if (!RUNNERS.contains(runner)) {
        throw new IllegalArgumentException("unknown runner '" + runner + "' " + RUNNERS);
      }
      if (!MODES.contains(mode)) {
        throw new IllegalArgumentException("unknown mode '" + mode + "' " + MODES);
      }
      int parallelism = Integer.parseInt(args[3]);
      long rows = Long.parseLong(args[4]);
      List<String> extra = Arrays.asList(args).subList(5, args.length);
      BenchSupport.startHeapSampler();
      new HandoffBench.Case(db, runner, mode, parallelism, rows, extra, line).run();
      ok = true;
    } catch (Throwable t) {
      BenchSupport.recordFailure(line, t);
    }
    if (db != null && db.isPostgres() && mode.equals("handoff")) {
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

  /** One case: table, load, pipeline, figures. */
  private static final class Case {
    private final BenchDatabase db;
    private final String runner;
    private final String mode;
    private final int parallelism;
    private final long rows;
    private final List<String> extra;
    private final Map<String, Object> line;
    private final int rate = Integer.getInteger("bench.txPerSecond", 200);
    private final int insertPercent = Integer.getInteger("bench.insertPercent", 50);
    private final int preloadSeconds = Integer.getInteger("bench.preloadSeconds", 2);
    private final int postSeconds = Integer.getInteger("bench.postSeconds", 30);
    private final long thresholdMs = Long.getLong("bench.lagThresholdMs", 1000L);
    private final int catchUpTimeoutSeconds = Integer.getInteger("bench.catchUpTimeoutSeconds", 300);
    private final int drainSeconds = Integer.getInteger("bench.drainTimeoutSeconds", 60);
    private final boolean snapshotLoad =
        Boolean.parseBoolean(System.getProperty("bench.snapshotLoad", "true"));

    Case(
        BenchDatabase db, String runner, String mode, int parallelism, long rows,
        List<String> extra, Map<String, Object> line) {
      this.db = db;
      this.runner = runner;
      this.mode = mode;
      this.parallelism = parallelism;
      this.rows = rows;
      this.extra = extra;
      this.line = line;
    }

    void run() throws Exception {
      boolean handoff = mode.equals("handoff");
      boolean load = rate > 0 && (handoff || snapshotLoad);
      int chunkSize = Integer.getInteger("bench.chunkSize", SnapshotOptions.DEFAULT_CHUNK_SIZE);
      line.put("chunk_size", chunkSize);
      line.put("load_tx_per_s", load ? rate : 0);
      if (load) {
        line.put("insert_percent", insertPercent);
      }
      if (rows >= Integer.MAX_VALUE / 2) {
        throw new IllegalArgumentException("rows must be below " + Integer.MAX_VALUE / 2);
      }
      long timeout = Long.getLong("bench.timeoutSeconds", 900L);
      long maxTx = load ? (long) rate * (timeout + 60) + 16 : 1;
      if (maxTx > Integer.MAX_VALUE / 2) {
        throw new IllegalArgumentException("bench.txPerSecond x time limit is too large");
      }
      long maxInserts = maxTx * insertPercent / 100 + 16;
      int idCapacity = (int) (rows + maxInserts + 1);
      originalRows = rows;
      idReads = new AtomicIntegerArray(idCapacity);
      snapshotQty = new AtomicIntegerArray(idCapacity);
      AtomicLongArray replay = new AtomicLongArray(idCapacity);
      for (int i = 0; i < idCapacity; i++) {
        replay.set(i, Long.MIN_VALUE);
      }
      replayQty = replay;
      replaySeq = new AtomicIntegerArray(idCapacity);
      changeArrival = new AtomicLongArray((int) maxTx);
      changeArrivals = new AtomicIntegerArray((int) maxTx);

      if (db.isPostgres() && !BenchSupport.dropSlot(db, SLOT, 30)) {
        throw new IllegalStateException("replication slot " + SLOT + " is still active (another"
            + " pipeline holds it); drop it with SELECT pg_drop_replication_slot('" + SLOT + "')");
      }
      long p0 = System.nanoTime();
      copyTable(db, rows);
      line.put("prepare_seconds", round((System.nanoTime() - p0) / 1e9, 1));

      long b0 = System.nanoTime();
      Pipeline pipeline = pipeline(chunkSize);
      line.put("build_seconds", round((System.nanoTime() - b0) / 1e9, 3));

      Writer writer = new Writer(db, rate, insertPercent, rows, (int) maxTx);
      if (load) {
        writer.start();
        log(String.format("load: %d tx/s (%d%% inserts), %d s before run()", rate, insertPercent,
            preloadSeconds));
        Thread.sleep(preloadSeconds * 1000L);
        writer.checkFailure();
      }
      try {
        if (handoff) {
          runHandoff(pipeline, writer);
        } else {
          runSnapshot(pipeline, writer);
        }
      } finally {
        writer.stop();
      }
    }

    private Pipeline pipeline(int chunkSize) {
      List<String> options = new ArrayList<>();
      boolean streaming = !mode.equals("snapshot");
      String parallelismOption =
          runner.equals("direct")
              ? "--targetParallelism=" + parallelism
              : "--parallelism=" + parallelism;
      if (streaming) {
        List<String> more = new ArrayList<>();
        more.add(parallelismOption);
        more.addAll(extra);
        options.addAll(BenchSupport.streamingOptionArgs(runner, more));
      } else {
        options.add(runner.equals("direct") ? "--runner=DirectRunner" : "--runner=FlinkRunner");
        options.add(parallelismOption);
        options.addAll(extra);
      }
      log("pipeline options: " + options);
      line.put("runner_options", String.join(" ", options));
      PipelineOptions pipelineOptions =
          PipelineOptionsFactory.fromArgs(options.toArray(String[]::new)).withValidation().create();
      pipelineOptions.setJobName("bench-handoff-" + db.id + "-" + runner + "-" + mode);
      Pipeline pipeline = Pipeline.create(pipelineOptions);

      ConnectionConfiguration connection =
          ConnectionConfiguration.create(db.url).withUsername(db.user);
      if (db.password != null) {
        connection = connection.withPassword(db.password);
      }
      HeliosDbIO.Read read =
          HeliosDbIO.read()
              .withConnection(connection)
              .withTable(db.namespace + "." + TABLE)
              .withSnapshot(SnapshotOptions.byPrimaryKey().withChunkSize(chunkSize))
              .withParallelism(parallelism);
      int fetchSize = Integer.getInteger("bench.fetchSize", 0);
      if (fetchSize > 0) {
        read = read.withFetchSize(fetchSize);
        line.put("fetch_size", fetchSize);
      }
      if (mode.equals("handoff")) {
        read = read.withCdc(CdcOptions.create().withSlotName(SLOT));
      }
      PCollection<Row> output = pipeline.apply("HeliosDbIO", read);
      if (mode.equals("handoff")) {
        output.apply("Record arrival", ParDo.of(new RecordEventFn()));
      } else {
        output.apply("Record arrival", ParDo.of(new RecordRowFn()));
      }
      return pipeline;
    }

    // ------------------------------------------------------------ plain snapshot

    private void runSnapshot(Pipeline pipeline, Writer writer) throws Exception {
      long t0 = System.currentTimeMillis();
      long txAtStart = writer.committed.get();
      line.put("load_avg_start", loadAverage());
      PipelineResult result = pipeline.run();
      long done;
      if (mode.equals("snapshot")) {
        PipelineResult.State state = result.waitUntilFinish();
        done = System.currentTimeMillis();
        if (state != PipelineResult.State.DONE) {
          throw new IllegalStateException("pipeline finished in state " + state);
        }
      } else {
        // streaming: Flink keeps the job (its finished sources) running for checkpoints, so
        // wait for every original row and then for 2 s without a new one
        long deadline = t0 + Long.getLong("bench.timeoutSeconds", 900L) * 1000L;
        long lastReport = 0;
        while (true) {
          long now = System.currentTimeMillis();
          if (ORIGINAL_READ.get() >= rows && now - LAST_READ.get() >= 2000) {
            break;
          }
          if (now > deadline) {
            throw new IllegalStateException("the snapshot did not complete");
          }
          if (now - lastReport >= 5_000) {
            lastReport = now;
            log(String.format("snapshot: %d of %d rows read", ORIGINAL_READ.get(), rows));
            PipelineResult.State state = result.getState();
            if (state == PipelineResult.State.FAILED || state == PipelineResult.State.CANCELLED) {
              result.waitUntilFinish();
              throw new IllegalStateException("pipeline finished in state " + state);
            }
          }
          Thread.sleep(20);
        }
        done = 0;
        BenchSupport.cancel(result, HandoffBench::log);
      }
      long txAtEnd = writer.committed.get();
      long txEndTime = System.currentTimeMillis();
      line.put("load_avg_end", loadAverage());
      writer.stop();
      long last = LAST_READ.get();
      long distinct = distinctReads();
      if (distinct == 0) {
        throw new IllegalStateException("no row arrived");
      }
      double seconds = (last - t0) / 1000.0;
      line.put("seconds", round(seconds, 3));
      line.put("rows_per_sec", Math.round(distinct / seconds));
      line.put("rows_read", distinct);
      if (done > 0) {
        line.put("finish_seconds", round((done - t0) / 1000.0, 3));
      }
      line.put("first_row_ms", FIRST_READ.get() - t0);
      line.put("snapshot_missing", rows - ORIGINAL_READ.get());
      line.put("snapshot_duplicates", READS.get() - distinct);
      line.put("unexpected", UNEXPECTED.get());
      putLoad(writer, txAtStart, txAtEnd, txEndTime - t0);
      log(String.format("snapshot: %d rows in %.2f s (%.0f rows/s)", distinct, seconds,
          distinct / seconds));
    }

    // ------------------------------------------------------------ snapshot then CDC

    private void runHandoff(Pipeline pipeline, Writer writer) throws Exception {
      long t0 = System.currentTimeMillis();
      long txAtStart = writer.committed.get();
      line.put("load_avg_start", loadAverage());
      PipelineResult result = pipeline.run();
      log("pipeline started: " + result.getClass().getSimpleName());
      try {
        // 1. the snapshot: every original id read, and the stream delivering
        long snapshotDeadline = t0 + Long.getLong("bench.timeoutSeconds", 900L) * 1000L;
        long lastReport = 0;
        while (ORIGINAL_READ.get() < rows || CHANGES.get() == 0) {
          long now = System.currentTimeMillis();
          if (now > snapshotDeadline) {
            throw new IllegalStateException("the snapshot did not complete");
          }
          if (now - lastReport >= 5_000) {
            lastReport = now;
            log(String.format("snapshot: %d of %d rows read, %d changes, %d tx committed, heap %d"
                    + " MB", ORIGINAL_READ.get(), rows, CHANGES.get(), writer.committed.get(),
                BenchSupport.usedHeapMb()));
            BenchSupport.checkRunning(result);
            writer.checkFailure();
          }
          Thread.sleep(20);
        }
        log(String.format("snapshot done after %.1f s (last r row); first change %d ms after it",
            (LAST_READ.get() - t0) / 1000.0, FIRST_CHANGE.get() - LAST_READ.get()));

        // 2. catch-up: until the lag stayed under the threshold for postSeconds
        boolean caughtUp = false;
        long loopEnd;
        while (true) {
          Thread.sleep(250);
          long now = System.currentTimeMillis();
          long snapshotEnd = LAST_READ.get();
          Scan scan = scan(writer, now, now);
          long anchor = Math.max(snapshotEnd, scan.lastViolation);
          if (scan.oldestPending == 0 || now - scan.oldestPending < thresholdMs) {
            if (now - anchor >= postSeconds * 1000L + 1000L) {
              caughtUp = true;
              loopEnd = now;
              break;
            }
          }
          if (now - snapshotEnd > catchUpTimeoutSeconds * 1000L) {
            log("not caught up " + catchUpTimeoutSeconds + " s after the snapshot; giving up");
            loopEnd = now;
            break;
          }
          if (now - lastReport >= 5_000) {
            lastReport = now;
            log(String.format("stream: %d changes arrived, %d tx committed, %d pending (oldest %d"
                    + " ms), last lag >= %d ms at +%d ms after the snapshot, heap %d MB",
                CHANGES.get(), writer.committed.get(), scan.pending,
                scan.oldestPending == 0 ? 0 : now - scan.oldestPending, thresholdMs,
                scan.lastViolation == 0 ? 0 : scan.lastViolation - snapshotEnd, BenchSupport.usedHeapMb()));
            BenchSupport.checkRunning(result);
            writer.checkFailure();
          }
        }
        long txAtEnd = writer.committed.get();
        line.put("load_avg_end", loadAverage());
        writer.stop();
        long loadEnd = System.currentTimeMillis();

        // 3. drain: every change not in the snapshot arrives
        long deadline = loadEnd + drainSeconds * 1000L;
        Scan drained = scan(writer, loadEnd, loadEnd);
        while (drained.pending > 0 && System.currentTimeMillis() < deadline) {
          BenchSupport.checkRunning(result);
          Thread.sleep(100);
          drained = scan(writer, System.currentTimeMillis(), System.currentTimeMillis());
        }
        log(drained.pending == 0
            ? "every change arrived"
            : drained.pending + " changes still missing after " + drainSeconds + " s of drain");
        Thread.sleep(2000); // late duplicates

        figures(writer, t0, txAtStart, txAtEnd, loadEnd, loopEnd, caughtUp);
      } finally {
        BenchSupport.cancel(result, HandoffBench::log);
      }
      verifyTable();
    }

    /** What the stream delivered so far, over the transactions committed so far. */
    private static final class Scan {
      long pending;
      long oldestPending; // commit time, 0 if none
      long lastViolation; // arrival time of the last change with lag >= threshold, 0 if none
    }

    /**
     * Pending = committed, not seen by the snapshot, not arrived; violations among arrivals up
     * to {@code arrivedBy}.
     */
    private Scan scan(Writer writer, long now, long arrivedBy) {
      Scan scan = new Scan();
      int max = writer.maxSeq();
      for (int seq = 1; seq <= max; seq++) {
        long commit = writer.commits.get(seq);
        if (commit == 0) {
          continue;
        }
        long arrival = changeArrival.get(seq);
        if (arrival == 0) {
          if (!seenBySnapshot(writer, seq)) {
            scan.pending++;
            if (scan.oldestPending == 0 || commit < scan.oldestPending) {
              scan.oldestPending = commit;
            }
          }
        } else if (arrival <= arrivedBy && arrival - commit >= thresholdMs) {
          scan.lastViolation = Math.max(scan.lastViolation, arrival);
        }
      }
      return scan;
    }

    /**
     * Whether the snapshot's "r" row of the transaction's key shows it or a later transaction
     * (one writer: on a key, transaction numbers follow commit order).
     */
    private boolean seenBySnapshot(Writer writer, int seq) {
      int id = (int) writer.ids.get(seq);
      if (idReads.get(id) == 0) {
        return false;
      }
      int qty = snapshotQty.get(id);
      return qty < 0 && -qty >= seq;
    }

    private void figures(
        Writer writer, long t0, long txAtStart, long txAtEnd, long loadEnd, long loopEnd,
        boolean caughtUp) {
      long snapshotEnd = LAST_READ.get();
      long distinct = distinctReads();
      double seconds = (snapshotEnd - t0) / 1000.0;
      line.put("seconds", round(seconds, 3));
      line.put("rows_per_sec", Math.round(distinct / seconds));
      line.put("rows_read", distinct);
      line.put("first_row_ms", FIRST_READ.get() - t0);
      line.put("snapshot_missing", rows - ORIGINAL_READ.get());
      line.put("snapshot_duplicates", READS.get() - distinct);
      line.put("first_change_ms", FIRST_CHANGE.get() - snapshotEnd);

      long lastViolation = 0;
      long backlog = 0;
      long catchUpLagMax = 0;
      long lost = 0;
      long duplicates = 0;
      long repeated = 0;
      long seen = 0;
      long committed = 0;
      long duringSnapshot = 0;
      long changes = 0;
      List<Integer> lostSeqs = new ArrayList<>();
      int max = writer.maxSeq();
      // violations and lags among the changes that arrived while the case watched
      for (int seq = 1; seq <= max; seq++) {
        long commit = writer.commits.get(seq);
        if (commit == 0) {
          continue;
        }
        committed++;
        if (commit >= t0 && commit <= snapshotEnd) {
          duringSnapshot++;
        }
        boolean inSnapshot = seenBySnapshot(writer, seq);
        int n = changeArrivals.get(seq);
        long arrival = changeArrival.get(seq);
        if (inSnapshot) {
          seen++;
          repeated += n;
          duplicates += n;
        } else if (n == 0) {
          lost++;
          if (lostSeqs.size() < 20) {
            lostSeqs.add(seq);
          }
        } else {
          duplicates += n - 1;
        }
        if (n > 0) {
          changes++;
        }
        if (!inSnapshot && commit < snapshotEnd) {
          backlog++;
        }
        if (n > 0 && arrival >= snapshotEnd && arrival <= loopEnd) {
          long lag = arrival - commit;
          catchUpLagMax = Math.max(catchUpLagMax, lag);
          if (lag >= thresholdMs) {
            lastViolation = Math.max(lastViolation, arrival);
          }
        }
      }
      long catchUpAt = Math.max(snapshotEnd, lastViolation);
      // the first time the lag fell below the threshold (the backlog drained), if it stayed later
      long firstBelow = 0;
      for (int seq = 1; seq <= max; seq++) {
        long arrival = changeArrival.get(seq);
        long commit = writer.commits.get(seq);
        if (commit != 0 && arrival >= snapshotEnd && arrival <= loopEnd
            && arrival - commit < thresholdMs && (firstBelow == 0 || arrival < firstBelow)) {
          firstBelow = arrival;
        }
      }
      List<Long> post = new ArrayList<>();
      for (int seq = 1; seq <= max; seq++) {
        long arrival = changeArrival.get(seq);
        long commit = writer.commits.get(seq);
        if (commit != 0 && arrival > catchUpAt && arrival <= catchUpAt + postSeconds * 1000L
            && arrival <= loadEnd) {
          post.add(arrival - commit);
        }
      }
      long[] lags = post.stream().mapToLong(Long::longValue).sorted().toArray();
      List<Long> settledList = new ArrayList<>();
      long settledFrom = catchUpAt + postSeconds * 500L;
      for (int seq = 1; seq <= max; seq++) {
        long arrival = changeArrival.get(seq);
        long commit = writer.commits.get(seq);
        if (commit != 0 && arrival > settledFrom && arrival <= catchUpAt + postSeconds * 1000L
            && arrival <= loadEnd) {
          settledList.add(arrival - commit);
        }
      }
      long[] settled = settledList.stream().mapToLong(Long::longValue).sorted().toArray();
      line.put("caught_up", caughtUp);
      line.put("catch_up_ms", caughtUp ? catchUpAt - snapshotEnd : null);
      if (firstBelow > 0) {
        line.put("lag_first_below_ms", firstBelow - snapshotEnd);
      }
      line.put("lag_threshold_ms", thresholdMs);
      line.put("post_s", postSeconds);
      if (lags.length > 0) {
        line.put("lag_p50_ms", percentile(lags, 0.50));
        line.put("lag_p99_ms", percentile(lags, 0.99));
        line.put("lag_max_ms", lags[lags.length - 1]);
        line.put("lag_min_ms", lags[0]);
      }
      line.put("lag_changes", lags.length);
      if (settled.length > 0) {
        line.put("settled_lag_p50_ms", percentile(settled, 0.50));
        line.put("settled_lag_p99_ms", percentile(settled, 0.99));
        line.put("settled_lag_max_ms", settled[settled.length - 1]);
      }
      line.put("backlog_changes", backlog);
      line.put("catch_up_lag_max_ms", catchUpLagMax);
      line.put("changes", changes);
      line.put("lost", lost);
      line.put("duplicates", duplicates);
      line.put("repeated_from_snapshot", repeated);
      line.put("unexpected", UNEXPECTED.get());
      line.put("transactions", committed);
      line.put("tx_during_snapshot", duringSnapshot);
      line.put("tx_seen_by_snapshot", seen);
      putLoad(writer, txAtStart, txAtEnd, loadEnd - t0);
      if (!lostSeqs.isEmpty()) {
        log("lost transactions (first 20): " + lostSeqs);
      }
      log(String.format("snapshot %.1f s (%d rows/s); catch-up %s ms (backlog %d changes, lag max"
              + " %d ms); after it lag p50/p99/max %s/%s/%s ms over %d changes; lost %d,"
              + " duplicates %d", seconds, Math.round(distinct / seconds),
          caughtUp ? String.valueOf(catchUpAt - snapshotEnd) : "-", backlog, catchUpLagMax,
          line.get("lag_p50_ms"), line.get("lag_p99_ms"), line.get("lag_max_ms"), lags.length,
          lost, duplicates));
      logWindows(writer, snapshotEnd, catchUpAt + postSeconds * 1000L);
    }

    /** The lag per second after the snapshot's end, up to a few seconds after catch-up. */
    private void logWindows(Writer writer, long snapshotEnd, long until) {
      Map<Long, List<Long>> windows = new TreeMap<>();
      for (int seq = 1; seq <= writer.maxSeq(); seq++) {
        long arrival = changeArrival.get(seq);
        long commit = writer.commits.get(seq);
        if (commit != 0 && arrival >= snapshotEnd && arrival <= until) {
          windows.computeIfAbsent((arrival - snapshotEnd) / 1000, k -> new ArrayList<>())
              .add(arrival - commit);
        }
      }
      StringBuilder text =
          new StringBuilder("lag by arrival second after the snapshot [s: n p50/max ms] (to the"
              + " end of the window after catch-up):");
      windows.forEach(
          (w, values) -> {
            long[] sorted = values.stream().mapToLong(Long::longValue).sorted().toArray();
            text.append(String.format(" [%d: %d %d/%d]", w, sorted.length,
                percentile(sorted, 0.5), sorted[sorted.length - 1]));
          });
      log(text.toString());
    }

    /**
     * Compares the table now with the output replayed by position (per id, the event of the
     * highest transaction number wins: what a consumer ordering by the envelope's position gets)
     * and in arrival order (the last event to arrive wins).
     */
    private void verifyTable() throws SQLException {
      long mismatches = 0;
      long arrivalMismatches = 0;
      long tableRows = 0;
      List<String> examples = new ArrayList<>();
      List<String> arrivalExamples = new ArrayList<>();
      boolean[] inTable = new boolean[replayQty.length()];
      try (Connection c = db.connect()) {
        c.setAutoCommit(false); // PostgreSQL streams with a fetch size only then
        try (Statement s = c.createStatement()) {
          if (db.isPostgres()) {
            s.setFetchSize(10_000);
          }
          try (ResultSet rs = s.executeQuery("SELECT id, qty FROM " + TABLE)) {
            while (rs.next()) {
              long id = rs.getLong(1);
              int qty = rs.getInt(2);
              tableRows++;
              if (id < 1 || id >= inTable.length) {
                mismatches++;
                arrivalMismatches++;
                continue;
              }
              inTable[(int) id] = true;
              Long expected = replayedByPosition((int) id);
              if (expected == null || expected != qty) {
                mismatches++;
                if (examples.size() < 10) {
                  examples.add(id + ": table " + qty + ", replayed " + expected);
                }
              }
              long arrived = replayQty.get((int) id);
              if (arrived != qty) {
                arrivalMismatches++;
                if (arrivalExamples.size() < 10) {
                  arrivalExamples.add(id + ": table " + qty + ", last to arrive "
                      + (arrived == Long.MIN_VALUE ? "none" : String.valueOf(arrived)));
                }
              }
            }
          }
        }
        c.commit();
      }
      for (int id = 1; id < inTable.length; id++) {
        if (!inTable[id] && replayQty.get(id) != Long.MIN_VALUE) {
          mismatches++;
          arrivalMismatches++;
          if (examples.size() < 10) {
            examples.add(id + ": not in the table, replayed " + replayedByPosition(id));
          }
        }
      }
      line.put("final_rows", tableRows);
      line.put("final_state_mismatches", mismatches);
      line.put("arrival_order_mismatches", arrivalMismatches);
      log("final table: " + tableRows + " rows, " + mismatches + " differ from the output replayed"
          + " by position" + (examples.isEmpty() ? "" : " e.g. " + examples) + "; "
          + arrivalMismatches + " from the output replayed in arrival order"
          + (arrivalExamples.isEmpty() ? "" : " e.g. " + arrivalExamples));
    }

    /** The id's qty replayed by position, or null if no event of it arrived. */
    private static Long replayedByPosition(int id) {
      if (replayQty.get(id) == Long.MIN_VALUE) {
        return null;
      }
      int seq = replaySeq.get(id);
      return seq > 0 ? (long) -seq : (long) snapshotQty.get(id);
    }

    private void putLoad(Writer writer, long txAtStart, long txAtEnd, long millis) {
      if (!writer.started) {
        return;
      }
      double loadSeconds = (writer.endMillis() - writer.startMillis) / 1000.0;
      line.put("achieved_tx_per_s", round(writer.committed.get() / loadSeconds, 1));
      line.put("tx_during_run", txAtEnd - txAtStart);
      line.put("tx_per_s_during_run", round((txAtEnd - txAtStart) * 1000.0 / millis, 1));
      line.put("inserts", writer.inserts.get());
      line.put("updates", writer.updates.get());
      line.put("load_skipped_slots", writer.skipped.get());
    }

    private long distinctReads() {
      long distinct = 0;
      AtomicIntegerArray reads = idReads;
      for (int id = 1; id < reads.length(); id++) {
        if (reads.get(id) > 0) {
          distinct++;
        }
      }
      return distinct;
    }
  }

  /** The load on bench_handoff: inserts of ids rows+1, rows+2, ..., updates of random ids. */
  private static final class Writer extends ScheduledWriter {
    private final long rows;
    private long nextInsertId;
    private PreparedStatement insert;
    private PreparedStatement update;

    Writer(BenchDatabase db, int rate, int insertPercent, long rows, int maxSeq) {
      super(db, rate, insertPercent, maxSeq);
      this.rows = rows;
      this.nextInsertId = rows + 1;
    }

    @Override
    protected void open(Connection c) throws SQLException {
      insert = c.prepareStatement(
          "INSERT INTO " + TABLE + " (id, qty, amount, code, note, created_at, updated_at)"
              + " VALUES (?, ?, 1.00, 'W', 'written by the benchmark load', CURRENT_TIMESTAMP,"
              + " CURRENT_TIMESTAMP)");
      update = c.prepareStatement(
          "UPDATE " + TABLE + " SET qty = ?, updated_at = CURRENT_TIMESTAMP WHERE id = ?");
    }

    @Override
    protected long nextId(int seq, boolean isInsert) {
      return isInsert ? nextInsertId++ : 1 + random.nextLong(rows);
    }

    @Override
    protected void execute(int seq, long id, boolean isInsert) throws SQLException {
      if (isInsert) {
        insert.setLong(1, id);
        insert.setInt(2, -seq);
        insert.executeUpdate();
      } else {
        update.setInt(1, -seq);
        update.setLong(2, id);
        if (update.executeUpdate() != 1) {
          throw new IllegalStateException("update of id " + id + " changed no row");
        }
      }
    }
  }

  // ---------------------------------------------------------------- common

  /** Recreates bench_handoff as a copy of the snapshot benchmark's table of {@code rows} rows. */
  static void copyTable(BenchDatabase db, long rows) throws SQLException {
    String source = SnapshotTable.tableName(rows);
    long t0 = System.nanoTime();
    try (Connection c = db.connect(); Statement s = c.createStatement()) {
      try (ResultSet rs = s.executeQuery("SELECT count(*) FROM " + source)) {
        rs.next();
        if (rs.getLong(1) != rows) {
          throw new IllegalStateException(source + " has " + rs.getLong(1) + " rows, not " + rows
              + " (bench.sh prepares it: SnapshotTable prepare <db> <rows>)");
        }
      }
      s.execute("DROP TABLE IF EXISTS " + TABLE);
      if (db.isPostgres()) {
        s.execute("CREATE TABLE " + TABLE + " (LIKE " + source + " INCLUDING DEFAULTS)");
        s.execute("INSERT INTO " + TABLE + " SELECT * FROM " + source);
        s.execute("ALTER TABLE " + TABLE + " ADD PRIMARY KEY (id)");
        s.execute("VACUUM (ANALYZE) " + TABLE);
      } else {
        s.execute("CREATE TABLE " + TABLE + " LIKE " + source);
        // a bulk copy of benchmark data: kept out of the binary log
        s.execute("SET SESSION sql_log_bin = 0");
        s.execute("INSERT INTO " + TABLE + " SELECT * FROM " + source + " ORDER BY id");
        s.execute("SET SESSION sql_log_bin = 1");
        s.execute("ANALYZE TABLE " + TABLE);
      }
      // warm the cache, as the snapshot benchmark does
      try (ResultSet rs =
          s.executeQuery("SELECT count(*), sum(length(note)), sum(qty) FROM " + TABLE)) {
        rs.next();
      }
    }
    log(String.format("%s: %s recreated from %s (%d rows) in %.1f s", db.id, TABLE, source, rows,
        (System.nanoTime() - t0) / 1e9));
  }

  /** The 1-minute load average of the machine (/proc/loadavg), or null off Linux. */
  static Double loadAverage() {
    try {
      String text = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg"));
      return Double.parseDouble(text.trim().split("\\s+")[0]);
    } catch (Exception e) {
      return null;
    }
  }

  static void log(String message) {
    System.err.println("[bench] " + java.time.LocalTime.now() + " " + message);
  }
}
