package io.heliosdb.beam.incremental;

import org.apache.beam.sdk.transforms.splittabledofn.RestrictionTracker;
import org.apache.beam.sdk.transforms.splittabledofn.SplitResult;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Tracks an {@link IncrementalCursor}. A claim is the cursor after the rows about to be emitted;
 * a split (a runner checkpoint) finishes the current restriction at the last claim and hands the
 * rest of the stream, from that cursor on, to the residual. After a split every claim fails, so
 * nothing is emitted past the cursor the residual resumes from.
 */
public final class CursorTracker
    extends RestrictionTracker<IncrementalCursor, IncrementalCursor> {
  private IncrementalCursor cursor;
  private boolean split;

  public CursorTracker(IncrementalCursor cursor) {
    this.cursor = cursor;
    this.split = cursor.finished();
  }

  @Override
  public boolean tryClaim(IncrementalCursor next) {
    if (split) {
      return false;
    }
    cursor = next;
    return true;
  }

  @Override
  public IncrementalCursor currentRestriction() {
    return cursor;
  }

  @Override
  public @Nullable SplitResult<IncrementalCursor> trySplit(double fractionOfRemainder) {
    if (split) {
      return null;
    }
    split = true;
    SplitResult<IncrementalCursor> result = SplitResult.of(cursor.asFinished(), cursor);
    cursor = cursor.asFinished();
    return result;
  }

  /** Nothing to check: a stream is never done unless it was split, and then it is. */
  @Override
  public void checkDone() {}

  @Override
  public IsBounded isBounded() {
    return split ? IsBounded.BOUNDED : IsBounded.UNBOUNDED;
  }
}
