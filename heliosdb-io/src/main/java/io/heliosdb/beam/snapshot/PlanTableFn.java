package io.heliosdb.beam.snapshot;

import io.heliosdb.beam.metrics.SourceMetrics;
import io.heliosdb.beam.pool.ConnectionPools;
import io.heliosdb.beam.pool.PooledDataSource;
import io.heliosdb.beam.retry.Retrier;
import java.sql.Connection;
import java.util.List;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.values.KV;

/**
 * Plans one table of a multi-table snapshot, given its index and, for snapshot-then-CDC, the log
 * position where the stream starts (else empty): a table that fits in one chunk is one split, a
 * larger one up to the read's parallelism, so that every table's chunks share the readers and
 * none waits behind a large table.
 */
class PlanTableFn extends DoFn<KV<Integer, String>, TableSplit> {
  private final List<SnapshotSpec> tables;
  private transient PooledDataSource pool;

  PlanTableFn(List<SnapshotSpec> tables) {
    this.tables = tables;
  }

  @Setup
  public void setup() {
    pool = ConnectionPools.acquire(tables.get(0).connection());
  }

  @Teardown
  public void teardown() {
    if (pool != null) {
      pool.close();
    }
  }

  @ProcessElement
  public void process(@Element KV<Integer, String> element, OutputReceiver<TableSplit> out) {
    int table = element.getKey();
    String logStart = element.getValue();
    SnapshotSpec spec = tables.get(table);
    SourceMetrics metrics = SourceMetrics.of(spec.connection(), spec.label());
    Retrier retrier = new Retrier(spec.connection().retryPolicy(), spec.dialect(), spec.label())
        .reportingTo(metrics);
    List<SnapshotSplit> splits = retrier.call("planning the snapshot", () -> {
      try (Connection connection = pool.getConnection()) {
        long rows = spec.dialect().estimateRowCount(connection, spec.table().table());
        return PlanSnapshotFn.plan(spec.withParallelism(readersFor(spec, rows)), connection);
      }
    });
    metrics.chunksPlanned(PlanSnapshotFn.estimatedChunks(splits, spec.chunkSize()));
    for (SnapshotSplit split : splits) {
      out.output(new TableSplit(table, logStart.isEmpty() ? split : split.withLogStart(logStart)));
    }
  }

  /**
   * One reader per chunk of the database's row estimate, at most the read's parallelism; the
   * read's parallelism when the database has no estimate (a table never analyzed).
   */
  static int readersFor(SnapshotSpec spec, long estimatedRows) {
    if (estimatedRows < 0) {
      return spec.parallelism();
    }
    long chunks = (Math.max(0, estimatedRows) + spec.chunkSize() - 1) / spec.chunkSize();
    return (int) Math.max(1, Math.min(spec.parallelism(), chunks));
  }
}
