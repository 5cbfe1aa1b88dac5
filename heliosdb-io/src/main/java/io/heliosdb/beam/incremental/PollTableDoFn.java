package io.heliosdb.beam.incremental;

import io.heliosdb.beam.retry.Retrier;
import io.heliosdb.beam.dialect.Dialect;
import io.heliosdb.beam.metrics.SourceMetrics;
import io.heliosdb.beam.pool.ConnectionPools;
import io.heliosdb.beam.pool.PooledDataSource;
import io.heliosdb.beam.schema.ColumnCheck;
import io.heliosdb.beam.schema.MillisecondTimestamps;
import io.heliosdb.beam.schema.TableSchema;
import io.heliosdb.beam.schema.ValueReader;
import io.heliosdb.beam.stream.StreamDoFn;
import io.heliosdb.beam.stream.StreamTracker;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.transforms.splittabledofn.ManualWatermarkEstimator;
import org.apache.beam.sdk.transforms.splittabledofn.RestrictionTracker;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.values.Row;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * Polls one table for rows whose tracking column moved past the cursor.
 *
 * <h2>Initial Restriction</h2>
 * {@link PollCursor#start()}: before the first row (or at the start value).
 *
 * <h2>Splitting</h2>
 * None initially: one stream per table. A runner checkpoint splits off the rest of the stream at
 * the cursor ({@link StreamTracker}).
 *
 * <h2>Checkpoint and Resume</h2>
 * Each call reads the database's clock, then pages of rows after the cursor up to the cutoff, in
 * (tracking, key) order. Every batch of rows is claimed, as the cursor after its last row, before
 * it is emitted: a residual resumes right after the last row emitted, so none is lost or emitted
 * twice. When all readable rows are read the call returns {@code resume()} with the poll interval
 * as delay; it never sleeps.
 *
 * <h2>Track Watermark</h2>
 * A {@link ManualWatermarkEstimator} set to the event time of the last row emitted, and, when a
 * poll is caught up, to the cutoff, so the watermark advances while the table is idle.
 */
public final class PollTableDoFn extends StreamDoFn<byte[], PollCursor> {
  private final IncrementalSpec spec;
  private transient PooledDataSource pool;
  private transient Retrier retrier;
  /** Reads the selected columns: the output's, then the cursor columns the output lacks. */
  private transient TableSchema rows;
  /**
   * The output schema if it is narrower than the selected columns or holds date-times as
   * milliseconds; null if the selected rows are the output.
   */
  private transient Schema output;
  /** The output fields whose date-times become milliseconds ({@link MillisecondTimestamps}). */
  private transient int[] millisFields;
  private transient IncrementalSql sql;
  private transient Dialect dialect;
  private transient Schema cursorSchema;
  private transient int[] cursorIndexes;
  private transient ValueReader trackingReader;
  private transient SourceMetrics metrics;
  private transient ColumnCheck columns;
  /** When the rows of the next batch began to be fetched, for the read latency. */
  private transient long fetchStart;

  public PollTableDoFn(IncrementalSpec spec) {
    this.spec = spec;
  }

  @Setup
  public void setup() {
    pool = ConnectionPools.acquire(spec.connection());
    metrics = SourceMetrics.of(spec.connection(), spec.label());
    retrier = new Retrier(spec.connection().retryPolicy(), spec.dialect(), spec.label())
        .reportingTo(metrics);
    rows = spec.selectedSchema();
    Schema outputSchema = spec.tableSchema().schema();
    millisFields = MillisecondTimestamps.fieldsOf(outputSchema);
    output = millisFields.length > 0 || outputSchema.getFieldCount() < rows.schema().getFieldCount()
        ? outputSchema : null;
    columns = new ColumnCheck(spec.dialect(), spec.table(), spec.label());
    sql = new IncrementalSql(spec);
    dialect = spec.dialect();
    cursorSchema = spec.cursorSchema();
    cursorIndexes =
        spec.cursorColumns().stream().mapToInt(c -> spec.selectedColumns().indexOf(c)).toArray();
    trackingReader =
        dialect
            .mapColumn(spec.table().column(spec.trackingColumn()).orElseThrow())
            .orElseThrow()
            .reader();
  }

  @Teardown
  public void teardown() {
    if (pool != null) {
      pool.close();
    }
  }

  @GetInitialRestriction
  public PollCursor initialRestriction() {
    return PollCursor.start();
  }

  @GetRestrictionCoder
  public PollCursorCoder restrictionCoder() {
    return new PollCursorCoder(spec.cursorSchema());
  }

  @ProcessElement
  public ProcessContinuation process(
      RestrictionTracker<PollCursor, PollCursor> tracker,
      ManualWatermarkEstimator<Instant> watermark,
      OutputReceiver<Row> out) {
    PollCursor cursor = tracker.currentRestriction();
    try (Connection connection = pool.getConnection()) {
      try {
        columns.periodically(connection, "incremental polling after " + cursor.describe());
        CommitCutoff cutoff =
            CommitCutoff.compute(connection, spec, trackingReader, cursor.samples());
        cursor = cursor.withSamples(cutoff.samples());
        if (cutoff.value() != null) {
          cursor = readUpTo(connection, cutoff, cursor, tracker, watermark, out);
          if (cursor == null) {
            metrics.checkpoint();
            return ProcessContinuation.stop(); // a checkpoint took the rest
          }
        }
        if (!tracker.tryClaim(cursor)) {
          metrics.checkpoint();
          return ProcessContinuation.stop();
        }
        metrics.idle();
        metrics.pool(pool);
        advance(watermark, cutoff.watermark());
      } catch (SQLException e) {
        throw Retrier.onConnection(connection, e);
      }
    } catch (SQLException e) {
      if (tracker.currentRestriction().finished()) {
        // a checkpoint took the rest at the last claim before the failure (e.g. closing the
        // killed query after a refused claim): resume() is not allowed now, the residual polls
        metrics.checkpoint();
        return ProcessContinuation.stop();
      }
      columns.afterFailure(pool, e, "incremental polling after " + cursor.describe());
      // every emitted batch was claimed first: the checkpoint of resume() is exactly after it
      long delay = retrier.delayAfter(e, "incremental poll after " + cursor.describe());
      metrics.checkpoint();
      return ProcessContinuation.resume().withResumeDelay(Duration.millis(delay));
    }
    retrier.succeeded();
    metrics.checkpoint();
    return ProcessContinuation.resume()
        .withResumeDelay(Duration.millis(spec.pollIntervalMillis()));
  }

  /**
   * Pages through the rows after the cursor up to the cutoff, claiming and emitting them in
   * batches.
   *
   * @return the cursor after the last row, or null if a claim failed (the runner checkpointed)
   */
  private PollCursor readUpTo(
      Connection connection,
      CommitCutoff cutoff,
      PollCursor cursor,
      RestrictionTracker<PollCursor, PollCursor> tracker,
      ManualWatermarkEstimator<Instant> watermark,
      OutputReceiver<Row> out)
      throws SQLException {
    while (true) {
      Row position = cursor.position();
      int read = 0;
      List<Row> batch = new ArrayList<>(spec.outputBatchSize());
      fetchStart = System.currentTimeMillis();
      try (PreparedStatement statement =
          connection.prepareStatement(sql.poll(position, spec.startFrom() != null))) {
        dialect.configureStreaming(connection, statement, spec.fetchSize());
        sql.bindPoll(statement, position, spec.startFrom(), cutoff.value(), spec.pageSize());
        try (ResultSet rs = statement.executeQuery()) {
          while (rs.next()) {
            batch.add(rows.read(rs, 1));
            read++;
            if (batch.size() == spec.outputBatchSize()) {
              cursor = claimAndEmit(batch, cursor, cutoff, tracker, watermark, out);
              if (cursor == null) {
                return null;
              }
              batch = new ArrayList<>(spec.outputBatchSize());
            }
          }
        }
      } finally {
        dialect.endStreaming(connection);
      }
      if (!batch.isEmpty()) {
        cursor = claimAndEmit(batch, cursor, cutoff, tracker, watermark, out);
        if (cursor == null) {
          return null;
        }
      }
      if (read < spec.pageSize()) {
        return cursor;
      }
    }
  }

  private PollCursor claimAndEmit(
      List<Row> batch,
      PollCursor cursor,
      CommitCutoff cutoff,
      RestrictionTracker<PollCursor, PollCursor> tracker,
      ManualWatermarkEstimator<Instant> watermark,
      OutputReceiver<Row> out) {
    Row last = batch.get(batch.size() - 1);
    PollCursor next = cursor.after(positionOf(last));
    if (!tracker.tryClaim(next)) {
      return null;
    }
    metrics.rowsRead(batch.size(), System.currentTimeMillis() - fetchStart);
    metrics.pool(pool);
    Instant timestamp = null;
    for (Row row : batch) {
      timestamp = eventTime(cutoff, row);
      out.outputWithTimestamp(output(row), timestamp);
    }
    advance(watermark, timestamp);
    fetchStart = System.currentTimeMillis();
    return next;
  }

  /**
   * The output columns of a selected row: the first ones. The selected row keeps date-times at
   * full precision for the cursor; the output may hold them as milliseconds.
   */
  private Row output(Row selected) {
    if (output == null) {
      return selected;
    }
    List<Object> values = selected.getValues().subList(0, output.getFieldCount());
    if (millisFields.length == 0) {
      // a view of the selected row's values: rows are never changed once built
      return Row.withSchema(output).attachValues(values);
    }
    Object[] converted = values.toArray();
    for (int field : millisFields) {
      converted[field] = MillisecondTimestamps.toMillis(converted[field]);
    }
    return Row.withSchema(output).attachValues(converted);
  }

  private Row positionOf(Row row) {
    Object[] values = new Object[cursorIndexes.length];
    for (int i = 0; i < values.length; i++) {
      values[i] = row.getValue(cursorIndexes[i]);
    }
    return Row.withSchema(cursorSchema).attachValues(values);
  }

  private Instant eventTime(CommitCutoff cutoff, Row row) {
    java.time.Instant time = cutoff.timestampOf(row.getValue(cursorIndexes[0]));
    long millis = Math.max(time.toEpochMilli(), BoundedWindow.TIMESTAMP_MIN_VALUE.getMillis());
    return new Instant(Math.min(millis, BoundedWindow.TIMESTAMP_MAX_VALUE.getMillis()));
  }

  private static void advance(ManualWatermarkEstimator<Instant> watermark, java.time.Instant to) {
    advance(watermark, new Instant(to.toEpochMilli()));
  }
}
