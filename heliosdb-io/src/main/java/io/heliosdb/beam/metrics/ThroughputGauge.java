package io.heliosdb.beam.metrics;

import java.util.function.LongSupplier;
import org.apache.beam.sdk.metrics.Gauge;

/**
 * Rows per second of one reader, set on a Beam {@link Gauge} once per window of at least a
 * second: the rows counted in the window divided by its length.
 */
final class ThroughputGauge {
  static final long WINDOW_MILLIS = 1_000;

  private final Gauge gauge;
  private final LongSupplier clock;
  private long windowStart;
  private long rows;

  ThroughputGauge(Gauge gauge) {
    this(gauge, System::currentTimeMillis);
  }

  ThroughputGauge(Gauge gauge, LongSupplier clock) {
    this.gauge = gauge;
    this.clock = clock;
    this.windowStart = clock.getAsLong();
  }

  /** Counts {@code n} rows, and sets the gauge if the window is over. */
  void add(long n) {
    rows += n;
    long now = clock.getAsLong();
    long elapsed = now - windowStart;
    if (elapsed >= WINDOW_MILLIS) {
      gauge.set(rows * 1_000 / elapsed);
      rows = 0;
      windowStart = now;
    }
  }
}
