package io.heliosdb.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.beam.sdk.PipelineResult;

/**
 * What the benchmark cases ({@link SnapshotBench}, {@link IncrementalBench}, {@link CdcBench})
 * and their summaries ({@link BenchSummary}, {@link IncrementalSummary}, {@link CdcSummary}) share:
 * printing a case's one JSON line (once per JVM, also on a time-out), the JVM-wide figures, and
 * small numeric helpers.
 *
 * <p>A case runs alone in its JVM, so the "printed once" guard is JVM-wide.
 */
final class BenchSupport {
  private BenchSupport() {}

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final AtomicBoolean EMITTED = new AtomicBoolean();

  /** Writes {@code message} to stderr as {@code [bench] message}. */
  static void log(String message) {
    System.err.println("[bench] " + message);
  }

  /**
   * Keeps stdout for the JSON line: returns the real stdout and sends {@code System.out} to stderr,
   * so that anything a library prints there does not mix with the result.
   */
  static PrintStream takeStdout() {
    LiveHeap.start();
    PrintStream json = System.out;
    System.setOut(System.err);
    return json;
  }

  /**
   * {@link #startWatchdog(Map, Supplier, Consumer, Consumer)} with no detail in the error, {@link
   * #log} for the message and {@link #finish} to print the line on {@code json}.
   */
  static void startWatchdog(PrintStream json, Map<String, Object> line) {
    startWatchdog(line, () -> "", BenchSupport::log, timedOut -> finish(json, timedOut));
  }

  /**
   * Starts a daemon thread that, once the case's time limit has passed (system property {@code
   * bench.timeoutSeconds}, default 600), prints the case's line as it is now (a copy of {@code
   * line}) with {@code "error": "timed out after <seconds> s<detail>"}, then halts the JVM with
   * status 3. A line already printed by then is not printed again.
   *
   * @param detail appended to the error message at the time-out (e.g. progress so far), or ""
   * @param log where the "timed out; halting the JVM" message goes
   * @param finish prints the timed-out line (see {@link #finish})
   */
  static void startWatchdog(
      Map<String, Object> line,
      Supplier<String> detail,
      Consumer<String> log,
      Consumer<Map<String, Object>> finish) {
    long seconds = Long.getLong("bench.timeoutSeconds", 600L);
    Map<String, Object> base = new LinkedHashMap<>(line);
    Thread watchdog =
        new Thread(
            () -> {
              try {
                Thread.sleep(seconds * 1000);
              } catch (InterruptedException e) {
                return;
              }
              Map<String, Object> timedOut = new LinkedHashMap<>(base);
              timedOut.put("error", "timed out after " + seconds + " s" + detail.get());
              log.accept("timed out after " + seconds + " s; halting the JVM");
              finish.accept(timedOut);
              Runtime.getRuntime().halt(3);
            },
            "bench-watchdog");
    watchdog.setDaemon(true);
    watchdog.start();
  }

  /**
   * Adds the JVM-wide measurements ({@code peak_rss_mb} where known, {@code jvm_seconds}) to
   * {@code line} and prints it as one JSON line on {@code json}, once per JVM: a second call (the
   * watchdog after the case, or the case after the watchdog) prints nothing. If the line cannot be
   * written as JSON, prints {@code {"bench":<line's bench>,"error":"cannot write the result: ..."}}
   * instead.
   */
  static void finish(PrintStream json, Map<String, Object> line) {
    if (!EMITTED.compareAndSet(false, true)) {
      return;
    }
    Long peak = peakRssMb();
    if (peak != null) {
      line.put("peak_rss_mb", peak);
    }
    Long live = LiveHeap.peakMb();
    if (live != null) {
      line.put("peak_heap_after_gc_mb", live);
    }
    line.put("jvm_seconds", round(ManagementFactory.getRuntimeMXBean().getUptime() / 1000.0, 1));
    try {
      json.println(JSON.writeValueAsString(line));
    } catch (Exception e) {
      json.println(
          "{\"bench\":\"" + line.get("bench") + "\",\"error\":\"cannot write the result: " + e
              + "\"}");
    }
    json.flush();
  }

  /**
   * A case failed: logs {@code [bench] case failed:} and the stack trace to stderr, and puts
   * {@link #describe(Throwable) the exception in short} in the line's {@code error} field.
   */
  static void recordFailure(Map<String, Object> line, Throwable t) {
    System.err.println("[bench] case failed:");
    t.printStackTrace(System.err);
    line.put("error", describe(t));
  }

  /** VmHWM, the peak resident set size of this process, in MiB; null off Linux. */
  static Long peakRssMb() {
    try {
      for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (l.startsWith("VmHWM:")) {
          long kb = Long.parseLong(l.replaceAll("[^0-9]", ""));
          return Math.round(kb / 1024.0);
        }
      }
    } catch (Exception e) {
      // not Linux
    }
    return null;
  }

  /** The exception and its root cause, on one line, short enough for a JSON field. */
  static String describe(Throwable t) {
    Throwable root = t;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String text = t.getClass().getSimpleName() + ": " + t.getMessage();
    if (root != t) {
      text += " | root cause " + root.getClass().getName() + ": " + root.getMessage();
    }
    text = text.replaceAll("\\s+", " ").trim();
    return text.length() > 600 ? text.substring(0, 600) + "..." : text;
  }

  /** Cancels a streaming pipeline, logging how long {@code cancel()} took or why it failed. */
  static void cancel(PipelineResult result, Consumer<String> log) {
    long t0 = System.nanoTime();
    try {
      PipelineResult.State state = result.cancel();
      log.accept(
          String.format("cancel() returned %s after %.1f s", state, (System.nanoTime() - t0) / 1e9));
    } catch (Throwable t) {
      log.accept("cancel() failed: " + t);
    }
  }

  /**
   * The runner options of the streaming benchmarks, followed by {@code extra}: Direct {@code
   * --runner=DirectRunner --streaming=true --blockOnRun=false}; Flink {@code --runner=FlinkRunner
   * --streaming=true --attachedMode=false --checkpointingInterval=1000}.
   */
  static List<String> streamingOptionArgs(String runner, List<String> extra) {
    List<String> optionArgs = new ArrayList<>();
    if (runner.equals("direct")) {
      optionArgs.add("--runner=DirectRunner");
      optionArgs.add("--streaming=true");
      optionArgs.add("--blockOnRun=false");
    } else {
      optionArgs.add("--runner=FlinkRunner");
      optionArgs.add("--streaming=true");
      optionArgs.add("--attachedMode=false");
      optionArgs.add("--checkpointingInterval=1000");
    }
    optionArgs.addAll(extra);
    return optionArgs;
  }

  /** Nearest-rank percentile ({@code p} in 0..1) of a sorted, non-empty array. */
  static long percentile(long[] sorted, double p) {
    int rank = (int) Math.ceil(p * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
  }

  /** {@code value} rounded half up to {@code decimals} decimal places. */
  static double round(double value, int decimals) {
    double scale = Math.pow(10, decimals);
    return Math.round(value * scale) / scale;
  }

  // ---------------------------------------------------------------- summaries

  /**
   * The case lines of one benchmark in a results file: the lines that are JSON objects with
   * {@code "bench": bench} and no {@code summary} field, in file order.
   */
  static List<JsonNode> readCaseLines(String file, String bench) throws IOException {
    List<JsonNode> lines = new ArrayList<>();
    for (String text : Files.readAllLines(Path.of(file))) {
      if (text.startsWith("{")) {
        JsonNode node = JSON.readTree(text);
        if (bench.equals(node.path("bench").asText()) && !node.has("summary")) {
          lines.add(node);
        }
      }
    }
    return lines;
  }

  /** Prints a summary as one JSON line on stdout. */
  static void printSummary(Map<String, Object> summary) throws IOException {
    System.out.println(JSON.writeValueAsString(summary));
  }

  /** Fails with the pipeline's error if it failed or stopped. */
  static void checkRunning(PipelineResult result) {
    PipelineResult.State state;
    try {
      state = result.getState();
    } catch (RuntimeException e) {
      return; // Flink's embedded cluster may throw while starting or stopping
    }
    if (state == PipelineResult.State.FAILED
        || state == PipelineResult.State.CANCELLED
        || state == PipelineResult.State.DONE) {
      try {
        result.waitUntilFinish(org.joda.time.Duration.standardSeconds(5));
      } catch (RuntimeException e) {
        throw new IllegalStateException("the pipeline " + state, e);
      }
      throw new IllegalStateException("the pipeline stopped: " + state);
    }
  }

  /**
   * PostgreSQL: drops the publication and slot {@code slot} if present, waiting up to {@code
   * waitSeconds} for a walsender to let go of the slot. Returns true if no slot is left.
   */
  static boolean dropSlot(BenchDatabase db, String slot, int waitSeconds) throws Exception {
    if (!db.isPostgres()) {
      return true;
    }
    try (java.sql.Connection c = db.connect();
        java.sql.Statement s = c.createStatement();
        java.sql.PreparedStatement drop = c.prepareStatement(
            "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots"
                + " WHERE slot_name = ? AND NOT active");
        java.sql.PreparedStatement find = c.prepareStatement(
            "SELECT active, active_pid FROM pg_replication_slots WHERE slot_name = ?")) {
      s.execute("DROP PUBLICATION IF EXISTS \"" + slot.replace("\"", "\"\"") + "\"");
      drop.setString(1, slot);
      find.setString(1, slot);
      long deadline = System.currentTimeMillis() + waitSeconds * 1000L;
      while (true) {
        drop.execute();
        try (java.sql.ResultSet rs = find.executeQuery()) {
          if (!rs.next()) {
            return true;
          }
          if (System.currentTimeMillis() > deadline) {
            log("slot " + slot + " still in use by backend " + rs.getString(2) + "; not dropped");
            return false;
          }
        }
        Thread.sleep(250);
      }
    }
  }

  private static final java.util.concurrent.atomic.AtomicLong PEAK_HEAP =
      new java.util.concurrent.atomic.AtomicLong();

  /** Samples the heap every 250 ms for {@link #peakHeapMb()}, from now on. */
  static void startHeapSampler() {
    Thread sampler =
        new Thread(
            () -> {
              while (true) {
                PEAK_HEAP.accumulateAndGet(usedHeapMb(), Math::max);
                try {
                  Thread.sleep(250);
                } catch (InterruptedException e) {
                  return;
                }
              }
            },
            "bench-heap-sampler");
    sampler.setDaemon(true);
    sampler.start();
  }

  static long usedHeapMb() {
    Runtime rt = Runtime.getRuntime();
    return (rt.totalMemory() - rt.freeMemory()) / (1024 * 1024);
  }

  static long peakHeapMb() {
    return PEAK_HEAP.get();
  }

  /**
   * For {@code <main> cleanup <postgres|mariadb>}: drops the case's replication slot and its
   * publication (waiting up to 30 s for a reader to let go), then exits 0, or 1 on failure.
   * Returns at once for any other arguments.
   */
  static void cleanupIfAsked(String[] args, String slot) {
    if (args.length != 2 || !args[0].equals("cleanup")) {
      return;
    }
    try {
      dropSlot(BenchDatabase.parse(args[1]), slot, 30);
      System.exit(0);
    } catch (Throwable t) {
      t.printStackTrace(System.err);
      System.exit(1);
    }
  }

  /** Adds {@code peak_heap_mb} ahead of the JVM-wide fields and prints the line, once per JVM. */
  static void finishWithPeakHeap(PrintStream json, Map<String, Object> line) {
    line.put("peak_heap_mb", PEAK_HEAP.get());
    finish(json, line);
  }
}
