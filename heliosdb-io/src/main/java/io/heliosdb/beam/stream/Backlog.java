package io.heliosdb.beam.stream;

import java.util.function.LongSupplier;

/**
 * A stream's backlog (for a change stream: bytes of log after a position) as last measured. It
 * is measured at most once per interval, by whichever caller asks when the last measurement is
 * older: the reader after its calls, or the runner asking for the size of a restriction. A failed
 * measurement keeps the value before it. Callers on several threads share one measurement.
 *
 * <pre>{@code
 * Backlog backlog = new Backlog(10_000, System::currentTimeMillis);
 * long bytes = backlog.measure(() -> dialect.logBytesBehind(connection, position.offset()));
 * }</pre>
 */
public final class Backlog {
  /** A measurement of the backlog: -1 if the database cannot tell. */
  @FunctionalInterface
  public interface Measurement {
    long measure() throws Exception;
  }

  private final long intervalMillis;
  private final LongSupplier clock;
  private boolean measured;
  private long measuredAt;
  private long value = -1;

  /**
   * @param intervalMillis how long a measurement is used before the next one
   * @param clock the time in milliseconds
   */
  public Backlog(long intervalMillis, LongSupplier clock) {
    if (intervalMillis < 0) {
      throw new IllegalArgumentException("intervalMillis must be >= 0, was " + intervalMillis);
    }
    this.intervalMillis = intervalMillis;
    this.clock = clock;
  }

  /**
   * The backlog: measured with {@code measurement} if the last measurement is at least the
   * interval old (or there is none), else the last value.
   *
   * @return the backlog, or -1 if it was never measured successfully
   * @throws Exception the measurement's failure; the last value stays, and the next measurement
   *     waits for the interval as after a success
   */
  public long measure(Measurement measurement) throws Exception {
    // the measurement (a query) runs outside the lock: a runner thread asking for the size while
    // another measures gets the last value instead of waiting for the database
    synchronized (this) {
      long now = clock.getAsLong();
      if (measured && now - measuredAt < intervalMillis) {
        return value;
      }
      measured = true;
      measuredAt = now;
    }
    long result = measurement.measure();
    synchronized (this) {
      if (result >= 0) {
        value = result;
      }
      return value;
    }
  }

  /** The last value measured, or -1; measures nothing. */
  public synchronized long last() {
    return value;
  }

  /** {@code backlog} as the size of a restriction: unknown (negative) counts as nothing left. */
  public static double asSize(long backlog) {
    return Math.max(0, backlog);
  }
}
