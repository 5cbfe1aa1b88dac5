package io.heliosdb.beam.metrics;

import com.zaxxer.hikari.metrics.IMetricsTracker;
import com.zaxxer.hikari.metrics.MetricsTrackerFactory;
import com.zaxxer.hikari.metrics.PoolStats;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.DelegatingCounter;
import org.apache.beam.sdk.metrics.DelegatingDistribution;
import org.apache.beam.sdk.metrics.Distribution;
import org.apache.beam.sdk.metrics.MetricName;

/**
 * HikariCP's connection-acquisition events as Beam metrics labelled with the {@code database}:
 * {@value #POOL_CONNECTION_WAIT_MS} (a distribution) and {@value #POOL_CONNECTION_TIMEOUTS_TOTAL}.
 * HikariCP records them on the thread that asked for the connection, so they count for the step
 * whose DoFn waited; its housekeeping threads have no metrics container and record nothing.
 */
public final class PoolMetricsTracker implements IMetricsTracker {
  public static final String POOL_CONNECTION_WAIT_MS = "pool_connection_wait_ms";
  public static final String POOL_CONNECTION_TIMEOUTS_TOTAL = "pool_connection_timeouts_total";

  private final Distribution wait;
  private final Counter timeouts;

  private PoolMetricsTracker(String database) {
    Map<String, String> labels = Map.of("database", database);
    wait = new DelegatingDistribution(
        MetricName.named(SourceMetrics.NAMESPACE, POOL_CONNECTION_WAIT_MS, labels));
    timeouts = new DelegatingCounter(
        MetricName.named(SourceMetrics.NAMESPACE, POOL_CONNECTION_TIMEOUTS_TOTAL, labels));
  }

  /** A factory for {@code HikariConfig.setMetricsTrackerFactory}. */
  public static MetricsTrackerFactory factory(String database) {
    return (String poolName, PoolStats stats) -> new PoolMetricsTracker(database);
  }

  @Override
  public void recordConnectionAcquiredNanos(long elapsedAcquiredNanos) {
    wait.update(TimeUnit.NANOSECONDS.toMillis(elapsedAcquiredNanos));
  }

  @Override
  public void recordConnectionTimeout() {
    timeouts.inc();
  }
}
