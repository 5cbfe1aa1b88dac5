package io.heliosdb.examples;

import io.heliosdb.beam.metrics.SourceMetrics;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.SummarySnapshot;
import io.prometheus.metrics.model.snapshots.SummarySnapshot.SummaryDataPointSnapshot;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.DistributionResult;
import org.apache.beam.sdk.metrics.GaugeResult;
import org.apache.beam.sdk.metrics.MetricKey;
import org.apache.beam.sdk.metrics.MetricNameFilter;
import org.apache.beam.sdk.metrics.MetricQueryResults;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;

/**
 * Serves the HeliosDB IO metrics of a running pipeline at {@code http://host:port/metrics} in
 * Prometheus' text format, read from the pipeline's {@code MetricResults} at each scrape: for the
 * Direct runner, whose result reports metrics while the pipeline runs. (On Flink use Flink's
 * Prometheus reporter instead; see docs/metrics.md.)
 *
 * <pre>{@code
 * PipelineResult result = pipeline.run();
 * try (HTTPServer server = PrometheusMetrics.serve(result, 9464)) {
 *   result.waitUntilFinish();
 * }
 * }</pre>
 *
 * <p>Each Beam metric {@code heliosdb_database_source/<name>} becomes {@code
 * heliosdb_database_source_<name>} with its labels ({@code table}, {@code database}) and the Beam
 * {@code step}. Counters are Prometheus counters, gauges gauges, and distributions in
 * milliseconds ({@code read_latency_ms}) summaries in seconds ({@code read_latency_seconds_sum},
 * {@code _count}). The counters {@code read_latency_ms_sum} and {@code _count}, which exist for
 * Flink's reporter (it cannot show distributions), are left out here: the summary has them.
 */
public final class PrometheusMetrics implements MultiCollector {
  static final String PREFIX = SourceMetrics.NAMESPACE + "_";

  private final PipelineResult result;

  private PrometheusMetrics(PipelineResult result) {
    this.result = result;
  }

  /** Starts an HTTP server on {@code port} (0: any free port) serving {@code result}'s metrics. */
  public static HTTPServer serve(PipelineResult result, int port) throws IOException {
    PrometheusRegistry registry = new PrometheusRegistry();
    registry.register(new PrometheusMetrics(result));
    return HTTPServer.builder().port(port).registry(registry).buildAndStart();
  }

  @Override
  public MetricSnapshots collect() {
    MetricQueryResults metrics = result.metrics().queryMetrics(MetricsFilter.builder()
        .addNameFilter(MetricNameFilter.inNamespace(SourceMetrics.NAMESPACE)).build());
    List<MetricSnapshot> snapshots = new ArrayList<>();
    grouped(metrics.getCounters()).forEach((name, results) -> {
      if (name.equals(SourceMetrics.READ_LATENCY_MS_SUM)
          || name.equals(SourceMetrics.READ_LATENCY_MS_COUNT)) {
        return;
      }
      CounterSnapshot.Builder counter =
          CounterSnapshot.builder().name(PREFIX + name.replaceFirst("_total$", ""));
      results.forEach(r -> counter.dataPoint(CounterDataPointSnapshot.builder()
          .labels(labels(r.getKey())).value(r.getAttempted()).build()));
      snapshots.add(counter.build());
    });
    grouped(metrics.getGauges()).forEach((name, results) -> {
      GaugeSnapshot.Builder gauge = GaugeSnapshot.builder().name(PREFIX + name);
      results.forEach(r -> gauge.dataPoint(GaugeDataPointSnapshot.builder()
          .labels(labels(r.getKey())).value(r.getAttempted().getValue()).build()));
      snapshots.add(gauge.build());
    });
    grouped(metrics.getDistributions()).forEach((name, results) -> {
      boolean millis = name.endsWith("_ms");
      double scale = millis ? 1_000.0 : 1.0;
      SummarySnapshot.Builder summary = SummarySnapshot.builder()
          .name(PREFIX + (millis ? name.substring(0, name.length() - 3) + "_seconds" : name));
      for (MetricResult<DistributionResult> r : results) {
        DistributionResult d = r.getAttempted();
        summary.dataPoint(SummaryDataPointSnapshot.builder().labels(labels(r.getKey()))
            .count(d.getCount()).sum(d.getSum() / scale).build());
      }
      snapshots.add(summary.build());
    });
    return new MetricSnapshots(snapshots);
  }

  /** The results by metric name, in name order. */
  private static <T> Map<String, List<MetricResult<T>>> grouped(Iterable<MetricResult<T>> all) {
    Map<String, List<MetricResult<T>>> byName = new TreeMap<>();
    for (MetricResult<T> r : all) {
      byName.computeIfAbsent(r.getName().getName(), n -> new ArrayList<>()).add(r);
    }
    return byName;
  }

  private static Labels labels(MetricKey key) {
    Map<String, String> labels = new LinkedHashMap<>(key.metricName().getLabels());
    labels.put("step", key.stepName());
    return Labels.of(new ArrayList<>(labels.keySet()), new ArrayList<>(labels.values()));
  }
}
