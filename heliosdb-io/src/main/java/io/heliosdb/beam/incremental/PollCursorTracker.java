package io.heliosdb.beam.incremental;

import org.apache.beam.sdk.transforms.splittabledofn.RestrictionTracker;
import org.apache.beam.sdk.transforms.splittabledofn.SplitResult;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Tracks an {@link PollCursor}. A claim is the cursor after the rows about to be emitted;
 * a split (a runner checkpoint) finishes the current restriction at the last claim and hands the
 * rest of the stream, from that cursor on, to the residual. After a split every claim fails, so
 * nothing is emitted past the cursor the residual resumes from.
 */
public final class PollCursorTracker
    extends RestrictionTracker<PollCursor, PollCursor> {
  private PollCursor cursor;
  private boolean split;

  public PollCursorTracker(PollCursor cursor) {
    this.cursor = cursor;
    this.split = cursor.finished();
  }

  @Override
  public boolean tryClaim(PollCursor next) {
    if (split) {
      return false;
    }
    cursor = next;
    return true;
  }

  @Override
  public PollCursor currentRestriction() {
    return cursor;
  }

  @Override
  public @Nullable SplitResult<PollCursor> trySplit(double fractionOfRemainder) {
    if (split) {
      return null;
    }
    split = true;
    SplitResult<PollCursor> result = SplitResult.of(cursor.asFinished(), cursor);
    cursor = cursor.asFinished();
    return result;
  }

  /**
   * A stream is done only once a checkpoint split it: the poll stops only after a claim failed.
   *
   * @throws IllegalStateException if the poll stopped without a checkpoint, which would drop the
   *     rest of the stream
   */
  @Override
  public void checkDone() {
    if (!split) {
      throw new IllegalStateException(
          "The poll stopped at " + (cursor.position() == null ? "the start" : cursor.position())
              + " without a checkpoint: the rest of the table's stream would be lost");
    }
  }

  @Override
  public IsBounded isBounded() {
    return split ? IsBounded.BOUNDED : IsBounded.UNBOUNDED;
  }
}
