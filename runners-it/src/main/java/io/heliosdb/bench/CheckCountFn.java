package io.heliosdb.bench;

import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;

/**
 * The last step of every pipeline case: receives the result of {@code Count.globally()}, reports
 * it as a metric for the driver to read, and fails the pipeline if it is not the expected count.
 */
public final class CheckCountFn extends DoFn<Long, Void> {
  private static final long serialVersionUID = 1L;

  public static final String NAMESPACE = "bench";
  public static final String ROWS_COUNTED = "rows_counted";

  private final long expected;
  private final Counter counted = Metrics.counter(NAMESPACE, ROWS_COUNTED);

  public CheckCountFn(long expected) {
    this.expected = expected;
  }

  @ProcessElement
  public void process(@Element Long count) {
    counted.inc(count);
    if (count != expected) {
      throw new IllegalStateException(
          "wrong row count: the pipeline read " + count + " rows, expected " + expected);
    }
  }
}
