package io.heliosdb.beam.snapshot;

import io.heliosdb.beam.dialect.ExportedSnapshot;
import io.heliosdb.beam.dialect.SnapshotExport;
import io.heliosdb.beam.retry.Retrier;
import io.heliosdb.beam.metrics.SourceMetrics;
import io.heliosdb.beam.pool.ConnectionPools;
import io.heliosdb.beam.pool.PooledDataSource;
import io.heliosdb.beam.schema.TableSchema;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.beam.sdk.io.range.OffsetRange;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.values.Row;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plans a snapshot when the pipeline runs: reads the key bounds (or chunk boundaries, or page
 * count) and emits up to {@code parallelism} splits that together cover every row, plus a split
 * for NULL split keys and one for the key {@link Long#MAX_VALUE}, which no key range can hold.
 */
public class PlanSnapshotFn extends DoFn<byte[], SnapshotSplit> {
  private static final Logger LOG = LoggerFactory.getLogger(PlanSnapshotFn.class);

  private final SnapshotSpec spec;
  private transient PooledDataSource pool;

  PlanSnapshotFn(SnapshotSpec spec) {
    this.spec = spec;
  }

  @Setup
  public void setup() {
    pool = ConnectionPools.acquire(spec.connection());
  }

  @Teardown
  public void teardown() {
    if (pool != null) {
      pool.close();
    }
  }

  @ProcessElement
  public void process(OutputReceiver<SnapshotSplit> out) {
    SourceMetrics metrics = SourceMetrics.of(spec.connection(), spec.label());
    Retrier retrier = new Retrier(spec.connection().retryPolicy(), spec.dialect(), spec.label())
        .reportingTo(metrics);
    List<SnapshotSplit> splits = retrier.call("planning the snapshot", () -> {
      try (Connection connection = pool.getConnection()) {
        return plan(spec, connection);
      }
    });
    metrics.chunksPlanned(estimatedChunks(splits, spec.chunkSize()));
    splits.forEach(out::output);
  }

  /** About how many chunk queries reading {@code splits} takes. */
  public static long estimatedChunks(List<SnapshotSplit> splits, int chunkSize) {
    return splits.stream().mapToLong(split -> split.estimatedChunks(chunkSize)).sum();
  }

  /** The splits of a snapshot of the table as it is now. */
  public static List<SnapshotSplit> plan(SnapshotSpec spec, Connection connection)
      throws SQLException {
    List<SnapshotSplit> splits = new ArrayList<>();
    long rows = spec.dialect().estimateRowCount(connection, spec.table().table());
    SnapshotSql sql = new SnapshotSql(spec);
    try {
      switch (spec.strategy()) {
        case KEY_RANGES -> planKeyRanges(spec, connection, sql, rows, splits);
        case CHUNK_BOUNDARIES -> planChunks(spec, connection, sql, splits);
        case PAGE_RANGES -> planPages(spec, connection, rows, splits);
        case SINGLE_SCAN -> splits.add(SnapshotSplit.single(SnapshotSplit.Kind.FULL_TABLE));
      }
      if (spec.splitKeyNullable() && hasNullKeys(connection, sql)) {
        splits.add(SnapshotSplit.single(SnapshotSplit.Kind.NULL_KEYS));
      }
      spec.dialect().endStreaming(connection);
    } catch (SQLException | RuntimeException e) {
      // a plan that failed is planned again: nothing will read the snapshot it exported
      splits.stream().map(SnapshotSplit::exportedSnapshot).filter(Objects::nonNull).distinct()
          .forEach(ExportedSnapshots::release);
      throw e;
    }
    LOG.info("[{}] snapshot planned as {} splits ({})", spec.label(), splits.size(),
        spec.strategy());
    return splits;
  }

  private static void planKeyRanges(
      SnapshotSpec spec,
      Connection connection, SnapshotSql sql, long rows, List<SnapshotSplit> splits)
      throws SQLException {
    Long min;
    Long max;
    try (Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery(sql.minMaxKey())) {
      rs.next();
      min = rs.getObject(1) == null ? null : rs.getLong(1);
      max = rs.getObject(2) == null ? null : rs.getLong(2);
    }
    if (min == null || max == null) {
      return; // empty table, or only NULL keys
    }
    long end = max == Long.MAX_VALUE ? Long.MAX_VALUE : max + 1;
    double density = ChunkPlanner.density(rows, new OffsetRange(min, end));
    for (OffsetRange range : ChunkPlanner.splitEvenly(min, end, spec.parallelism())) {
      splits.add(new SnapshotSplit(SnapshotSplit.Kind.KEY_RANGE, range, density, List.of()));
    }
    if (max == Long.MAX_VALUE) {
      splits.add(SnapshotSplit.single(SnapshotSplit.Kind.MAX_KEY));
    }
  }

  private static void planChunks(
      SnapshotSpec spec,Connection connection, SnapshotSql sql, List<SnapshotSplit> splits)
      throws SQLException {
    TableSchema keys = spec.keySchema();
    List<Row> boundaries = new ArrayList<>();
    boundaries.add(null);
    try (PreparedStatement statement =
        connection.prepareStatement(sql.orderedKeys(spec.splitKeyNullable()))) {
      spec.dialect().configureStreaming(connection, statement, spec.fetchSize());
      try (ResultSet rs = statement.executeQuery()) {
        long count = 0;
        while (rs.next()) {
          if (++count % spec.chunkSize() == 0) {
            boundaries.add(keys.read(rs, 1));
          }
        }
        // a boundary equal to the last key would leave the final chunk empty; keep it anyway:
        // chunks are half-open, so the final one still holds exactly the keys above it.
      }
    }
    boundaries.add(null);
    int chunks = boundaries.size() - 1;
    for (OffsetRange range : ChunkPlanner.splitEvenly(0, chunks, spec.parallelism())) {
      splits.add(
          new SnapshotSplit(SnapshotSplit.Kind.CHUNKS, range, spec.chunkSize(), boundaries));
    }
  }

  /**
   * Page ranges, all read in one snapshot that a session of this JVM exports and keeps open until
   * the read is complete (see {@link ExportedSnapshots}). The pages are counted after the export:
   * every row of the snapshot lies on them, and the exporter's lock keeps it there.
   */
  private static void planPages(
      SnapshotSpec spec, Connection connection, long rows, List<SnapshotSplit> splits)
      throws SQLException {
    SnapshotExport export = spec.dialect().snapshotExport();
    if (export == null) {
      throw new IllegalStateException(
          spec.dialect().name() + " cannot read a table by pages in one snapshot");
    }
    ExportedSnapshot snapshot =
        ExportedSnapshots.export(spec.connection(), export, spec.table().table(), spec.label());
    try {
      long pages = spec.dialect().pageCount(connection, spec.table().table());
      double rowsPerPage = ChunkPlanner.density(rows, new OffsetRange(0, Math.max(1, pages)));
      // one page past the end, so that even an empty table has a split
      for (OffsetRange range : ChunkPlanner.splitEvenly(0, pages + 1, spec.parallelism())) {
        splits.add(new SnapshotSplit(SnapshotSplit.Kind.PAGES, range, rowsPerPage, List.of())
            .withExportedSnapshot(snapshot));
      }
    } catch (SQLException | RuntimeException e) {
      ExportedSnapshots.release(snapshot);
      throw e;
    }
  }

  private static boolean hasNullKeys(Connection connection, SnapshotSql sql) throws SQLException {
    try (PreparedStatement statement = connection.prepareStatement(sql.anyNullKey())) {
      statement.setInt(1, 1);
      try (ResultSet rs = statement.executeQuery()) {
        return rs.next();
      }
    }
  }
}
