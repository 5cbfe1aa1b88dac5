package io.heliosdb.bench;

import java.util.concurrent.atomic.AtomicLong;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.values.Row;

/**
 * Counts the rows a pipeline case reads as they arrive and notes when half and all of them had
 * arrived, for the rows per second of the second half of the read: the steady state, after the
 * runner started, the JIT compiled the row path and every reader got going. It takes the place of
 * the case's {@code Count.globally()}: it emits each bundle's row count, which the case sums, so
 * the read keeps one consumer (a second one would make the Spark runner cache the whole read, and
 * the other runners copy every row to it). The clock is static: the benchmark runs each case alone
 * in a JVM and every runner here (Direct, the local Flink and Spark clusters) runs the pipeline in
 * that JVM.
 */
final class HalfwayClock extends DoFn<Row, Long> {
  private static final long serialVersionUID = 1L;

  private static final AtomicLong ARRIVED = new AtomicLong();
  private static volatile long halfNanos;
  private static volatile long allNanos;

  private final long rows;
  private transient long bundleRows;

  HalfwayClock(long rows) {
    this.rows = rows;
  }

  @StartBundle
  public void startBundle() {
    bundleRows = 0;
  }

  @ProcessElement
  public void process() {
    bundleRows++;
    long n = ARRIVED.incrementAndGet();
    if (n == rows / 2) {
      halfNanos = System.nanoTime();
    }
    if (n == rows) {
      allNanos = System.nanoTime();
    }
  }

  @FinishBundle
  public void finishBundle(FinishBundleContext context) {
    if (bundleRows > 0) {
      context.output(bundleRows, GlobalWindow.INSTANCE.maxTimestamp(), GlobalWindow.INSTANCE);
    }
  }

  /** Rows per second between the middle row's arrival and the last's; -1 if not seen. */
  static long secondHalfRowsPerSecond(long rows) {
    long half = halfNanos;
    long all = allNanos;
    if (half == 0 || all <= half) {
      return -1;
    }
    return Math.round((rows - rows / 2) / ((all - half) / 1e9));
  }
}
