package io.heliosdb.beam.stream;

import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.splittabledofn.ManualWatermarkEstimator;
import org.apache.beam.sdk.transforms.splittabledofn.WatermarkEstimators;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.values.Row;
import org.joda.time.Instant;

/**
 * What the unbounded reads share: one stream per element, a {@link StreamTracker} over the
 * restriction, a manual watermark that starts at the element's timestamp and only moves
 * forward, and the restriction's size for the runner: the stream's backlog after its position
 * ({@link #backlog}), also reported as the tracker's progress.
 */
@DoFn.UnboundedPerElement
public abstract class StreamDoFn<InT, R extends StreamRestriction<R>> extends DoFn<InT, Row> {

  @NewTracker
  public StreamTracker<R> newTracker(@Restriction R position) {
    return new StreamTracker<>(position, this::backlog);
  }

  /** The restriction's backlog ({@link #backlog}); nothing once finished. */
  @GetSize
  public double getSize(@Restriction R position) {
    return position.finished() ? 0 : backlog(position);
  }

  /**
   * The work left in the stream after {@code position}, never negative, 0 if unknown; by default
   * 0. The runner asks for it on its own threads, also while the stream is read.
   */
  protected double backlog(R position) {
    return 0;
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
