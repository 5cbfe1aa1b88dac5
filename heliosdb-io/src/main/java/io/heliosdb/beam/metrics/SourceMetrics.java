package io.heliosdb.beam.metrics;

import io.heliosdb.beam.ConnectionConfiguration;
import io.heliosdb.beam.dialect.ChangeCaptureSettings;
import io.heliosdb.beam.pool.PooledDataSource;
import java.io.Serializable;
import java.util.Map;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.DelegatingCounter;
import org.apache.beam.sdk.metrics.DelegatingDistribution;
import org.apache.beam.sdk.metrics.Distribution;
import org.apache.beam.sdk.metrics.Gauge;
import org.apache.beam.sdk.metrics.MetricName;
import org.apache.beam.sdk.metrics.Metrics;

/**
 * The Beam metrics of one source table, in namespace {@value #NAMESPACE}, each labelled with
 * {@code table} and {@code database}. The readers update them on the thread that runs the DoFn,
 * so the runner attributes them to the read step; see {@code docs/metrics.md} for each metric
 * and how it reaches Prometheus.
 *
 * <pre>{@code
 * SourceMetrics metrics = SourceMetrics.of(connection, "public.orders");
 * metrics.rowsRead(batch.size(), fetchMillis);
 * }</pre>
 */
public final class SourceMetrics implements Serializable {
  private static final long serialVersionUID = 1L;

  public static final String NAMESPACE = "heliosdb_database_source";
  public static final String ROWS_READ_TOTAL = "rows_read_total";
  public static final String READ_THROUGHPUT = "read_throughput";
  public static final String READ_LATENCY_MS = "read_latency_ms";
  public static final String READ_LATENCY_MS_SUM = "read_latency_ms_sum";
  public static final String READ_LATENCY_MS_COUNT = "read_latency_ms_count";
  public static final String ACTIVE_CONNECTIONS = "active_connections";
  public static final String CHECKPOINTS_TOTAL = "checkpoints_total";
  public static final String ERRORS_TOTAL = "errors_total";
  public static final String RETRIES_TOTAL = "retries_total";
  public static final String SNAPSHOT_CHUNKS_PLANNED = "snapshot_chunks_planned_total";
  public static final String SNAPSHOT_CHUNKS_COMPLETED = "snapshot_chunks_completed_total";
  public static final String CDC_LAG_MS = "cdc_lag_ms";
  public static final String CDC_LAG_BYTES = "cdc_lag_bytes";
  public static final String CDC_UNACKNOWLEDGED_MS = "cdc_unacknowledged_ms";
  public static final String POOL_IDLE_CONNECTIONS = "pool_idle_connections";
  public static final String POOL_PENDING_THREADS = "pool_pending_threads";
  public static final String POOL_MAX_CONNECTIONS = "pool_max_connections";
  public static final String TABLE_NOT_CAPTURED = "table_not_captured";

  private final String table;
  private final String database;
  private transient Instruments instruments;

  private SourceMetrics(String table, String database) {
    this.table = table;
    this.database = database;
  }

  /** The metrics of {@code table} read through {@code connection}. */
  public static SourceMetrics of(ConnectionConfiguration connection, String table) {
    return new SourceMetrics(table, databaseOf(connection));
  }

  /**
   * The database name of the connection's URL ({@code jdbc:<driver>://host[:port]/database}),
   * else the URL without credentials.
   */
  public static String databaseOf(ConnectionConfiguration connection) {
    try {
      return ChangeCaptureSettings.endpoint(
              connection.getJdbcUrl(), 0, connection.getRedactedUrl())
          .database();
    } catch (IllegalArgumentException e) {
      return connection.getRedactedUrl();
    }
  }

  public String table() {
    return table;
  }

  public String database() {
    return database;
  }

  /** The labels of every metric of this table. */
  public Map<String, String> labels() {
    return Map.of("table", table, "database", database);
  }

  /** {@code rows} were read in {@code latencyMillis}, then emitted. */
  public void rowsRead(long rows, long latencyMillis) {
    Instruments m = instruments();
    if (rows > 0) {
      m.rowsRead.inc(rows);
    }
    m.throughput.add(rows);
    latency(latencyMillis);
  }

  /**
   * The rows of a {@link LatencyBatch}, each with its own latency, counted at once: for hot paths
   * that emit rows one by one (CDC), so that the Beam metrics are updated once per call.
   */
  public void rowsRead(LatencyBatch batch) {
    if (batch.rows == 0) {
      return;
    }
    Instruments m = instruments();
    m.rowsRead.inc(batch.rows);
    m.throughput.add(batch.rows);
    m.latency.update(batch.sum, batch.rows, batch.min, batch.max);
    m.latencySum.inc(batch.sum);
    m.latencyCount.inc(batch.rows);
  }

  /** Rows read one by one and their latencies, gathered in plain fields. */
  public static final class LatencyBatch {
    private long rows;
    private long sum;
    private long min = Long.MAX_VALUE;
    private long max = Long.MIN_VALUE;

    /** One row read with {@code latencyMillis} (negative values, from clock skew, count as 0). */
    public void add(long latencyMillis) {
      long value = Math.max(0, latencyMillis);
      rows++;
      sum += value;
      min = Math.min(min, value);
      max = Math.max(max, value);
    }
  }

  /** One read latency: a batch's fetch time, or a change's commit-to-emit time. */
  public void latency(long millis) {
    Instruments m = instruments();
    long value = Math.max(0, millis);
    m.latency.update(value);
    m.latencySum.inc(value);
    m.latencyCount.inc();
  }

  /** A read returned its remaining work to the runner (a restriction checkpoint). */
  public void checkpoint() {
    instruments().checkpoints.inc();
  }

  /** A read failed (retried or not). */
  public void error() {
    instruments().errors.inc();
  }

  /** A failed read will be retried. */
  public void retry() {
    instruments().retries.inc();
  }

  public void chunksPlanned(long chunks) {
    instruments().chunksPlanned.inc(chunks);
  }

  public void chunkCompleted() {
    instruments().chunksCompleted.inc();
  }

  /** The change stream's lag: now minus the commit time of the last change read. */
  public void cdcLag(long millis, long bytes) {
    Instruments m = instruments();
    m.cdcLagMillis.set(Math.max(0, millis));
    if (bytes >= 0) {
      m.cdcLagBytes.set(bytes);
    }
  }

  /** The pool's connection counts, at most once a second. */
  public void pool(PooledDataSource pool) {
    Instruments m = instruments();
    long now = System.currentTimeMillis();
    if (now - m.poolReportedAt < 1_000) {
      return;
    }
    m.poolReportedAt = now;
    PooledDataSource.Stats stats = pool.stats();
    m.activeConnections.set(stats.active());
    m.idleConnections.set(stats.idle());
    m.pendingThreads.set(stats.pending());
    m.maxConnections.set(stats.max());
  }

  /**
   * Sets {@code cdc_unacknowledged_ms}: how long positions the stream emitted have waited for the
   * runner to commit them, with the acknowledgements standing still (0: all acknowledged).
   */
  public void cdcUnacknowledged(long millis) {
    instruments().cdcUnacknowledged.set(millis);
  }

  /**
   * Sets {@code table_not_captured} of this table to 1: the table matches a change stream's
   * selection but was created after the pipeline was built, so the stream does not capture it.
   */
  public void notCaptured() {
    instruments().notCaptured.set(1);
  }

  /** Sets {@code read_throughput} to 0 if nothing was read for a second. */
  public void idle() {
    instruments().throughput.add(0);
  }

  private Instruments instruments() {
    if (instruments == null) {
      instruments = new Instruments(labels());
    }
    return instruments;
  }

  @Override
  public String toString() {
    return "SourceMetrics{" + labels() + "}";
  }

  /** The Beam metric objects, made once per deserialized copy. */
  private static final class Instruments {
    final Counter rowsRead;
    final ThroughputGauge throughput;
    final Distribution latency;
    final Counter latencySum;
    final Counter latencyCount;
    final Counter checkpoints;
    final Counter errors;
    final Counter retries;
    final Counter chunksPlanned;
    final Counter chunksCompleted;
    final Gauge cdcLagMillis;
    final Gauge cdcLagBytes;
    final Gauge cdcUnacknowledged;
    final Gauge activeConnections;
    final Gauge idleConnections;
    final Gauge pendingThreads;
    final Gauge maxConnections;
    final Gauge notCaptured;
    long poolReportedAt;

    Instruments(Map<String, String> labels) {
      rowsRead = counter(ROWS_READ_TOTAL, labels);
      throughput = new ThroughputGauge(gauge(READ_THROUGHPUT, labels));
      latency = new DelegatingDistribution(MetricName.named(NAMESPACE, READ_LATENCY_MS, labels));
      latencySum = counter(READ_LATENCY_MS_SUM, labels);
      latencyCount = counter(READ_LATENCY_MS_COUNT, labels);
      checkpoints = counter(CHECKPOINTS_TOTAL, labels);
      errors = counter(ERRORS_TOTAL, labels);
      retries = counter(RETRIES_TOTAL, labels);
      chunksPlanned = counter(SNAPSHOT_CHUNKS_PLANNED, labels);
      chunksCompleted = counter(SNAPSHOT_CHUNKS_COMPLETED, labels);
      cdcLagMillis = gauge(CDC_LAG_MS, labels);
      cdcLagBytes = gauge(CDC_LAG_BYTES, labels);
      cdcUnacknowledged = gauge(CDC_UNACKNOWLEDGED_MS, labels);
      activeConnections = gauge(ACTIVE_CONNECTIONS, labels);
      idleConnections = gauge(POOL_IDLE_CONNECTIONS, labels);
      pendingThreads = gauge(POOL_PENDING_THREADS, labels);
      maxConnections = gauge(POOL_MAX_CONNECTIONS, labels);
      notCaptured = gauge(TABLE_NOT_CAPTURED, labels);
    }

    private static Counter counter(String name, Map<String, String> labels) {
      return new DelegatingCounter(MetricName.named(NAMESPACE, name, labels));
    }

    private static Gauge gauge(String name, Map<String, String> labels) {
      return Metrics.gauge(MetricName.named(NAMESPACE, name, labels));
    }
  }
}
