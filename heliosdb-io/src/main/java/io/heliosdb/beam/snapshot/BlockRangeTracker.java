package io.heliosdb.beam.snapshot;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import org.apache.beam.sdk.io.range.OffsetRange;
import org.apache.beam.sdk.transforms.splittabledofn.RestrictionTracker;
import org.apache.beam.sdk.transforms.splittabledofn.SplitResult;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A tracker of an {@link OffsetRange} whose positions are claimed in blocks: {@code [from, to)}
 * at once, in increasing order. A claim that overlaps the end of the range succeeds for the part
 * inside it and records that part in {@link Block#claimedTo()}, atomically under the runner's
 * tracker lock. So a reader can read a batch of rows first and claim it afterwards, keep exactly
 * the rows the claim covers, and never emit after a failed claim.
 *
 * <p>Splits fall at or after the end of the last claimed block: claimed work is never given away.
 */
public class BlockRangeTracker extends RestrictionTracker<OffsetRange, BlockRangeTracker.Block>
    implements RestrictionTracker.HasProgress {

  /** A block of offsets {@code [from, to)} to claim. */
  public static final class Block {
    private final long from;
    private final long to;
    long claimedTo;

    public Block(long from, long to) {
      if (to <= from) {
        throw new IllegalArgumentException("empty block [" + from + ", " + to + ")");
      }
      this.from = from;
      this.to = to;
      this.claimedTo = from;
    }

    public long from() {
      return from;
    }

    public long to() {
      return to;
    }

    /** The end (exclusive) of the part the claim covered; {@code from} if it failed. */
    public long claimedTo() {
      return claimedTo;
    }

    @Override
    public String toString() {
      return "[" + from + ", " + to + ")";
    }
  }

  private OffsetRange range;
  private long claimedUpTo;

  public BlockRangeTracker(OffsetRange range) {
    this.range = range;
    this.claimedUpTo = range.getFrom();
  }

  @Override
  public boolean tryClaim(Block block) {
    if (block.from < claimedUpTo) {
      throw new IllegalArgumentException(
          "block " + block + " starts before the end of the claimed work " + claimedUpTo);
    }
    if (block.from >= range.getTo()) {
      claimedUpTo = Math.max(claimedUpTo, range.getTo());
      return false;
    }
    claimedUpTo = Math.min(block.to, range.getTo());
    block.claimedTo = claimedUpTo;
    return true;
  }

  @Override
  public OffsetRange currentRestriction() {
    return range;
  }

  @Override
  public @Nullable SplitResult<OffsetRange> trySplit(double fractionOfRemainder) {
    BigDecimal remaining = remaining();
    long split =
        BigDecimal.valueOf(claimedUpTo)
            .add(
                remaining.multiply(BigDecimal.valueOf(fractionOfRemainder), MathContext.DECIMAL128)
                    .setScale(0, RoundingMode.FLOOR))
            .longValueExact();
    if (split >= range.getTo()) {
      return null;
    }
    OffsetRange primary = new OffsetRange(range.getFrom(), split);
    OffsetRange residual = new OffsetRange(split, range.getTo());
    range = primary;
    return SplitResult.of(primary, residual);
  }

  @Override
  public void checkDone() throws IllegalStateException {
    if (claimedUpTo < range.getTo()) {
      throw new IllegalStateException(
          "Offsets [" + claimedUpTo + ", " + range.getTo() + ") of " + range
              + " were not claimed");
    }
  }

  @Override
  public IsBounded isBounded() {
    return IsBounded.BOUNDED;
  }

  @Override
  public Progress getProgress() {
    BigDecimal done =
        BigDecimal.valueOf(claimedUpTo).subtract(BigDecimal.valueOf(range.getFrom()));
    return Progress.from(done.doubleValue(), remaining().doubleValue());
  }

  private BigDecimal remaining() {
    return BigDecimal.valueOf(range.getTo()).subtract(BigDecimal.valueOf(claimedUpTo)).max(
        BigDecimal.ZERO);
  }

  @Override
  public String toString() {
    return "BlockRangeTracker{range=" + range + ", claimedUpTo=" + claimedUpTo + "}";
  }
}
