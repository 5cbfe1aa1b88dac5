package io.heliosdb.beam.stream;

import org.apache.beam.sdk.transforms.splittabledofn.RestrictionTracker;
import org.apache.beam.sdk.transforms.splittabledofn.SplitResult;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Tracks a {@link StreamRestriction}. A claim is the position after the elements about to be
 * emitted; a split (a runner checkpoint) finishes the current restriction at the last claim and
 * hands the rest of the stream, from that position on, to the residual. After a split every
 * claim fails, so nothing is emitted past the position the residual resumes from.
 */
public final class StreamTracker<R extends StreamRestriction<R>> extends RestrictionTracker<R, R> {
  private R position;
  private boolean split;

  public StreamTracker(R position) {
    this.position = position;
    this.split = position.finished();
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

  @Override
  public IsBounded isBounded() {
    return split ? IsBounded.BOUNDED : IsBounded.UNBOUNDED;
  }
}
