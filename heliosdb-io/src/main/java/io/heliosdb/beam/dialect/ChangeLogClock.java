package io.heliosdb.beam.dialect;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A database that can bound, by its own clock, the event times its change log can still deliver:
 * what the CDC watermark follows. Implemented by the dialects whose logs are tested (PostgreSQL,
 * MySQL/MariaDB).
 */
public interface ChangeLogClock {

  /**
   * What the log can still deliver, read at one moment: every change the log does not hold yet
   * has an event time (as its change record carries it) at or after {@code earliest}, and every
   * change with an earlier one is in the log before {@code logEnd}.
   *
   * @param earliest a time of the database's clock
   * @param logEnd a log position, comparable with {@link #logReceived}
   * @param caveat null if the bound is exact; else why it is a margin instead (the user cannot
   *     see other sessions' transactions), naming the privilege that makes it exact
   */
  record LogBound(Instant earliest, long logEnd, @Nullable String caveat) {}

  /** Reads the bound: first the database's clock and its open transactions, then the log's end. */
  LogBound readLogBound(Connection connection) throws SQLException;

  /**
   * How far the log has been handed to the connector task of {@code settings}, comparable with
   * {@link LogBound#logEnd}: every change before it has been handed to the task, once a poll of
   * the task after this call drained it. -1 if unknown.
   *
   * @param offset the connector offset of the last record claimed
   */
  long logReceived(Connection connection, ChangeCaptureSettings settings, Map<String, ?> offset)
      throws SQLException;
}
