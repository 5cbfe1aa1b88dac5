package io.heliosdb.beam;

/**
 * Package-private settings of {@link HeliosDbIO.Read} for the runner tests of {@code runners-it}
 * (same package, so the settings stay out of the public API).
 */
public final class ReadHooks {
  private ReadHooks() {}

  /**
   * Rows read, claimed and emitted together: small batches make a chunk read output many
   * elements, so that Flink checkpoints the reader (after 10,000 outputs) within a split.
   */
  public static HeliosDbIO.Read withOutputBatchSize(HeliosDbIO.Read read, int rows) {
    return read.withOutputBatchSize(rows);
  }
}
