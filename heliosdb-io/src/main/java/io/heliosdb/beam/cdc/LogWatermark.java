package io.heliosdb.beam.cdc;

import io.heliosdb.beam.dialect.ChangeCaptureSettings;
import io.heliosdb.beam.dialect.ChangeLogClock;
import io.heliosdb.beam.dialect.ChangeLogClock.LogBound;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a change stream's watermark may go, by the database's clock: the earliest event time the
 * log can still deliver ({@link ChangeLogClock}), never the worker's clock.
 *
 * <p>A bound read from the database holds for the changes not yet in the log; the changes already
 * in it may be older. So a bound is <em>confirmed</em> only once the server reports the log
 * handed to the reader past the log's end at the bound's reading ({@link
 * ChangeLogClock#logReceived}), and it is <em>applied</em> only after a later poll of the task
 * drained what the connector had queued: by then every change older than the bound has been
 * emitted. Bounds are read at most every {@link #PROBE_INTERVAL_MILLIS}, when a call drained the
 * log.
 *
 * <p>Not serializable state: it lives with a DoFn instance and starts over (the watermark holds
 * until the next bound is confirmed) with each new connector task.
 */
final class LogWatermark {
  static final long PROBE_INTERVAL_MILLIS = 1_000;
  /** Bounds awaiting confirmation, at most: a reader far behind confirms the oldest first. */
  static final int MAX_UNCONFIRMED = 600;
  private static final Logger LOG = LoggerFactory.getLogger(LogWatermark.class);

  private final ChangeLogClock clock;
  private final ChangeCaptureSettings settings;
  private final String label;
  private final Deque<LogBound> unconfirmed = new ArrayDeque<>();
  private @Nullable Instant confirmed;
  private long lastProbe;
  private @Nullable String lastProblem;
  private boolean warnedLate;

  LogWatermark(ChangeLogClock clock, ChangeCaptureSettings settings, String label) {
    this.clock = clock;
    this.settings = settings;
    this.label = label;
  }

  /** Forgets every bound: the reader restarted, and what it had received is gone with it. */
  void reset() {
    unconfirmed.clear();
    confirmed = null;
  }

  /** The latest confirmed bound, to apply after the next drained poll; null if none. */
  @Nullable Instant confirmed() {
    return confirmed;
  }

  /** Whether {@link #PROBE_INTERVAL_MILLIS} passed since the last {@link #probe}. */
  boolean probeDue() {
    return System.currentTimeMillis() - lastProbe >= PROBE_INTERVAL_MILLIS;
  }

  /**
   * Confirms the bounds whose log end the reader has received, then reads a new bound. A failure
   * is logged (once, while it repeats) and leaves the bounds as they were: the watermark waits.
   * So is a bound's caveat.
   *
   * @param offset the connector offset of the last record claimed
   */
  void probe(Connection connection, Map<String, ?> offset) {
    lastProbe = System.currentTimeMillis();
    String problem;
    try {
      confirm(clock.logReceived(connection, settings, offset));
      LogBound bound = clock.readLogBound(connection);
      add(bound);
      problem = bound.caveat();
    } catch (SQLException | RuntimeException e) {
      problem = "the CDC watermark waits: cannot read the database's clock and open transactions: "
          + e.getMessage();
    }
    if (problem != null && !problem.equals(lastProblem)) {
      LOG.warn("[{}] {}", label, problem);
    }
    lastProblem = problem;
  }

  /** Confirms the bounds read while the log ended at or before {@code received}. */
  void confirm(long received) {
    while (!unconfirmed.isEmpty() && unconfirmed.peekFirst().logEnd() <= received) {
      Instant earliest = new Instant(unconfirmed.pollFirst().earliest().toEpochMilli());
      if (confirmed == null || earliest.isAfter(confirmed)) {
        confirmed = earliest;
      }
    }
  }

  /** Adds a bound just read; the oldest gives way when too many await confirmation. */
  void add(LogBound bound) {
    if (unconfirmed.size() >= MAX_UNCONFIRMED) {
      unconfirmed.pollFirst();
    }
    unconfirmed.addLast(bound);
  }

  /**
   * The timestamp of a change: its event time, or the watermark if that is later (the bound
   * did not hold: a change dated by a clock other than the database's, see docs/cdc.md), so that
   * no change is behind the watermark. The first such change is logged.
   */
  Instant timestampOf(Instant eventTime, Instant watermark, String position) {
    if (!eventTime.isBefore(watermark)) {
      return eventTime;
    }
    if (!warnedLate) {
      warnedLate = true;
      LOG.warn("[{}] the change at {} has event time {}, before the watermark {}: it is"
              + " timestamped {} instead (and so are later ones like it, logged at debug level)",
          label, position, eventTime, watermark, watermark);
    } else {
      LOG.debug("[{}] the change at {} has event time {}, before the watermark {}", label,
          position, eventTime, watermark);
    }
    return watermark;
  }
}
