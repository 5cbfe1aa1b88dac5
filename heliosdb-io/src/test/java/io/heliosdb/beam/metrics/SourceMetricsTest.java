package io.heliosdb.beam.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.heliosdb.beam.ConnectionConfiguration;
import java.io.Closeable;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.beam.runners.core.metrics.MetricsContainerImpl;
import org.apache.beam.sdk.metrics.Gauge;
import org.apache.beam.sdk.metrics.MetricName;
import org.apache.beam.sdk.metrics.MetricsEnvironment;
import org.apache.beam.sdk.util.SerializableUtils;
import org.junit.jupiter.api.Test;

class SourceMetricsTest {
  private static final ConnectionConfiguration POSTGRES = ConnectionConfiguration
      .create("jdbc:postgresql://db.example:5432/shop").withUsername("reader")
      .withPassword("s3cret");

  private static MetricName name(String name) {
    return MetricName.named(SourceMetrics.NAMESPACE, name,
        Map.of("table", "public.orders", "database", "shop"));
  }

  @Test
  void aLatencyBatchCountsEachRowsLatencyInOneUpdate() throws Exception {
    MetricsContainerImpl container = new MetricsContainerImpl("read-step");
    SourceMetrics metrics = SourceMetrics.of(POSTGRES, "public.orders");
    SourceMetrics.LatencyBatch changes = new SourceMetrics.LatencyBatch();
    changes.add(40);
    changes.add(-3); // clock skew: counts as 0
    changes.add(65);
    try (Closeable scope = MetricsEnvironment.scopedMetricsContainer(container)) {
      metrics.rowsRead(changes);
      metrics.rowsRead(new SourceMetrics.LatencyBatch()); // nothing read: nothing counted
    }
    assertThat(container.getCounter(name(SourceMetrics.ROWS_READ_TOTAL)).getCumulative())
        .isEqualTo(3);
    assertThat(container.getDistribution(name(SourceMetrics.READ_LATENCY_MS)).getCumulative())
        .satisfies(d -> {
          assertThat(d.count()).isEqualTo(3);
          assertThat(d.sum()).isEqualTo(105);
          assertThat(d.min()).isEqualTo(0);
          assertThat(d.max()).isEqualTo(65);
        });
    assertThat(container.getCounter(name(SourceMetrics.READ_LATENCY_MS_COUNT)).getCumulative())
        .isEqualTo(3);
  }

  @Test
  void labelsNameTheTableAndTheDatabaseNeverTheCredentials() {
    SourceMetrics metrics = SourceMetrics.of(POSTGRES, "public.orders");
    assertThat(metrics.labels()).containsOnly(
        Map.entry("table", "public.orders"), Map.entry("database", "shop"));
    assertThat(SourceMetrics.databaseOf(ConnectionConfiguration.create(
        "jdbc:oracle:thin:reader/pw@//db.example:1521/ORCL"))).doesNotContain("pw");
    assertThat(metrics.toString()).doesNotContain("s3cret");
  }

  @Test
  void countsRowsLatencyCheckpointsErrorsAndChunksInTheCurrentContainer() throws Exception {
    MetricsContainerImpl container = new MetricsContainerImpl("read-step");
    // a copy, as a worker deserializes it: the instruments are made again
    SourceMetrics metrics =
        SerializableUtils.clone(SourceMetrics.of(POSTGRES, "public.orders"));
    try (Closeable scope = MetricsEnvironment.scopedMetricsContainer(container)) {
      metrics.rowsRead(500, 12);
      metrics.rowsRead(250, 8);
      metrics.checkpoint();
      metrics.error();
      metrics.retry();
      metrics.chunksPlanned(4);
      metrics.chunkCompleted();
      metrics.cdcLag(35, 4096);
    }
    assertThat(container.getCounter(name(SourceMetrics.ROWS_READ_TOTAL)).getCumulative())
        .isEqualTo(750);
    assertThat(container.getDistribution(name(SourceMetrics.READ_LATENCY_MS)).getCumulative())
        .satisfies(d -> {
          assertThat(d.count()).isEqualTo(2);
          assertThat(d.sum()).isEqualTo(20);
          assertThat(d.max()).isEqualTo(12);
        });
    assertThat(container.getCounter(name(SourceMetrics.READ_LATENCY_MS_SUM)).getCumulative())
        .isEqualTo(20);
    assertThat(container.getCounter(name(SourceMetrics.READ_LATENCY_MS_COUNT)).getCumulative())
        .isEqualTo(2);
    assertThat(container.getCounter(name(SourceMetrics.CHECKPOINTS_TOTAL)).getCumulative())
        .isEqualTo(1);
    assertThat(container.getCounter(name(SourceMetrics.ERRORS_TOTAL)).getCumulative())
        .isEqualTo(1);
    assertThat(container.getCounter(name(SourceMetrics.RETRIES_TOTAL)).getCumulative())
        .isEqualTo(1);
    assertThat(container.getCounter(name(SourceMetrics.SNAPSHOT_CHUNKS_PLANNED)).getCumulative())
        .isEqualTo(4);
    assertThat(container.getCounter(name(SourceMetrics.SNAPSHOT_CHUNKS_COMPLETED))
        .getCumulative()).isEqualTo(1);
    assertThat(container.getGauge(name(SourceMetrics.CDC_LAG_MS)).getCumulative().value())
        .isEqualTo(35);
    assertThat(container.getGauge(name(SourceMetrics.CDC_LAG_BYTES)).getCumulative().value())
        .isEqualTo(4096);
  }

  @Test
  void throughputIsRowsPerSecondOfEachWindowOfAtLeastASecond() {
    AtomicLong clock = new AtomicLong(10_000);
    AtomicLong value = new AtomicLong(-1);
    Gauge gauge = new Gauge() {
      @Override
      public void set(long v) {
        value.set(v);
      }

      @Override
      public MetricName getName() {
        return name(SourceMetrics.READ_THROUGHPUT);
      }
    };
    ThroughputGauge throughput = new ThroughputGauge(gauge, clock::get);
    throughput.add(3_000);
    clock.addAndGet(500);
    throughput.add(2_000);
    assertThat(value.get()).as("not set before a second has passed").isEqualTo(-1);
    clock.addAndGet(1_500);
    throughput.add(1_000);
    assertThat(value.get()).isEqualTo(3_000); // 6,000 rows in 2 s
    clock.addAndGet(1_000);
    throughput.add(0);
    assertThat(value.get()).as("an idle second").isZero();
  }
}
