package io.heliosdb.beam.snapshot;

import io.heliosdb.beam.HeliosDbException;
import io.heliosdb.beam.dialect.Dialect;
import io.heliosdb.beam.pool.ConnectionPools;
import io.heliosdb.beam.pool.PooledDataSource;
import io.heliosdb.beam.schema.TableSchema;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import org.apache.beam.sdk.io.range.OffsetRange;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.splittabledofn.OffsetRangeTracker;
import org.apache.beam.sdk.transforms.splittabledofn.RestrictionTracker;
import org.apache.beam.sdk.values.Row;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads one {@link SnapshotSplit}, emitting its rows in batches.
 *
 * <h3>Initial Restriction</h3>
 * The split's own {@link OffsetRange}: key values, chunk ordinals or pages, or {@code [0, 1)}.
 *
 * <h3>Splitting</h3>
 * The planner already made one split per reader; {@code trySplit} of the {@link
 * OffsetRangeTracker} serves runner checkpoints and dynamic rebalancing.
 *
 * <h3>Checkpoint and Resume</h3>
 * Key ranges claim every row's key before emitting it and read in key order, so a residual
 * starts right after the last emitted row. Chunk and page splits claim a whole chunk before
 * reading it and emit it whole, so a residual starts at the next chunk. Either way every row of
 * an unchanging table is emitted exactly once across any sequence of checkpoints.
 *
 * <h3>Progress and Size</h3>
 * {@code @GetSize} is the remaining offsets times the planner's estimate of rows per offset.
 *
 * <h3>Track Watermark</h3>
 * None: a bounded read.
 */
@DoFn.BoundedPerElement
public class ReadSnapshotSplitDoFn extends DoFn<SnapshotSplit, List<Row>> {
  private static final Logger LOG = LoggerFactory.getLogger(ReadSnapshotSplitDoFn.class);
  /** Rows per output element; see {@link RowBatcher}. */
  static final int BATCH_SIZE = 500;

  private final SnapshotSpec spec;
  private transient PooledDataSource pool;
  private transient TableSchema rows;
  private transient SnapshotSql sql;
  private transient Dialect dialect;

  public ReadSnapshotSplitDoFn(SnapshotSpec spec) {
    this.spec = spec;
  }

  @Setup
  public void setup() {
    pool = ConnectionPools.acquire(spec.connection());
    rows = spec.tableSchema();
    sql = new SnapshotSql(spec);
    dialect = spec.dialect();
  }

  @Teardown
  public void teardown() {
    if (pool != null) {
      pool.close();
    }
  }

  @GetInitialRestriction
  public OffsetRange initialRestriction(@Element SnapshotSplit split) {
    return split.range();
  }

  @NewTracker
  public OffsetRangeTracker newTracker(@Restriction OffsetRange range) {
    return new OffsetRangeTracker(range);
  }

  @GetSize
  public double size(@Element SnapshotSplit split, @Restriction OffsetRange range) {
    return BigDecimal.valueOf(ChunkPlanner.width(range))
        .multiply(BigDecimal.valueOf(split.rowsPerOffset()))
        .doubleValue();
  }

  @ProcessElement
  public ProcessContinuation process(
      @Element SnapshotSplit split,
      RestrictionTracker<OffsetRange, Long> tracker,
      OutputReceiver<List<Row>> out) {
    try (Connection connection = pool.getConnection();
        RowBatcher batcher = new RowBatcher(out, BATCH_SIZE)) {
      switch (split.kind()) {
        case KEY_RANGE -> readKeyRange(connection, tracker, batcher);
        case CHUNKS -> readChunks(connection, split.boundaries(), tracker, batcher);
        case PAGES -> readPages(connection, split.rowsPerOffset(), tracker, batcher);
        case FULL_TABLE -> readOnce(connection, sql.fullTable(), null, tracker, batcher);
        case NULL_KEYS -> readOnce(connection, sql.nullKeys(), null, tracker, batcher);
        case MAX_KEY -> readOnce(connection, sql.maxKey(), Long.MAX_VALUE, tracker, batcher);
      }
    } catch (SQLException e) {
      throw new HeliosDbException(
          "[" + spec.label() + "] snapshot read of " + split.kind() + " "
              + tracker.currentRestriction() + " failed: " + e.getMessage(), e);
    }
    return ProcessContinuation.stop();
  }

  /** Queries of at most chunkSize rows in key order, claiming each row's key. */
  private void readKeyRange(
      Connection connection, RestrictionTracker<OffsetRange, Long> tracker, RowBatcher batcher)
      throws SQLException {
    int keyColumn = spec.table().indexOf(spec.splitColumns().get(0)) + 1;
    long cursor = tracker.currentRestriction().getFrom();
    while (true) {
      long to = tracker.currentRestriction().getTo();
      int read = 0;
      long lastKey = cursor;
      try (PreparedStatement statement = prepare(connection, sql.keyRange())) {
        statement.setLong(1, cursor);
        statement.setLong(2, to);
        statement.setInt(3, spec.chunkSize());
        try (ResultSet rs = statement.executeQuery()) {
          while (rs.next()) {
            lastKey = rs.getLong(keyColumn);
            if (!tracker.tryClaim(lastKey)) {
              return;
            }
            batcher.add(rows.read(rs, 1));
            read++;
          }
        }
      } finally {
        dialect.endStreaming(connection);
      }
      if (read < spec.chunkSize()) {
        tracker.tryClaim(Long.MAX_VALUE); // no rows left below 'to': the range is done
        return;
      }
      cursor = lastKey + 1;
    }
  }

  /** One query per chunk ordinal, each claimed before it is read. */
  private void readChunks(
      Connection connection,
      List<Row> boundaries,
      RestrictionTracker<OffsetRange, Long> tracker,
      RowBatcher batcher)
      throws SQLException {
    for (long i = tracker.currentRestriction().getFrom(); tracker.tryClaim(i); i++) {
      Row lower = boundaries.get((int) i);
      Row upper = boundaries.get((int) i + 1);
      try (PreparedStatement statement =
          prepare(connection, sql.chunk(lower != null, upper != null))) {
        int index = 1;
        if (lower != null) {
          index = sql.bindTuple(statement, index, lower);
        }
        if (upper != null) {
          sql.bindTuple(statement, index, upper);
        }
        emitAll(statement, batcher);
      }
    }
  }

  /** Blocks of pages of about chunkSize rows, every page of a block claimed before reading. */
  private void readPages(
      Connection connection,
      double rowsPerPage,
      RestrictionTracker<OffsetRange, Long> tracker,
      RowBatcher batcher)
      throws SQLException {
    long pagesPerBlock = Math.max(1, (long) (spec.chunkSize() / Math.max(1.0, rowsPerPage)));
    long page = tracker.currentRestriction().getFrom();
    while (true) {
      long blockStart = page;
      while (page - blockStart < pagesPerBlock && tracker.tryClaim(page)) {
        page++;
      }
      if (page == blockStart) {
        return;
      }
      try (PreparedStatement statement = prepare(connection, sql.pages())) {
        dialect.bindPageRange(statement, 1, blockStart, page);
        emitAll(statement, batcher);
      }
      if (page - blockStart < pagesPerBlock) {
        return; // the last claim failed: the restriction ends here
      }
    }
  }

  /** A split of one offset: claim it, then emit the whole query. */
  private void readOnce(
      Connection connection,
      String query,
      Long parameter,
      RestrictionTracker<OffsetRange, Long> tracker,
      RowBatcher batcher)
      throws SQLException {
    if (!tracker.tryClaim(0L)) {
      return;
    }
    try (PreparedStatement statement = prepare(connection, query)) {
      if (parameter != null) {
        statement.setLong(1, parameter);
      }
      emitAll(statement, batcher);
    }
    tracker.tryClaim(1L);
  }

  private PreparedStatement prepare(Connection connection, String query) throws SQLException {
    PreparedStatement statement = connection.prepareStatement(query);
    dialect.configureStreaming(connection, statement, spec.fetchSize());
    return statement;
  }

  /** Emits every row of the query and ends its transaction, so none outlives one chunk. */
  private void emitAll(PreparedStatement statement, RowBatcher batcher) throws SQLException {
    try (ResultSet rs = statement.executeQuery()) {
      while (rs.next()) {
        batcher.add(rows.read(rs, 1));
      }
    } finally {
      dialect.endStreaming(statement.getConnection());
    }
    LOG.debug("[{}] read {} rows so far", spec.label(), batcher.rows());
  }
}
