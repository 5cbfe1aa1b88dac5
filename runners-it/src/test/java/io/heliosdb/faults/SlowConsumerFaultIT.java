package io.heliosdb.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.heliosdb.beam.testing.DatabaseKind;
import io.heliosdb.beam.testing.TableWriters;
import io.heliosdb.beam.testing.TestDatabase;
import io.heliosdb.beam.testing.TestDatabases;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Fault scenario 5: a slow consumer downstream of the source (a DoFn that sleeps per element),
 * so that the runner's backpressure, or its lack, reaches the source. The source's memory must
 * stay bounded, every row arrive once, and no connection time out or be retried.
 *
 * <ul>
 *   <li><b>Snapshot</b> of a {@value #SNAPSHOT_ROWS}-row table: every key once, with its value.
 *   <li><b>CDC under write load</b> ({@value #LOAD_SECONDS} s of writers, faster than the
 *       consumer, so that a backlog builds up in the log): the output replayed by position equals
 *       the table, with no duplicate (no failure happened, so none is allowed).
 * </ul>
 *
 * The pipeline runs in a child JVM ({@link FaultPipelineMain}) that forces a full garbage
 * collection every 2 s and records the used heap after it (the live set). The baseline is taken
 * the same way once the first element reached the sink (runner and source started); the bound is
 * on the growth from there to the peak: {@value #HEAP_GROWTH_BOUND_MB} MB. That is half the
 * spec's per-source target (100 MB), because the whole {@value #SNAPSHOT_ROWS}-row table takes
 * 72 MB as Beam rows (measured): under 100 MB, a source holding the table would pass. Measured
 * growth (2026-11-24): Flink 2 MB (snapshot) and 18 MB (CDC, a plateau while the consumer
 * lagged); Direct 16-35 MB (snapshot) and 11-21 MB (CDC), the Direct runner queueing bundles
 * for the consumer. The child's log is searched for retries, pool time-outs and lost connections
 * ({@link ChildPipeline#CONNECTION_TROUBLE}).
 *
 * <p>Cases: each read mode on each runner and each database once, crossed (snapshot: Flink on
 * PostgreSQL, Direct on MariaDB; CDC: Flink on MariaDB, Direct on PostgreSQL), to keep the suite
 * within its time budget. The recovery time is not applicable (no failure): reported as 0.
 */
class SlowConsumerFaultIT {
  static {
    ChildPipeline.classpath();
  }

  static final long SNAPSHOT_ROWS = 500_000;
  static final long STREAM_ROWS = 20_000;
  static final int LOAD_SECONDS = 15;
  static final long HEAP_GROWTH_BOUND_MB = 50;
  private static final long MARKER = -999_999_999L;
  private static final long PRIMER = -999_999_998L;

  /** Pause of each of the two writers between transactions: about 2,000 changes/s in all. */
  static final long WRITER_PAUSE_MILLIS = 2;

  /**
   * Microseconds the consumer sleeps per element, so that it is about half as fast as the source.
   * Flink reads a snapshot at 60-100K rows/s alone (here two consumer instances, each at most 20K
   * rows/s), the Direct runner at about 20K rows/s (three threads, each at most 5K rows/s here).
   * A change stream carries the writers' ~2,000 changes/s: one consumer instance on Flink (here at
   * most 1,000/s), three threads on the Direct runner (here at most 500/s each).
   */
  static long consumerMicros(String mode, String runner) {
    if (mode.equals("cdc")) {
      return runner.equals("flink") ? 1_000 : 2_000;
    }
    return runner.equals("flink") ? 50 : 200;
  }

  static Stream<Arguments> snapshotCases() {
    return Stream.of(Arguments.of("flink", DatabaseKind.POSTGRES),
        Arguments.of("direct", DatabaseKind.MYSQL));
  }

  static Stream<Arguments> streamCases() {
    return Stream.of(Arguments.of("flink", DatabaseKind.MYSQL),
        Arguments.of("direct", DatabaseKind.POSTGRES));
  }

  @ParameterizedTest(name = "snapshot on {0} with {1}")
  @MethodSource("snapshotCases")
  void aSnapshotBehindASlowConsumerStaysWithinItsMemory(String runner, DatabaseKind kind,
      @TempDir Path dir) throws Exception {
    TestDatabase db = TestDatabases.get(kind);
    String table = TestDatabase.uniqueName("faultb_slow_snap");
    List<ChildPipeline> children = new ArrayList<>();
    boolean passed = false;
    Path heap = dir.resolve("heap.txt");
    long micros = consumerMicros("snapshot", runner);
    try {
      TableWriters.createTable(db, table, SNAPSHOT_ROWS);
      List<String> args = new ArrayList<>(List.of("db=" + kind, "table=" + table,
          "mode=snapshot", "runner=" + runner));
      ChildPipeline child = start(children, dir, runner, args, micros, heap);
      long started = System.currentTimeMillis();
      child.await("the first row", 60_000, () -> child.count() > 0);
      long firstAt = System.currentTimeMillis();
      child.await(SNAPSHOT_ROWS + " rows", 85_000, () -> child.count() >= SNAPSHOT_ROWS);
      long lastAt = System.currentTimeMillis();
      Thread.sleep(1_000); // anything repeated would come now
      List<String> lines = child.lines();
      Set<Long> ids = new HashSet<>();
      List<String> wrong = new ArrayList<>();
      for (String line : lines) {
        long id = OutputCheck.idOfRow(line);
        if (!line.equals(id + "|v" + id)) {
          wrong.add(line);
        }
        ids.add(id);
      }
      long duplicates = lines.size() - ids.size();
      long missing =
          SNAPSHOT_ROWS - ids.stream().filter(id -> id >= 0 && id < SNAPSHOT_ROWS).count();
      Observed observed = finish(FaultResult.of("slow-consumer", JvmKillFaultIT.name(db), runner,
              "snapshot")
          .expected(SNAPSHOT_ROWS).lost(missing).duplicates(duplicates)
          .detail("consumer_us_per_element", micros)
          .detail("rows_per_s", SNAPSHOT_ROWS * 1000 / Math.max(1, lastAt - firstAt))
          .detail("first_row_after_ms", firstAt - started), child, heap);
      assertThat(wrong).as("rows with another value than the table's").isEmpty();
      assertThat(missing).as("rows lost").isZero();
      assertThat(duplicates).as("rows emitted twice").isZero();
      observed.assertWithinBounds();
      passed = true;
    } finally {
      cleanUp(children, db, table, heap, passed);
    }
  }

  @ParameterizedTest(name = "CDC on {0} with {1}")
  @MethodSource("streamCases")
  void aChangeStreamBehindASlowConsumerStaysWithinItsMemory(String runner, DatabaseKind kind,
      @TempDir Path dir) throws Exception {
    TestDatabase db = TestDatabases.get(kind);
    String table = TestDatabase.uniqueName("faultb_slow_cdc");
    List<ChildPipeline> children = new ArrayList<>();
    boolean passed = false;
    Path heap = dir.resolve("heap.txt");
    long micros = consumerMicros("cdc", runner);
    try {
      TableWriters.createTable(db, table, STREAM_ROWS);
      JvmKillFaultIT.Stream stream = JvmKillFaultIT.Stream.prepare(db, table);
      ChildPipeline child =
          start(children, dir, runner, stream.args(kind, table, runner), micros, heap);
      db.execute("INSERT INTO " + table + " VALUES (" + PRIMER + ", 'primer')");
      child.await("the first change", 60_000, () -> child.count() > 0);
      long firstAt = System.currentTimeMillis();
      long transactions;
      try (TableWriters writers =
          new TableWriters(db, table, STREAM_ROWS, 2, WRITER_PAUSE_MILLIS)) {
        Thread.sleep(LOAD_SECONDS * 1_000L);
        writers.close();
        transactions = writers.transactions();
      }
      long loadEnd = System.currentTimeMillis();
      int atLoadEnd = child.count();
      db.execute("INSERT INTO " + table + " VALUES (" + MARKER + ", 'marker')");
      String marker = "c|" + MARKER + "|";
      child.await("the marker's change", 85_000, () -> child.outputRecently(marker, 10_000));
      long lastAt = System.currentTimeMillis();
      Thread.sleep(1_000); // anything repeated would come now
      List<String> lines = child.lines();
      long backlog = lines.size() - atLoadEnd;
      OutputCheck check = OutputCheck.ofStream(List.of(lines), stream.seed(),
          stream.seedPosition(), TableWriters.contents(db, table));
      Observed observed = finish(FaultResult.of("slow-consumer", JvmKillFaultIT.name(db), runner,
              "cdc")
          .expected(check.table.size()).lost(check.lost.size()).duplicates(check.duplicates)
          .detail("consumer_us_per_element", micros)
          .detail("changes", lines.size())
          .detail("writer_transactions", transactions)
          .detail("changes_per_s_offered", lines.size() * 1000L / Math.max(1, loadEnd - firstAt))
          .detail("rows_per_s", lines.size() * 1000L / Math.max(1, lastAt - firstAt))
          .detail("backlog_at_load_end", backlog)
          .detail("drain_ms", lastAt - loadEnd)
          .detail("extra_rows", check.extra.size())
          .detail("violations", check.replica.violations().size()), child, heap);
      assertThat(check.replica.violations()).as("changes that do not fit the replica").isEmpty();
      assertThat(check.lost).as("rows lost (%s)", check).isEmpty();
      assertThat(check.extra).as("rows not in the table (%s)", check).isEmpty();
      assertThat(check.duplicates).as("changes emitted twice without a failure").isZero();
      assertThat(backlog).as("changes still to be consumed when the load ended: the consumer was"
          + " slower than the writers").isPositive();
      observed.assertWithinBounds();
      passed = true;
    } finally {
      cleanUp(children, db, table, heap, passed);
    }
  }

  private static ChildPipeline start(List<ChildPipeline> children, Path dir, String runner,
      List<String> args, long micros, Path heap) throws Exception {
    List<String> all = new ArrayList<>(args);
    all.addAll(List.of("consumerMicros=" + micros, "heap=" + heap));
    if (runner.equals("flink")) {
      all.add("flinkConf=" + ChildPipeline.flinkConf(dir, "conf", null));
    }
    return JvmKillFaultIT.start(children, dir, "run", all);
  }

  /** What the child's heap samples and log showed. */
  record Observed(Heap heap, List<String> connectionTrouble) {
    void assertWithinBounds() {
      assertThat(heap.growthMb()).as("used heap after GC, peak minus baseline (%s)", heap)
          .isLessThan(HEAP_GROWTH_BOUND_MB);
      assertThat(connectionTrouble).as("connection time-outs and retries in the log").isEmpty();
    }
  }

  private static void cleanUp(List<ChildPipeline> children, TestDatabase db, String table,
      Path heap, boolean passed) throws Exception {
    JvmKillFaultIT.cleanUp(children, db, table, passed);
    if (!passed && Files.exists(heap)) {
      Files.copy(heap, JvmKillFaultIT.keepDir(table).resolve("heap.txt"),
          java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /** Kills the child, reads its heap samples and log, and reports the result with them. */
  private static Observed finish(FaultResult result, ChildPipeline child, Path heap)
      throws Exception {
    child.kill();
    Heap samples = Heap.read(heap);
    List<String> trouble = child.connectionTrouble();
    result.recoveryMillis(0)
        .detail("heap_start_mb", samples.startMb())
        .detail("heap_baseline_mb", samples.baselineMb())
        .detail("heap_peak_mb", samples.peakMb())
        .detail("heap_growth_mb", samples.growthMb())
        .detail("heap_growth_bound_mb", HEAP_GROWTH_BOUND_MB)
        .detail("heap_peak_after_any_gc_mb", samples.peakAnyGcMb())
        .detail("heap_samples", samples.samples())
        .detail("heap_series_mb", samples.series())
        .detail("connection_trouble_lines", trouble.size())
        .detail("connection_trouble_first", trouble.isEmpty() ? "" : trouble.get(0))
        .report();
    return new Observed(samples, trouble);
  }

  /** The child's heap samples (see {@link FaultPipelineMain.HeapSampler}). */
  record Heap(long startMb, long baselineMb, long peakMb, long peakAnyGcMb, List<Long> series) {
    static Heap read(Path file) throws Exception {
      long start = -1;
      long baseline = -1;
      long peak = 0;
      long peakAny = 0;
      List<Long> series = new ArrayList<>();
      for (String line : Files.readAllLines(file)) {
        String[] f = line.split(" ");
        switch (f[0]) {
          case "start" -> start = mb(f[1]);
          case "baseline" -> baseline = mb(f[1]);
          case "full" -> {
            peak = Math.max(peak, mb(f[2]));
            series.add(mb(f[2]));
          }
          case "gc" -> peakAny = Math.max(peakAny, mb(f[2]));
          default -> { }
        }
      }
      return new Heap(start, baseline, Math.max(peak, baseline), peakAny, series);
    }

    int samples() {
      return series.size();
    }

    long growthMb() {
      return peakMb - baselineMb;
    }

    private static long mb(String bytes) {
      return Long.parseLong(bytes) / (1024 * 1024);
    }
  }
}
