package io.heliosdb.beam;

import static io.heliosdb.beam.metrics.SourceMetrics.ACTIVE_CONNECTIONS;
import static io.heliosdb.beam.metrics.SourceMetrics.CDC_LAG_BYTES;
import static io.heliosdb.beam.metrics.SourceMetrics.CDC_LAG_MS;
import static io.heliosdb.beam.metrics.SourceMetrics.CHECKPOINTS_TOTAL;
import static io.heliosdb.beam.metrics.SourceMetrics.ERRORS_TOTAL;
import static io.heliosdb.beam.metrics.SourceMetrics.NAMESPACE;
import static io.heliosdb.beam.metrics.SourceMetrics.POOL_MAX_CONNECTIONS;
import static io.heliosdb.beam.metrics.SourceMetrics.READ_LATENCY_MS;
import static io.heliosdb.beam.metrics.SourceMetrics.READ_LATENCY_MS_COUNT;
import static io.heliosdb.beam.metrics.SourceMetrics.ROWS_READ_TOTAL;
import static io.heliosdb.beam.metrics.SourceMetrics.SNAPSHOT_CHUNKS_COMPLETED;
import static io.heliosdb.beam.metrics.SourceMetrics.SNAPSHOT_CHUNKS_PLANNED;
import static org.assertj.core.api.Assertions.assertThat;

import io.heliosdb.beam.metrics.PoolMetricsTracker;
import io.heliosdb.beam.testing.TestDatabase;
import io.heliosdb.beam.testing.TestDatabases;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import java.util.stream.StreamSupport;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.DistributionResult;
import org.apache.beam.sdk.metrics.GaugeResult;
import org.apache.beam.sdk.metrics.MetricNameFilter;
import org.apache.beam.sdk.metrics.MetricQueryResults;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ArgumentsSource;

/**
 * The source's Beam metrics, read back from the pipeline's {@code MetricResults} as a user (or the
 * Prometheus example) reads them: names, labels and values of real reads on the Direct runner.
 */
@ExtendWith(TestPipelineExtension.class)
class MetricsIT {

  static MetricQueryResults query(PipelineResult result) {
    return result.metrics().queryMetrics(
        MetricsFilter.builder().addNameFilter(MetricNameFilter.inNamespace(NAMESPACE)).build());
  }

  /** The attempted value of counter {@code name}, summed over steps; 0 if absent. */
  static long counter(MetricQueryResults metrics, String name) {
    return StreamSupport.stream(metrics.getCounters().spliterator(), false)
        .filter(r -> r.getName().getName().equals(name))
        .mapToLong(MetricResult::getAttempted).sum();
  }

  static List<MetricResult<GaugeResult>> gauges(MetricQueryResults metrics, String name) {
    return StreamSupport.stream(metrics.getGauges().spliterator(), false)
        .filter(r -> r.getName().getName().equals(name)).toList();
  }

  static DistributionResult distribution(MetricQueryResults metrics, String name) {
    return StreamSupport.stream(metrics.getDistributions().spliterator(), false)
        .filter(r -> r.getName().getName().equals(name))
        .map(MetricResult::getAttempted).findFirst().orElse(DistributionResult.IDENTITY_ELEMENT);
  }

  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void snapshotCountsRowsChunksLatencyAndConnectionsLabelledByTable(
      TestDatabase db, TestPipeline pipeline) throws Exception {
    String table = TestDatabase.uniqueName("metrics_snap");
    db.execute("CREATE TABLE " + table + " (id BIGINT PRIMARY KEY, v VARCHAR(20))");
    int rows = 5_000;
    db.insert(table, "id, v",
        LongStream.range(0, rows).mapToObj(i -> new Object[] {i, "v" + i}).toList());
    try {
      pipeline.apply(SnapshotReadIT.read(db, table)
          .withSnapshot(SnapshotOptions.byPrimaryKey().withChunkSize(500)).withParallelism(2));
      PipelineResult result = pipeline.run();
      result.waitUntilFinish();

      MetricQueryResults metrics = query(result);
      assertThat(counter(metrics, ROWS_READ_TOTAL)).isEqualTo(rows);
      assertThat(counter(metrics, ERRORS_TOTAL)).isZero();
      // planned is an estimate from the catalog's row count (MariaDB's is approximate)
      assertThat(counter(metrics, SNAPSHOT_CHUNKS_PLANNED)).as("5,000 rows in chunks of 500")
          .isBetween(5L, 25L);
      assertThat(counter(metrics, SNAPSHOT_CHUNKS_COMPLETED)).as("queries of at most 500 rows")
          .isBetween(10L, 14L);
      DistributionResult latency = distribution(metrics, READ_LATENCY_MS);
      assertThat(latency.getCount()).isPositive();
      assertThat(counter(metrics, READ_LATENCY_MS_COUNT)).isEqualTo(latency.getCount());
      assertThat(gauges(metrics, ACTIVE_CONNECTIONS)).isNotEmpty()
          .allSatisfy(g -> assertThat(g.getAttempted().getValue()).isBetween(1L, 10L));
      assertThat(gauges(metrics, POOL_MAX_CONNECTIONS)).isNotEmpty()
          .allSatisfy(g -> assertThat(g.getAttempted().getValue()).isEqualTo(10L));

      MetricResult<Long> rowsRead =
          StreamSupport.stream(metrics.getCounters().spliterator(), false)
              .filter(r -> r.getName().getName().equals(ROWS_READ_TOTAL)).findFirst().orElseThrow();
      Map<String, String> labels = rowsRead.getName().getLabels();
      assertThat(labels.get("table")).endsWith(table);
      assertThat(labels.get("database")).isEqualTo(
          io.heliosdb.beam.metrics.SourceMetrics.databaseOf(db.connectionConfiguration()));
      assertThat(labels.get("database")).doesNotContain(db.password().isEmpty() ? "\0" : db.password());
      assertThat(counter(metrics, PoolMetricsTracker.POOL_CONNECTION_TIMEOUTS_TOTAL)).isZero();
      assertThat(distribution(metrics, PoolMetricsTracker.POOL_CONNECTION_WAIT_MS).getCount())
          .as("each connection taken from the pool").isPositive();
    } finally {
      db.dropQuietly(table);
    }
  }

  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void changeStreamReportsLagLatencyAndCheckpointsWhileRunning(
      TestDatabase db, TestPipeline pipeline) throws Exception {
    String table = CdcReadIT.createTable(db, "metrics_cdc");
    CdcOptions options = CdcReadIT.cdc(db, table);
    pipeline.apply(CdcReadIT.read(db, table, options));
    PipelineResult result = CdcReadIT.start(pipeline);
    try {
      db.execute("INSERT INTO " + table + " VALUES (1, 'a'), (2, 'b'), (3, 'c')");
      db.execute("UPDATE " + table + " SET v = 'b2' WHERE id = 2");
      CdcReadIT.awaitWhileRunning(result, () -> counter(query(result), ROWS_READ_TOTAL) >= 4);
      // cdc_lag_bytes is measured at the first call and every 10 s after
      CdcReadIT.awaitWhileRunning(result, () -> !gauges(query(result), CDC_LAG_BYTES).isEmpty());
      MetricQueryResults metrics = query(result);
      assertThat(counter(metrics, ROWS_READ_TOTAL)).isEqualTo(4);
      assertThat(counter(metrics, CHECKPOINTS_TOTAL)).as("each call resumes").isPositive();
      DistributionResult latency = distribution(metrics, READ_LATENCY_MS);
      assertThat(latency.getCount()).as("commit-to-emit of each change").isEqualTo(4);
      assertThat(latency.getMax()).as("commit-to-emit, ms").isLessThan(30_000);
      assertThat(gauges(metrics, CDC_LAG_MS)).isNotEmpty()
          .allSatisfy(g -> assertThat(g.getAttempted().getValue()).isBetween(0L, 30_000L));
      assertThat(gauges(metrics, CDC_LAG_BYTES)).isNotEmpty()
          .allSatisfy(g -> assertThat(g.getAttempted().getValue()).isNotNegative());
      // the Direct runner commits each bundle at once: its claims barely wait
      assertThat(gauges(metrics, "cdc_unacknowledged_ms")).isNotEmpty()
          .allSatisfy(g -> assertThat(g.getAttempted().getValue()).isBetween(0L, 30_000L));
    } finally {
      result.cancel();
      CdcReadIT.dropSlot(db, table);
      db.dropQuietly(table);
    }
  }

  /**
   * An idle stream costs the runner about one call a second, not one per connector poll (every
   * few milliseconds), and the first change after the idle time still arrives.
   */
  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void anIdleStreamCallsAboutOnceASecond(TestDatabase db, TestPipeline pipeline)
      throws Exception {
    String table = CdcReadIT.createTable(db, "metrics_idle");
    CdcOptions options = CdcReadIT.cdc(db, table);
    pipeline.apply(CdcReadIT.read(db, table, options));
    PipelineResult result = CdcReadIT.start(pipeline);
    try {
      db.execute("INSERT INTO " + table + " VALUES (1, 'a')");
      CdcReadIT.awaitWhileRunning(result, () -> counter(query(result), ROWS_READ_TOTAL) >= 1);
      long calls = counter(query(result), CHECKPOINTS_TOTAL);
      long from = System.nanoTime();
      Thread.sleep(10_000);
      double seconds = (System.nanoTime() - from) / 1e9;
      double callsPerSecond = (counter(query(result), CHECKPOINTS_TOTAL) - calls) / seconds;
      System.out.printf("[%s] idle stream: %.1f calls/s%n", db, callsPerSecond);
      assertThat(callsPerSecond).as("calls per second of an idle stream").isLessThan(4.0);

      db.execute("INSERT INTO " + table + " VALUES (2, 'b')");
      CdcReadIT.awaitWhileRunning(result, () -> counter(query(result), ROWS_READ_TOTAL) >= 2);
      assertThat(counter(query(result), ROWS_READ_TOTAL)).isEqualTo(2);
    } finally {
      result.cancel();
      CdcReadIT.dropSlot(db, table);
      db.dropQuietly(table);
    }
  }
}
