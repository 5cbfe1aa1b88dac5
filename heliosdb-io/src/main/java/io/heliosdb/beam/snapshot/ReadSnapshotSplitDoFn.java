package io.heliosdb.beam.snapshot;

import io.heliosdb.beam.HeliosDbException;
import io.heliosdb.beam.dialect.Dialect;
import io.heliosdb.beam.dialect.ExportedSnapshot;
import io.heliosdb.beam.dialect.SnapshotExport;
import io.heliosdb.beam.metrics.SourceMetrics;
import io.heliosdb.beam.pool.ConnectionPools;
import io.heliosdb.beam.pool.PooledDataSource;
import io.heliosdb.beam.retry.Retrier;
import io.heliosdb.beam.schema.ColumnCheck;
import io.heliosdb.beam.schema.TableSchema;
import io.heliosdb.beam.snapshot.BlockRangeTracker.Block;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.beam.sdk.io.range.OffsetRange;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.splittabledofn.RestrictionTracker;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.Row;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads one {@link SnapshotSplit}, emitting its rows one by one ({@link Rows}) or in batches
 * ({@link Batches}).
 *
 * <h2>Initial Restriction</h2>
 * The split's own {@link OffsetRange}: key values, chunk ordinals or pages, or {@code [0, 1)}.
 *
 * <h2>Splitting</h2>
 * The planner already made one split per reader; {@code trySplit} of the {@link
 * BlockRangeTracker} serves runner checkpoints and dynamic rebalancing.
 *
 * <h2>Checkpoint and Resume</h2>
 * Key ranges read in key order and claim each batch of rows, as a block of keys, before emitting
 * it, so a residual starts right after the last emitted row. Chunk and page splits claim a whole
 * chunk before reading it and emit it whole, so a residual starts at the next chunk. Either way every row of
 * an unchanging table is emitted exactly once across any sequence of checkpoints. Page splits read
 * every block in the snapshot the planner exported ({@link SnapshotSplit#exportedSnapshot()}), so
 * a residual resumed later, on any worker, reads the table as of the same moment: rows that move
 * between pages meanwhile are neither lost nor repeated.
 *
 * <h2>Progress and Size</h2>
 * {@code @GetSize} is the remaining offsets times the planner's estimate of rows per offset.
 *
 * <h2>Track Watermark</h2>
 * None: a bounded read.
 */
@DoFn.BoundedPerElement
public abstract class ReadSnapshotSplitDoFn<OutT> extends DoFn<SnapshotSplit, OutT> {
  private static final Logger LOG = LoggerFactory.getLogger(ReadSnapshotSplitDoFn.class);
  private final SnapshotSpec spec;
  private transient PooledDataSource pool;
  private transient TableSchema rows;
  private transient SnapshotSql sql;
  private transient Dialect dialect;
  private transient SourceMetrics metrics;

  /**
   * How long a consistent read (snapshot-then-CDC, a streaming pipeline) runs before it returns
   * and lets the runner checkpoint: the Flink runner cannot checkpoint a task while a call runs,
   * and a snapshot that never lets a checkpoint complete fails the job at the checkpoint timeout.
   */
  static final long MAX_CONSISTENT_CALL_MILLIS = 1_000;

  ReadSnapshotSplitDoFn(SnapshotSpec spec) {
    this.spec = spec;
  }

  /**
   * Outputs a batch of rows whose claim succeeded.
   *
   * @param chunk what the consistent read of the batch saw, when {@link #consistent()}; null
   *     otherwise
   */
  abstract void emit(List<Row> batch, @Nullable ChunkSnapshot chunk, OutputReceiver<OutT> out);

  /**
   * Whether each query reads in a transaction mapped onto the log ({@link
   * Dialect#beginConsistentRead}) and every claim, even of no rows, is emitted with its {@link
   * ChunkSnapshot}: for snapshot-then-CDC.
   */
  boolean consistent() {
    return false;
  }

  /** Outputs each row: for runners that take many outputs per call cheaply (Flink, Dataflow). */
  public static final class Rows extends ReadSnapshotSplitDoFn<Row> {
    public Rows(SnapshotSpec spec) {
      super(spec);
    }

    @Override
    void emit(List<Row> batch, @Nullable ChunkSnapshot chunk, OutputReceiver<Row> out) {
      for (Row row : batch) {
        out.output(row);
      }
    }
  }

  /**
   * Outputs whole batches, for a following step to flatten. The Direct runner checks, encodes and
   * counts a splittable DoFn's outputs one by one and checkpoints it after 100 of them (see
   * RUNNER-FACTS), so batches make that cost per batch instead of per row.
   */
  public static final class Batches extends ReadSnapshotSplitDoFn<List<Row>> {
    public Batches(SnapshotSpec spec) {
      super(spec);
    }

    @Override
    void emit(List<Row> batch, @Nullable ChunkSnapshot chunk, OutputReceiver<List<Row>> out) {
      out.output(batch);
    }
  }

  /**
   * Reads each query in a consistent transaction and outputs each claimed block of rows with what
   * that read saw, for snapshot-then-CDC; see {@link ChunkSnapshot}.
   */
  public static final class Consistent extends ReadSnapshotSplitDoFn<KV<ChunkSnapshot, List<Row>>> {
    public Consistent(SnapshotSpec spec) {
      super(spec);
    }

    @Override
    boolean consistent() {
      return true;
    }

    @Override
    void emit(
        List<Row> batch,
        @Nullable ChunkSnapshot chunk,
        OutputReceiver<KV<ChunkSnapshot, List<Row>>> out) {
      out.output(KV.of(chunk, batch));
    }
  }

  @Setup
  public void setup() {
    pool = ConnectionPools.acquire(spec.connection());
    rows = spec.tableSchema();
    sql = new SnapshotSql(spec);
    dialect = spec.dialect();
    metrics = SourceMetrics.of(spec.connection(), spec.label());
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
  public BlockRangeTracker newTracker(@Restriction OffsetRange range) {
    return new BlockRangeTracker(range);
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
      RestrictionTracker<OffsetRange, Block> tracker,
      OutputReceiver<OutT> out) {
    Retrier retrier =
        new Retrier(spec.connection().retryPolicy(), dialect, spec.label()).reportingTo(metrics);
    ReadProgress progress =
        new ReadProgress(
            tracker.currentRestriction().getFrom(), retrier,
            consistent() ? System.currentTimeMillis() + MAX_CONSISTENT_CALL_MILLIS : Long.MAX_VALUE,
            split.logStart());
    Sink sink =
        (batch, chunk) -> {
          progress.emitted = true;
          long fetched = System.currentTimeMillis();
          metrics.rowsRead(batch.size(), fetched - progress.fetchStart);
          metrics.pool(pool);
          emit(batch, chunk, out);
          progress.fetchStart = System.currentTimeMillis();
        };
    while (true) {
      try (Connection connection = pool.getConnection()) {
        try {
          read(split, connection, tracker, sink, progress);
        } catch (SQLException e) {
          throw Retrier.onConnection(connection, e);
        }
        if (progress.paused || progress.refused) {
          metrics.checkpoint();
        }
        return progress.paused ? ProcessContinuation.resume() : ProcessContinuation.stop();
      } catch (SQLException e) {
        String what = "snapshot read of " + split.kind() + " " + tracker.currentRestriction()
            + " at offset " + progress.next;
        new ColumnCheck(dialect, spec.table(), spec.label()).afterFailure(pool, e, what);
        if (progress.emitted) {
          metrics.error();
          throw new HeliosDbException(
              "[" + spec.label() + "] " + what + " failed after emitting part of a chunk, which"
                  + " cannot resume inside it (the runner retries the bundle): " + e.getMessage(),
              e);
        }
        Retrier.sleep(retrier.delayAfter(e, what)); // throws once retries are spent or useless
      }
    }
  }

  private void read(
      SnapshotSplit split, Connection connection, RestrictionTracker<OffsetRange, Block> tracker,
      Sink sink, ReadProgress progress)
      throws SQLException {
    switch (split.kind()) {
      case KEY_RANGE -> readKeyRange(connection, tracker, sink, progress);
      case CHUNKS -> readChunks(connection, split.boundaries(), tracker, sink, progress);
      case PAGES -> readPages(connection, split, tracker, sink, progress);
      case FULL_TABLE -> readOnce(connection, sql.fullTable(), null, null, tracker, sink, progress);
      case NULL_KEYS -> readOnce(connection, sql.nullKeys(), null, null, tracker, sink, progress);
      case MAX_KEY -> readOnce(connection, sql.maxKey(), Long.MAX_VALUE, List.of(Long.MAX_VALUE),
          tracker, sink, progress);
    }
  }

  /**
   * Where a read stands, so that a retry after a failure resumes exactly there: the first offset
   * not yet read and emitted, the end of a block already claimed but not yet read (-1 if none),
   * and whether rows of that block were emitted (then it cannot be resumed inside).
   */
  private static final class ReadProgress {
    private final Retrier retrier;
    private final long pauseAfter;
    /** Where the change stream starts, for the position of consistent reads' rows. */
    private final @Nullable String logStart;
    long next;
    long claimedTo = -1;
    boolean emitted;
    /** Whether the read stopped early to let the runner checkpoint; the rest resumes later. */
    boolean paused;
    /** Whether a claim was refused: the runner checkpointed or split the restriction. */
    boolean refused;
    /** When the rows of the next batch began to be fetched, for the read latency. */
    long fetchStart = System.currentTimeMillis();

    ReadProgress(long next, Retrier retrier, long pauseAfter, @Nullable String logStart) {
      this.next = next;
      this.retrier = retrier;
      this.pauseAfter = pauseAfter;
      this.logStart = logStart;
    }

    /** After a completed block: whether to return now and let the runner checkpoint. */
    boolean pause() {
      paused = System.currentTimeMillis() >= pauseAfter;
      return paused;
    }

    /** Claims {@code block} unless a failed attempt claimed it already. */
    boolean claim(RestrictionTracker<OffsetRange, Block> tracker, Block block) {
      if (claimedTo > block.from()) {
        block.claimedTo = claimedTo;
        return true;
      }
      if (!tracker.tryClaim(block)) {
        refused = true;
        return false;
      }
      claimedTo = block.claimedTo();
      return true;
    }

    /** Everything before {@code offset} is read and emitted. */
    void completed(long offset) {
      next = offset;
      claimedTo = -1;
      emitted = false;
      retrier.succeeded();
    }
  }

  /**
   * Queries of at most chunkSize rows in key order. Each batch of rows is claimed as the block of
   * keys from the end of the previous batch to just after its last row, and only the rows the
   * claim covers are emitted: a residual resumes right after the last emitted row.
   */
  private void readKeyRange(
      Connection connection, RestrictionTracker<OffsetRange, Block> tracker, Sink out,
      ReadProgress progress)
      throws SQLException {
    int keyColumn = spec.selectedColumns().indexOf(spec.splitColumns().get(0)) + 1;
    int batchSize = spec.outputBatchSize();
    long cursor = progress.next;
    while (cursor < tracker.currentRestriction().getTo()) {
      long queryTo = tracker.currentRestriction().getTo();
      List<Row> batch = new ArrayList<>(batchSize);
      long[] keys = new long[batchSize];
      int read = 0;
      ChunkView view = beginChunk(connection, progress);
      try (PreparedStatement statement = prepare(connection, sql.keyRange())) {
        int index = sql.bindFilter(statement);
        statement.setLong(index, cursor);
        statement.setLong(index + 1, queryTo);
        statement.setInt(index + 2, spec.chunkSize());
        try (ResultSet rs = statement.executeQuery()) {
          while (rs.next()) {
            keys[batch.size()] = rs.getLong(keyColumn);
            batch.add(rows.read(rs, 1));
            read++;
            if (batch.size() == batchSize) {
              long end = keys[batchSize - 1] + 1;
              if (!emitClaimed(tracker, new Block(cursor, end), batch, keys, view, out)) {
                progress.refused = true;
                return;
              }
              cursor = end;
              progress.completed(cursor);
              if (progress.pause()) {
                return;
              }
              batch = new ArrayList<>(batchSize);
            }
          }
        }
      } finally {
        dialect.endStreaming(connection);
      }
      long end;
      if (read < spec.chunkSize()) {
        end = queryTo; // fewer rows than the limit: no rows remain in [cursor, queryTo)
      } else {
        end = batch.isEmpty() ? cursor : keys[batch.size() - 1] + 1;
      }
      if (cursor < end
          && !emitClaimed(tracker, new Block(cursor, end), batch, keys, view, out)) {
        progress.refused = true;
        return;
      }
      metrics.chunkCompleted();
      cursor = end;
      progress.completed(cursor);
      if (progress.pause()) {
        return;
      }
    }
  }

  /**
   * Claims {@code block} and emits the rows of {@code batch} that it covers (with the keys it
   * covers, if read under a consistent read's {@code token}).
   *
   * @return whether the whole block was claimed, so reading may go on
   */
  private static boolean emitClaimed(
      RestrictionTracker<OffsetRange, Block> tracker, Block block, List<Row> batch, long[] keys,
      @Nullable ChunkView view, Sink out) {
    if (!tracker.tryClaim(block)) {
      return false;
    }
    int keep = batch.size();
    while (keep > 0 && keys[keep - 1] >= block.claimedTo()) {
      keep--;
    }
    if (keep > 0 || view != null) {
      out.emit(
          keep == batch.size() ? batch : new ArrayList<>(batch.subList(0, keep)),
          view == null ? null : view.of(List.of(block.from()), List.of(block.claimedTo())));
    }
    return block.claimedTo() == block.to();
  }

  /** One query per chunk ordinal, each claimed before it is read and emitted whole. */
  private void readChunks(
      Connection connection,
      List<Row> boundaries,
      RestrictionTracker<OffsetRange, Block> tracker,
      Sink out,
      ReadProgress progress)
      throws SQLException {
    for (long i = progress.next;
        i < tracker.currentRestriction().getTo() && progress.claim(tracker, new Block(i, i + 1));
        i++) {
      Row lower = boundaries.get((int) i);
      Row upper = boundaries.get((int) i + 1);
      ChunkView view = beginChunk(connection, progress);
      ChunkSnapshot chunk =
          view == null
              ? null
              : view.of(
                  lower == null ? null : KeyOrder.of(lower),
                  upper == null ? null : KeyOrder.of(upper));
      try (PreparedStatement statement =
          prepare(connection, sql.chunk(lower != null, upper != null))) {
        sql.bindChunk(statement, lower, upper);
        emitAll(statement, chunk, out);
      }
      metrics.chunkCompleted();
      progress.completed(i + 1);
      if (progress.pause()) {
        return;
      }
    }
  }

  /**
   * Blocks of pages of about chunkSize rows, each claimed before it is read, each in a transaction
   * of its own that reads in the split's exported snapshot.
   */
  private void readPages(
      Connection connection,
      SnapshotSplit split,
      RestrictionTracker<OffsetRange, Block> tracker,
      Sink out,
      ReadProgress progress)
      throws SQLException {
    long pagesPerBlock =
        Math.max(1, (long) (spec.chunkSize() / Math.max(1.0, split.rowsPerOffset())));
    long page = progress.next;
    while (page < tracker.currentRestriction().getTo()) {
      Block block = new Block(page, page + pagesPerBlock);
      if (!progress.claim(tracker, block)) {
        return;
      }
      beginReadIn(connection, split.exportedSnapshot());
      try (PreparedStatement statement = prepare(connection, sql.pages())) {
        dialect.bindPageRange(statement, sql.bindFilter(statement), page, block.claimedTo());
        emitAll(statement, null, out);
      }
      metrics.chunkCompleted();
      page = block.claimedTo();
      progress.completed(page);
    }
  }

  /**
   * Begins the transaction of a page block in the read's exported snapshot (none for a split
   * planned without one).
   *
   * @throws HeliosDbException if the snapshot no longer exists: the read cannot go on in it
   */
  private void beginReadIn(Connection connection, @Nullable ExportedSnapshot snapshot)
      throws SQLException {
    if (snapshot == null) {
      return;
    }
    SnapshotExport export = Objects.requireNonNull(dialect.snapshotExport());
    ExportedSnapshots.reading(snapshot);
    try {
      export.beginReadIn(connection, snapshot);
    } catch (SQLException e) {
      if (!export.isSnapshotGone(e)) {
        throw e;
      }
      metrics.error();
      throw new HeliosDbException(
          "[" + spec.label() + "] this table has no key, so its readers all read pages of it in"
              + " one snapshot, " + snapshot.id() + ", exported by database session "
              + snapshot.exporterPid() + "; that snapshot no longer exists: the session ended"
              + " (the worker that planned the read stopped or lost its connection, the"
              + " database restarted, the session was terminated, or no reader read in it for "
              + ExportedSnapshots.MAX_IDLE.toMinutes() + " minutes). Rows from another snapshot"
              + " would not form one consistent copy with those already read, so the read"
              + " stops: run the pipeline again to read the table anew (" + e.getMessage() + ")",
          e);
    }
  }

  /**
   * A split of one offset: claim it, then emit the whole query.
   *
   * @param lowerKey the least key the query can return, for a consistent read; null if none
   */
  private void readOnce(
      Connection connection,
      String query,
      Long parameter,
      @Nullable List<Object> lowerKey,
      RestrictionTracker<OffsetRange, Block> tracker,
      Sink out,
      ReadProgress progress)
      throws SQLException {
    if (progress.next > 0 || !progress.claim(tracker, new Block(0, 1))) {
      return;
    }
    ChunkView view = beginChunk(connection, progress);
    try (PreparedStatement statement = prepare(connection, query)) {
      int index = sql.bindFilter(statement);
      if (parameter != null) {
        statement.setLong(index, parameter);
      }
      emitAll(statement, view == null ? null : view.of(lowerKey, null), out);
    }
    metrics.chunkCompleted();
    progress.completed(1);
  }

  /** Begins a consistent read if {@link #consistent()}; else null. */
  private @Nullable ChunkView beginChunk(Connection connection, ReadProgress progress)
      throws SQLException {
    if (!consistent()) {
      return null;
    }
    String token = dialect.beginConsistentRead(connection);
    return new ChunkView(token, dialect.snapshotPosition(token, progress.logStart));
  }

  /** A consistent read begun: its token and the position of its rows. */
  private record ChunkView(String token, String position) {
    ChunkSnapshot of(@Nullable List<Object> lower, @Nullable List<Object> upper) {
      return new ChunkSnapshot(lower, upper, token, position);
    }
  }

  /** Where claimed rows go: {@link #emit}. */
  @FunctionalInterface
  private interface Sink {
    void emit(List<Row> batch, @Nullable ChunkSnapshot chunk);
  }

  private PreparedStatement prepare(Connection connection, String query) throws SQLException {
    PreparedStatement statement = connection.prepareStatement(query);
    dialect.configureStreaming(connection, statement, spec.fetchSize());
    return statement;
  }

  /**
   * Emits every row of the query in batches, under a claim already made, and ends the
   * transaction, so that none outlives one chunk. A consistent read's {@code chunk} is emitted
   * even without rows.
   */
  private void emitAll(PreparedStatement statement, @Nullable ChunkSnapshot chunk, Sink out)
      throws SQLException {
    RowBatcher batcher = new RowBatcher(batch -> out.emit(batch, chunk), spec.outputBatchSize());
    try (ResultSet rs = statement.executeQuery()) {
      while (rs.next()) {
        batcher.add(rows.read(rs, 1));
      }
      batcher.flush();
      if (chunk != null && batcher.rows() == 0) {
        out.emit(List.of(), chunk);
      }
    } finally {
      dialect.endStreaming(statement.getConnection());
    }
  }
}
