package io.heliosdb.beam.cdc;

import io.heliosdb.beam.HeliosDbException;
import io.heliosdb.beam.dialect.ChangeLogClock;
import io.heliosdb.beam.dialect.FailureKind;
import io.heliosdb.beam.metrics.SourceMetrics;
import io.heliosdb.beam.pool.ConnectionPools;
import io.heliosdb.beam.pool.PooledDataSource;
import io.heliosdb.beam.retry.Retrier;
import io.heliosdb.beam.stream.Backlog;
import io.heliosdb.beam.stream.StreamDoFn;
import io.heliosdb.beam.stream.StreamTracker;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import org.apache.beam.sdk.transforms.splittabledofn.ManualWatermarkEstimator;
import org.apache.beam.sdk.transforms.splittabledofn.RestrictionTracker;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Throwables;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Streams the changes of one table from the database's log through a Debezium connector task.
 *
 * <h2>Initial Restriction</h2>
 * The element's offset ({@link StreamStart}; snapshot-then-CDC fixed it before its snapshot),
 * else the user's start position, else the replication slot's confirmed position (PostgreSQL;
 * slot and publication created if missing) or the binlog's current end (MySQL/MariaDB).
 *
 * <h2>Which changes</h2>
 * Every change the element's {@link StreamStart#emits} accepts: all in CDC mode; after a
 * snapshot, those its chunk reads did not see. Skipped changes are claimed like the others.
 *
 * <h2>Splitting</h2>
 * None initially: one stream per table. A runner checkpoint splits off the rest of the stream at
 * the last claimed position ({@link StreamTracker}).
 *
 * <h2>Checkpoint and Resume</h2>
 * Each record (change or heartbeat) is claimed, as the connector offset after it, before it is
 * emitted; records polled but not claimed stay with the task for the next call. The task, with
 * its replication connection, stays running in this JVM ({@link ChangeTasks}), owned by this
 * instance, and is reused when the next call (of this instance, or of another instance of the
 * read the stream moved to) resumes where it stands. A call returns after {@link
 * #MAX_RECORDS_PER_CALL} records, {@link #MAX_CALL_MILLIS}, or as soon as a poll drained what
 * was waiting (fewer than {@link #FULL_POLL} records) after it read something: runners such as
 * the Direct runner release a call's outputs only when it returns, so a call that went on
 * polling a steady trickle would hold them back. While nothing arrives, the call goes on polling
 * (each poll waits a few milliseconds) until the first record or {@link #MAX_CALL_MILLIS}: an
 * idle stream costs the runner one call a second rather than one per poll, and the first change
 * after the idle time is emitted as soon as it is polled. It returns {@code resume()} without
 * delay.
 *
 * <h2>Acknowledgement</h2>
 * The last position claimed in a bundle is acknowledged to the connector (PostgreSQL: the slot's
 * flush LSN) only from a {@link BundleFinalizer} callback, once the runner has durably committed
 * the bundle, and only ever forwards. Until then the slot keeps the WAL, so a worker that dies
 * replays from the last acknowledged position: at-least-once, duplicates only within the
 * unacknowledged window, each with its position.
 *
 * <h2>Handover</h2>
 * A reader built with a handover output (snapshot then CDC) ends its restriction, by claiming the
 * last position as finished, as soon as its element emits every change from the last one read
 * on ({@link StreamStart#emitsEverythingFrom}), and outputs {@link StreamStart#at} that position,
 * timestamped with its watermark: the next reader, whose element holds only the position, takes
 * the running task over there ({@link ChangeTasks}) and starts its watermark at that timestamp.
 *
 * <h2>Progress and Size</h2>
 * The size of a restriction, and the tracker's remaining work, is the log's bytes after its
 * position ({@link io.heliosdb.beam.dialect.ChangeLogDialect#logBytesBehind}: PostgreSQL the WAL
 * after its LSN, MySQL/MariaDB the binary logs after its file and offset), the value of {@code
 * cdc_lag_bytes}: measured at most every {@link #LAG_BYTES_INTERVAL_MILLIS} ({@link LogBacklog}),
 * else the last measurement; 0 where the database cannot tell (Oracle) and for a finished
 * restriction.
 *
 * <h2>Track Watermark</h2>
 * A {@link ManualWatermarkEstimator} that follows the database's clock, never the worker's
 * ({@link LogWatermark}): about once a second, when a call drained the log, the DoFn reads the
 * earliest event time the log can still deliver ({@link ChangeLogClock}); it moves the watermark
 * there once the reader has received the log up to where it ended at that reading. So it
 * advances while the table is idle, and no change is behind it: a change whose event time is
 * earlier anyway (dated by another clock) is timestamped with the watermark. Dialects without a
 * {@link ChangeLogClock} (Oracle) advance it to each change's commit time and to heartbeats.
 */
public final class ReadChangesDoFn extends StreamDoFn<StreamStart, LogPosition> {
  static final int MAX_RECORDS_PER_CALL = 10_000;
  /** Records a connector poll returns at most ({@code max.batch.size}). */
  static final int FULL_POLL = 2_048;
  static final long MAX_CALL_MILLIS = 1_000;
  private static final Duration ACK_EXPIRY = Duration.standardMinutes(10);
  static final long LAG_BYTES_INTERVAL_MILLIS = 10_000;
  /**
   * How often a stream of several tables checks that they exist, and, if a rule selected them,
   * looks for tables created since.
   */
  static final long TABLES_CHECK_MILLIS = 10_000;
  /**
   * How long a reader waits for a slot (server id) another reader holds: longer than a previous
   * reader keeps an unused one ({@link ChangeTasks#IDLE_CLOSE_MILLIS}) plus the connector's own
   * retries.
   */
  static final long BUSY_WAIT_MILLIS = 60_000;
  private static final long BUSY_RETRY_MILLIS = 2_000;
  private static final Logger LOG = LoggerFactory.getLogger(ReadChangesDoFn.class);

  private final CdcSpec spec;
  /** Where the stream goes on once its element decides nothing more; null: it never hands over. */
  private final @Nullable TupleTag<StreamStart> handover;
  private transient PooledDataSource pool;
  private transient ChangeRouter router;
  /** Whether this instance has made the log publish the read's tables. */
  private transient boolean tablesUpdated;
  private transient Retrier retrier;
  private transient SourceMetrics metrics;
  /** {@code cdc_lag_bytes}, also the restrictions' size. */
  private transient LogBacklog lagBytes;
  /** This instance, as the owner of its log reader ({@link ChangeTasks}). */
  private transient String owner;
  /** Since when the log reader's slot (server id) is held by another reader, or 0. */
  private transient long busySince;
  /** The watermark's bounds by the database's clock; null if the dialect has none. */
  private transient @Nullable LogWatermark logWatermark;
  /** When this instance last checked the captured tables ({@link #checkCapturedTables}). */
  private transient long tablesCheckedAt;
  /** The tables created since a read was built, reported once per JVM: read id and table. */
  private static final java.util.Set<String> NOT_CAPTURED =
      java.util.concurrent.ConcurrentHashMap.newKeySet();
  /** The connector task the bounds of {@link #logWatermark} were confirmed against. */
  private transient @Nullable ChangeTask readerTask;

  public ReadChangesDoFn(CdcSpec spec) {
    this(spec, null);
  }

  /**
   * A reader that hands the stream over on {@code handover} once its element emits every
   * change from the last one read on ({@link StreamStart#emitsEverythingFrom}): it ends its
   * restriction at the last claimed position and outputs {@link StreamStart#at} that position,
   * timestamped with its watermark, for a reader whose element holds nothing more.
   */
  public ReadChangesDoFn(CdcSpec spec, @Nullable TupleTag<StreamStart> handover) {
    this.spec = spec;
    this.handover = handover;
  }

  @Setup
  public void setup() {
    pool = ConnectionPools.acquire(spec.connection());
    router = new ChangeRouter(spec);
    metrics = SourceMetrics.of(spec.connection(), spec.label());
    retrier = new Retrier(spec.connection().retryPolicy(), spec.dialect(), spec.label())
        .reportingTo(metrics);
    lagBytes = new LogBacklog(spec, pool, LAG_BYTES_INTERVAL_MILLIS);
    owner = java.util.UUID.randomUUID().toString();
    if (spec.dialect() instanceof ChangeLogClock clock) {
      logWatermark = new LogWatermark(clock, spec.settings(), spec.label());
    }
  }

  @Teardown
  public void teardown() {
    if (owner != null) {
      ChangeTasks.release(spec, owner);
    }
    if (pool != null) {
      pool.close();
    }
  }

  @GetInitialRestriction
  public LogPosition initialRestriction(@Element StreamStart start) {
    if (start.offset() != null) {
      return LogPosition.of(start.offset());
    }
    // retried like planning: a server restarting when the pipeline starts is waited for
    return retrier.call("preparing CDC (slot, publication or binlog position)", () -> {
      try (Connection connection = pool.getConnection()) {
        return LogPosition.of(spec.dialect()
            .prepareChangeCapture(connection, spec.settings(), spec.startPosition()));
      }
    });
  }

  @GetRestrictionCoder
  public LogPositionCoder restrictionCoder() {
    return new LogPositionCoder();
  }

  @ProcessElement
  public ProcessContinuation process(
      @Element StreamStart start,
      RestrictionTracker<LogPosition, LogPosition> tracker,
      ManualWatermarkEstimator<Instant> watermark,
      MultiOutputReceiver out,
      BundleFinalizer finalizer)
      throws InterruptedException {
    try {
      // at most every 10 s; at the first call, before the publication is touched
      checkCapturedTables();
      updateCapturedTables();
    } catch (RuntimeException e) {
      return retryAfter(e, "making the log publish " + spec.settings().describeTables());
    }
    try (ChangeTasks.Lease lease =
        ChangeTasks.checkOut(spec, owner, tracker.currentRestriction())) {
      ProcessContinuation continuation =
          readChanges(lease.task(), start, tracker, watermark, out, finalizer);
      busySince = 0;
      return continuation;
    } catch (RuntimeException e) {
      if (spec.isLogReaderBusy(e)) {
        return awaitLogReader(e);
      }
      // the task stops; the next call starts a new one right after the last claimed position
      ChangeTasks.release(spec, owner);
      return retryAfter(e, "reading the log after " + tracker.currentRestriction().describe());
    }
  }

  /**
   * Fails on a permanent error, else returns to be resumed after the retry policy's delay.
   *
   * @param action what failed, for the log
   */
  private ProcessContinuation retryAfter(RuntimeException error, String action) {
    FailureKind kind = classify(error);
    if (kind == FailureKind.PERMANENT) {
      metrics.error();
      throw error;
    }
    long delay = retrier.delayAfter(kind, error, action);
    metrics.checkpoint();
    return ProcessContinuation.resume().withResumeDelay(Duration.millis(delay));
  }

  /**
   * Once per instance, before its first log reader starts: the log publishes the read's tables,
   * also when the stream resumed from a checkpoint taken with another set of tables.
   */
  private void updateCapturedTables() {
    if (tablesUpdated) {
      return;
    }
    try (Connection connection = pool.getConnection()) {
      spec.dialect().updateCapturedTables(connection, spec.settings());
    } catch (SQLException e) {
      throw new HeliosDbException("[" + spec.label() + "] cannot make the log publish "
          + spec.settings().describeTables() + ": " + e.getMessage(), e);
    }
    tablesUpdated = true;
  }

  /**
   * Another reader holds the log reader's slot (server id): the stream's previous reader, which
   * lets go on teardown or {@link ChangeTasks#IDLE_CLOSE_MILLIS} after its last call, or another
   * pipeline's. Retried for {@link #BUSY_WAIT_MILLIS}, then fails naming the slot and the option.
   */
  private ProcessContinuation awaitLogReader(RuntimeException error) {
    ChangeTasks.release(spec, owner);
    long now = System.currentTimeMillis();
    if (busySince == 0) {
      busySince = now;
    }
    if (now - busySince >= BUSY_WAIT_MILLIS) {
      metrics.error();
      throw new IllegalStateException(
          "CDC of " + spec.label() + ": " + spec.logReaderName() + " has been in use by another"
              + " reader for " + (now - busySince) / 1_000 + " s: another pipeline or read streams"
              + " with it, and one serves one stream. Give each read its own with "
              + spec.logReaderOption() + "(...) (" + HeliosDbException.describe(error) + ")",
          error);
    }
    LOG.info("[{}] {} is in use by another reader; waiting for it to let go ({})", spec.label(),
        spec.logReaderName(), HeliosDbException.describe(error));
    metrics.checkpoint();
    return ProcessContinuation.resume().withResumeDelay(Duration.millis(BUSY_RETRY_MILLIS));
  }

  /**
   * Sets {@code cdc_lag_ms} from the commit time of the last change or heartbeat read, and
   * {@code cdc_lag_bytes} from {@link LogBacklog}.
   */
  private void reportLag(@Nullable Instant lastTime, LogPosition position) {
    long bytes = lagBytes.bytesBehind(position);
    if (lastTime != null) {
      metrics.cdcLag(System.currentTimeMillis() - lastTime.getMillis(), bytes);
    }
  }

  /** The log's bytes after {@code position} ({@link LogBacklog}), for the runner. */
  @Override
  protected double backlog(LogPosition position) {
    return Backlog.asSize(lagBytes.bytesBehind(position));
  }

  /**
   * At most every {@link #TABLES_CHECK_MILLIS}, for a read of several tables: fails the stream,
   * naming the table, if a captured table no longer exists (dropped or renamed while captured);
   * and, for tables selected by a pattern or a namespace, warns once per JVM about each table
   * that matches it now but was created after the pipeline was built, which the stream does not
   * capture, and sets its {@code table_not_captured} metric. A failed look is logged at debug
   * level.
   *
   * @throws HeliosDbException if a captured table is gone
   */
  private void checkCapturedTables() {
    long now = System.currentTimeMillis();
    if (spec.tables().size() == 1 || now - tablesCheckedAt < TABLES_CHECK_MILLIS) {
      return;
    }
    tablesCheckedAt = now;
    java.util.List<io.heliosdb.beam.schema.TableId> existing = new java.util.ArrayList<>();
    java.util.List<io.heliosdb.beam.schema.TableId> selected = java.util.List.of();
    try (Connection connection = pool.getConnection()) {
      for (String namespace : spec.settings().namespaces()) {
        existing.addAll(spec.dialect().listTables(connection, namespace));
      }
      if (spec.selection() != null) {
        selected = spec.selection().current(connection, spec.dialect());
      }
    } catch (SQLException | RuntimeException e) {
      LOG.debug("[{}] cannot list the captured tables: {}", spec.label(), e.getMessage());
      return;
    }
    for (io.heliosdb.beam.schema.TableId table : spec.settings().tables()) {
      if (!existing.contains(table)) {
        throw new HeliosDbException("[" + spec.label() + "] table " + table + " was dropped or"
            + " renamed while its changes were captured; the stream stopped and acknowledged"
            + " nothing further. Start the pipeline again without it (the stream resumes from"
            + " the last position acknowledged)");
      }
    }
    for (io.heliosdb.beam.schema.TableId table : selected) {
      if (!spec.settings().tables().contains(table)
          && NOT_CAPTURED.add(spec.readId() + "/" + table)) {
        LOG.warn("[{}] table {} matches {} but was created after the pipeline was built: its"
                + " changes are not captured. Build the pipeline again to capture it (see"
                + " 'Changing the set of tables' in the docs)", spec.label(), table,
            spec.selection().describe());
        SourceMetrics.of(spec.connection(), table.toString()).notCaptured();
      }
    }
  }

  /**
   * Sets {@code cdc_unacknowledged_ms}, and warns once per stall when emitted positions have
   * waited {@link Acknowledgements#STALL_WARN_MILLIS} for the runner's commit: the database keeps
   * its log for them (a PostgreSQL slot's WAL grows) until the runner finalizes the bundles.
   */
  private void reportAcknowledgements(ChangeTask task) {
    long waiting = task.unacknowledgedMillis();
    metrics.cdcUnacknowledged(waiting);
    if (task.warnAcknowledgementStall()) {
      LOG.warn("[{}] the runner has committed none of the positions emitted in the last {} s, so"
              + " none was acknowledged to the database, which keeps its log for them"
              + " ({}). The stream acknowledges a position only once the runner has durably"
              + " committed the bundle that emitted it: on Flink, when a checkpoint completes"
              + " (check --checkpointingInterval and that checkpoints succeed); on Dataflow,"
              + " bundle finalization is best effort. See cdc_unacknowledged_ms", spec.label(),
          waiting / 1_000, spec.logReaderName());
    }
  }

  /**
   * How a failure of the log reader is retried: by the SQL error in its causes if any, as a
   * connection failure if Debezium marks it retriable or it is an I/O error, else not at all.
   */
  private FailureKind classify(Throwable error) {
    for (Throwable e : Throwables.getCausalChain(error)) {
      if (e instanceof SQLException sql) {
        return spec.dialect().classify(sql);
      }
      if (e instanceof org.apache.kafka.connect.errors.RetriableException
          || e instanceof java.io.IOException) {
        return FailureKind.CONNECTION;
      }
    }
    return FailureKind.PERMANENT;
  }

  private ProcessContinuation readChanges(
      ChangeTask task,
      StreamStart start,
      RestrictionTracker<LogPosition, LogPosition> tracker,
      ManualWatermarkEstimator<Instant> watermark,
      MultiOutputReceiver out,
      BundleFinalizer finalizer)
      throws InterruptedException {
    if (task != readerTask) {
      readerTask = task;
      if (logWatermark != null) {
        logWatermark.reset();
      }
    }
    // confirmed before this call's polls: applied once one of them drains the connector
    Instant ready = logWatermark == null ? null : logWatermark.confirmed();
    long deadline = System.currentTimeMillis() + MAX_CALL_MILLIS;
    int handled = 0;
    LogPosition last = null;
    Instant lastTime = null;
    long lastClaim = 0;
    Struct lastSource = null;
    boolean stopped = false;
    boolean drained = false;
    SourceMetrics.LatencyBatch[] emitted = new SourceMetrics.LatencyBatch[spec.tables().size()];
    try {
      while (handled < MAX_RECORDS_PER_CALL && System.currentTimeMillis() < deadline) {
        boolean fromConnector = !task.hasPending();
        List<SourceRecord> records = task.poll();
        drained = fromConnector && records.size() < FULL_POLL;
        for (int i = 0; i < records.size(); i++) {
          SourceRecord record = records.get(i);
          LogPosition next = LogPosition.of(record.sourceOffset());
          Struct source = ChangeConverter.isChange(record) ? ChangeConverter.sourceOf(record) : null;
          Row change = null;
          ChangeRouter.Route route = null;
          boolean emit;
          try {
            if (source != null) {
              route = router.routeOf(source);
              change = route == null
                  ? null // a table the log reader's include list should have left out
                  : route.converter().convert(record, task.startOffset());
            }
            emit = change != null && start.emits(route.index(), change, source);
          } catch (RuntimeException e) {
            // a change that cannot be converted (the table changed) fails the call before it is
            // claimed: the task keeps it, and the changes after it, for whoever reads on
            task.giveBack(records.subList(i, records.size()));
            throw e;
          }
          if (!tracker.tryClaim(next)) {
            task.giveBack(records.subList(i, records.size()));
            metrics.checkpoint();
            return ProcessContinuation.stop();
          }
          lastClaim = task.claimed(next);
          last = next;
          if (source != null) {
            lastSource = source;
          }
          Instant time = ChangeConverter.timeOf(record);
          if (emit) {
            Instant stamp =
                logWatermark == null
                    ? time
                    : logWatermark.timestampOf(time, watermark.currentWatermark(),
                        change.getString(ChangeEnvelope.POSITION));
            out.get(route.tag()).outputWithTimestamp(change, stamp);
            if (emitted[route.index()] == null) {
              emitted[route.index()] = new SourceMetrics.LatencyBatch();
            }
            emitted[route.index()].add(System.currentTimeMillis() - time.getMillis());
          }
          boolean idleHeartbeat = change == null && i == records.size() - 1;
          if (change != null || idleHeartbeat) {
            lastTime = time;
            if (logWatermark == null) {
              // without a database clock: the commit time of each change and the time of a
              // heartbeat that ends a poll (the worker's clock)
              advance(watermark, time);
            }
          }
          handled++;
        }
        if (records.isEmpty() && handled == 0) {
          continue; // idle: poll on until the first record or the call's end, not call again
        }
        if (records.size() < FULL_POLL) {
          break; // drained (or records given back earlier): hand the outputs to the runner now
        }
      }
      if (handover != null && lastSource != null && start.emitsEverythingFrom(lastSource)) {
        // refused if the runner checkpointed meanwhile: its residual hands over on its next call
        if (tracker.tryClaim(last.asFinished())) {
          out.get(handover).outputWithTimestamp(
              StreamStart.at(last.offset()), watermark.currentWatermark());
          LOG.info("[{}] every change from {} on is emitted: the stream goes on without the"
              + " snapshot's plan", spec.label(), last.describe());
        }
        stopped = true;
      } else if (drained && logWatermark != null) {
        if (ready != null) {
          advance(watermark, ready);
        }
        if (logWatermark.probeDue()) {
          try (Connection connection = pool.getConnection()) {
            logWatermark.probe(connection, task.next().offset());
          } catch (SQLException e) {
            LOG.debug("[{}] no connection to read the database's clock: {}", spec.label(),
                e.getMessage());
          }
        }
      }
    } finally {
      for (ChangeRouter.Route table : router.all()) {
        if (emitted[table.index()] != null) {
          table.metrics().rowsRead(emitted[table.index()]);
        }
      }
      if (last != null) {
        LogPosition committed = last;
        long claim = lastClaim;
        finalizer.afterBundleCommit(
            Instant.now().plus(ACK_EXPIRY), () -> task.acknowledge(committed, claim));
      }
    }
    if (stopped) {
      metrics.checkpoint();
      return ProcessContinuation.stop();
    }
    if (handled > 0) {
      retrier.succeeded();
    } else {
      metrics.idle();
    }
    reportLag(lastTime, last == null ? tracker.currentRestriction() : last);
    reportAcknowledgements(task);
    metrics.checkpoint();
    return ProcessContinuation.resume();
  }
}
