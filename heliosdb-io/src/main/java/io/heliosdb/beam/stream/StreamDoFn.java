package io.heliosdb.beam.stream;

import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.splittabledofn.ManualWatermarkEstimator;
import org.apache.beam.sdk.transforms.splittabledofn.WatermarkEstimators;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.values.Row;
import org.joda.time.Instant;

/**
 * What the unbounded reads share: one stream per element, a {@link StreamTracker} over the
 * restriction, and a manual watermark that starts at the element's timestamp and only moves
 * forward.
 */
@DoFn.UnboundedPerElement
public abstract class StreamDoFn<InT, R extends StreamRestriction<R>> extends DoFn<InT, Row> {

  @NewTracker
  public StreamTracker<R> newTracker(@Restriction R position) {
    return new StreamTracker<>(position);
  }

  /**
   * The element's timestamp: the minimum for a stream started by the pipeline, the watermark
   * its previous step had reached for a stream handed over by another step.
   */
  @GetInitialWatermarkEstimatorState
  public Instant initialWatermark(@Timestamp Instant elementTimestamp) {
    return elementTimestamp;
  }

  @NewWatermarkEstimator
  public WatermarkEstimators.Manual newWatermarkEstimator(
      @WatermarkEstimatorState Instant watermark) {
    return new WatermarkEstimators.Manual(watermark);
  }

  /** Moves the watermark to {@code to} if that is later; never back. */
  protected static void advance(ManualWatermarkEstimator<Instant> watermark, Instant to) {
    if (to.isAfter(watermark.currentWatermark())) {
      watermark.setWatermark(to);
    }
  }
}
