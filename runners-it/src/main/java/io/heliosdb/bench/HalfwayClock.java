package io.heliosdb.bench;

import java.util.concurrent.atomic.AtomicLong;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.values.Row;

/**
 * Counts the rows a pipeline case reads as they arrive and notes when half and all of them had
 * arrived, for the rows per second of the second half of the read: the steady state, after the
 * runner started, the JIT compiled the row path and every reader got going. The counter is
 * static: the benchmark runs each case alone in a JVM and every runner here (Direct, the local
 * Flink and Spark clusters) runs the pipeline in that JVM. Emits nothing.
 */
final class HalfwayClock extends DoFn<Row, Void> {
  private static final long serialVersionUID = 1L;

  private static final AtomicLong ARRIVED = new AtomicLong();
  private static volatile long halfNanos;
  private static volatile long allNanos;

  private final long rows;

  HalfwayClock(long rows) {
    this.rows = rows;
  }

  @ProcessElement
  public void process() {
    long n = ARRIVED.incrementAndGet();
    if (n == rows / 2) {
      halfNanos = System.nanoTime();
    }
    if (n == rows) {
      allNanos = System.nanoTime();
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
