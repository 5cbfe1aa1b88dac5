package io.heliosdb.beam.retry;

import io.heliosdb.beam.HeliosDbException;
import io.heliosdb.beam.dialect.Dialect;
import io.heliosdb.beam.dialect.FailureKind;
import io.heliosdb.beam.metrics.SourceMetrics;
import java.sql.SQLException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongSupplier;
import org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Throwables;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The retry state of one read: decides, per failure, whether and after how long to retry, and
 * forgets past failures once the read makes progress ({@link #succeeded()}).
 */
public final class Retrier {
  private static final Logger LOG = LoggerFactory.getLogger(Retrier.class);
  static final long FIRST_BACKOFF_MILLIS = 1_000;
  static final long MAX_BACKOFF_MILLIS = 60_000;
  static final double JITTER = 0.2;

  private final RetryPolicy policy;
  private final Dialect dialect;
  private final String label;
  private final LongSupplier clock;
  private int connectionFailures;
  private long firstConnectionFailure;
  private int readFailures;
  private long retries;
  private @Nullable SourceMetrics metrics;

  public Retrier(RetryPolicy policy, Dialect dialect, String label) {
    this(policy, dialect, label, System::currentTimeMillis);
  }

  Retrier(RetryPolicy policy, Dialect dialect, String label, LongSupplier clock) {
    this.policy = policy;
    this.dialect = dialect;
    this.label = label;
    this.clock = clock;
  }

  /** Counts each failure in {@code errors_total} and each retry in {@code retries_total}. */
  public Retrier reportingTo(SourceMetrics metrics) {
    this.metrics = metrics;
    return this;
  }

  /**
   * The pause before retrying after {@code error}, logged with {@code what} failed and where it
   * resumes.
   *
   * @throws HeliosDbException if the error is permanent or its retries are spent, naming the
   *     kind of failure and the retries made
   */
  public long delayAfter(SQLException error, String what) {
    return delayAfter(dialect.classify(error), error, what);
  }

  /**
   * The pause before retrying after {@code error}, a failure of {@code kind}.
   *
   * @throws HeliosDbException as {@link #delayAfter(SQLException, String)}
   */
  public long delayAfter(FailureKind kind, Throwable error, String what) {
    if (metrics != null) {
      metrics.error();
    }
    long now = clock.getAsLong();
    long delay;
    switch (kind) {
      case CONNECTION -> {
        if (connectionFailures++ == 0) {
          firstConnectionFailure = now;
        }
        delay = backoff(connectionFailures);
        long deadline = firstConnectionFailure + policy.connectionRetryMillis();
        if (now + delay > deadline) {
          throw giveUp(kind, error, what, connectionFailures - 1 + " retries over "
              + (now - firstConnectionFailure) / 1000 + " s (connection retry time "
              + policy.connectionRetryMillis() / 1000 + " s)");
        }
      }
      case TRANSIENT -> {
        if (readFailures++ >= policy.readRetries()) {
          throw giveUp(kind, error, what, readFailures - 1 + " retries (read retries "
              + policy.readRetries() + ")");
        }
        delay = policy.readRetryDelayMillis();
      }
      default -> throw giveUp(kind, error, what, "not retried");
    }
    retries++;
    if (metrics != null) {
      metrics.retry();
    }
    LOG.warn("[{}] {} failed ({} failure{}): {}; retrying in {} ms", label, what, kind,
        sqlState(error), HeliosDbException.describe(error), delay);
    return delay;
  }

  /**
   * {@code error} as a connection failure if {@code connection} died with it (drivers report a
   * killed or lost connection with no SQLState at times), else {@code error} itself.
   */
  public static SQLException onConnection(java.sql.Connection connection, SQLException error) {
    try {
      if (connection.isValid(2)) {
        return error;
      }
    } catch (SQLException e) {
      // invalid as well
    }
    return new java.sql.SQLRecoverableException(
        "the connection was lost: " + error.getMessage(), "08006", error);
  }

  /** Work that may fail with an SQL error and can simply be done again. */
  @FunctionalInterface
  public interface SqlWork<T> {
    T run() throws SQLException;
  }

  /**
   * Runs {@code work}, again after each failure worth retrying, with its pause.
   *
   * @throws HeliosDbException once a failure cannot or can no longer be retried
   */
  public <T> T call(String what, SqlWork<T> work) {
    while (true) {
      try {
        T result = work.run();
        succeeded();
        return result;
      } catch (SQLException e) {
        sleep(delayAfter(e, what));
      }
    }
  }

  /** Waits before a retry. */
  public static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new HeliosDbException("interrupted while waiting to retry", e);
    }
  }

  /** The read made progress: later failures start a new count. */
  public void succeeded() {
    connectionFailures = 0;
    readFailures = 0;
  }

  /** Retries decided so far. */
  public long retries() {
    return retries;
  }

  /** 1 s, 2 s, 4 s, … capped at 60 s, each within ±20 %. */
  static long backoff(int failure) {
    long base = Math.min(MAX_BACKOFF_MILLIS, FIRST_BACKOFF_MILLIS << Math.min(failure - 1, 16));
    double jitter = 1 + JITTER * (2 * ThreadLocalRandom.current().nextDouble() - 1);
    return Math.round(base * jitter);
  }

  /** {@code , SQLState X} of the first SQL error in the chain, or nothing. */
  private static String sqlState(Throwable error) {
    for (Throwable e : Throwables.getCausalChain(error)) {
      if (e instanceof SQLException sql && sql.getSQLState() != null) {
        return ", SQLState " + sql.getSQLState();
      }
    }
    return "";
  }

  private HeliosDbException giveUp(
      FailureKind kind, Throwable error, String what, String retried) {
    String advice =
        switch (kind) {
          case CONNECTION -> "the database stayed unreachable; check that it runs and accepts"
              + " connections, or raise RetryOptions.withConnectionRetryTime";
          case TRANSIENT -> "the read kept failing; raise RetryOptions.withReadRetries if the"
              + " table is under heavy contention";
          case PERMANENT -> "retrying cannot help; fix the cause named above";
        };
    return new HeliosDbException(
        "[" + label + "] " + what + " failed (" + kind.name().toLowerCase(java.util.Locale.ROOT)
            + " failure" + sqlState(error) + ", " + retried + "): "
            + HeliosDbException.describe(error) + "; " + advice,
        error);
  }
}
