package io.heliosdb.beam.stream;

import java.util.function.ToDoubleFunction;
import org.apache.beam.sdk.transforms.splittabledofn.RestrictionTracker;
import org.apache.beam.sdk.transforms.splittabledofn.SplitResult;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Tracks a {@link StreamRestriction}. A claim is the position after the elements about to be
 * emitted; a split (a runner checkpoint) finishes the current restriction at the last claim and
 * hands the rest of the stream, from that position on, to the residual. After a split every
 * claim fails, so nothing is emitted past the position the residual resumes from.
 *
 * <p>Its progress is the stream's backlog after the current position, as its reader measures it
 * (nothing once finished), with no work counted as completed: a stream has no end to count
 * towards.
 */
public final class StreamTracker<R extends StreamRestriction<R>> extends RestrictionTracker<R, R>
    implements RestrictionTracker.HasProgress {
  private R position;
  private boolean split;
  private final ToDoubleFunction<R> backlog;

  /** A tracker whose progress reports no backlog. */
  public StreamTracker(R position) {
    this(position, r -> 0);
  }

  /**
   * @param backlog the work left after a position (e.g. bytes of log), never negative; called
   *     with the current position when the runner asks for progress, on its own thread
   */
  public StreamTracker(R position, ToDoubleFunction<R> backlog) {
    this.position = position;
    this.split = position.finished();
    this.backlog = backlog;
  }

  /**
   * Claims the position after the elements about to be emitted; a {@link
   * StreamRestriction#finished finished} position ends the stream there, when the reader hands
   * the rest of it to another step.
   */
  @Override
  public boolean tryClaim(R next) {
    if (split) {
      return false;
    }
    position = next;
    split = next.finished();
    return true;
  }

  @Override
  public R currentRestriction() {
    return position;
  }

  @Override
  public @Nullable SplitResult<R> trySplit(double fractionOfRemainder) {
    if (split) {
      return null;
    }
    split = true;
    SplitResult<R> result = SplitResult.of(position.asFinished(), position);
    position = position.asFinished();
    return result;
  }

  /**
   * A stream is done only once a checkpoint split it (the reader stops only after a claim
   * failed), or a finished position was claimed.
   *
   * @throws IllegalStateException if the reader stopped without a checkpoint, which would drop
   *     the rest of the stream
   */
  @Override
  public void checkDone() {
    if (!split) {
      throw new IllegalStateException(
          "The stream stopped at " + position.describe()
              + " without a checkpoint: the rest of the stream would be lost");
    }
  }

  /** No work completed; the backlog after the current position remaining (0 once finished). */
  @Override
  public Progress getProgress() {
    // the runner calls trackers one method at a time (RestrictionTrackers.observe)
    return Progress.from(0, position.finished() ? 0 : backlog.applyAsDouble(position));
  }

  @Override
  public IsBounded isBounded() {
    return split ? IsBounded.BOUNDED : IsBounded.UNBOUNDED;
  }
}
