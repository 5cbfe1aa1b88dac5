package io.heliosdb.bench;

import static io.heliosdb.bench.BenchSupport.log;
import static io.heliosdb.bench.BenchSupport.round;

import com.sun.management.OperatingSystemMXBean;
import io.heliosdb.beam.metrics.SourceMetrics;
import java.lang.management.ManagementFactory;
import java.util.Map;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.MetricNameFilter;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;

/**
 * What a live source costs the pipeline's JVM while its table is idle, over a window of wall
 * time: {@code idle_cpu_percent}, the JVM's CPU time as a percentage of one core (the runner's own
 * work included), and {@code idle_calls_per_s}, the source's calls per second, from its {@code
 * checkpoints_total} metric (one per poll of an incremental read, one per call of a change stream).
 *
 * <p>The metric is read once a second while the job runs, and the rate taken between the first
 * and the last change of the value seen in the window ({@code idle_calls_window_s}); without two
 * changes it is left out. The Direct runner updates it as each bundle commits; Flink's embedded
 * cluster did not report it while the job ran (its result's metrics stayed empty in the run of
 * 2026-12-03), so Flink lines have no {@code idle_calls_per_s}.
 */
final class IdleCost {
  private static final MetricsFilter CALLS =
      MetricsFilter.builder()
          .addNameFilter(
              MetricNameFilter.named(SourceMetrics.NAMESPACE, SourceMetrics.CHECKPOINTS_TOTAL))
          .build();

  private IdleCost() {}

  /** Waits {@code seconds} with the pipeline running and puts the idle figures into {@code line}. */
  static void measure(PipelineResult result, int seconds, Map<String, Object> line)
      throws InterruptedException {
    OperatingSystemMXBean os =
        (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    long cpu0 = os.getProcessCpuTime();
    long wall0 = System.nanoTime();
    long end = wall0 + seconds * 1_000_000_000L;
    long firstValue = -1;
    long firstAt = 0;
    long lastValue = -1;
    long lastAt = 0;
    long seen = -1;
    while (System.nanoTime() < end) {
      long calls = calls(result);
      if (calls >= 0 && calls != seen) {
        if (seen >= 0) { // a change of the value seen: the metric was updated just now
          if (firstValue < 0) {
            firstValue = seen;
            firstAt = System.nanoTime();
          }
          lastValue = calls;
          lastAt = System.nanoTime();
        }
        seen = calls;
      }
      Thread.sleep(Math.max(0, Math.min(1_000, (end - System.nanoTime()) / 1_000_000)));
    }
    double cpuPercent = 100.0 * (os.getProcessCpuTime() - cpu0) / (System.nanoTime() - wall0);
    BenchSupport.checkRunning(result);
    line.put("idle_cpu_percent", round(cpuPercent, 1));
    line.put("idle_s", seconds);
    String callsText = "calls per second not reported";
    if (lastAt > firstAt) {
      double window = (lastAt - firstAt) / 1e9;
      double perSecond = (lastValue - firstValue) / window;
      line.put("idle_calls_per_s", round(perSecond, 2));
      line.put("idle_calls_window_s", round(window, 1));
      callsText = String.format("%.2f calls per second over %.1f s", perSecond, window);
    }
    log(String.format("idle: %.1f %% of one core over %d s, %s", cpuPercent, seconds, callsText));
  }

  /** The source's calls so far, summed over steps; -1 when the runner does not report them. */
  private static long calls(PipelineResult result) {
    try {
      long sum = 0;
      for (MetricResult<Long> counter : result.metrics().queryMetrics(CALLS).getCounters()) {
        sum += counter.getAttempted();
      }
      return sum;
    } catch (RuntimeException e) {
      return -1;
    }
  }
}
