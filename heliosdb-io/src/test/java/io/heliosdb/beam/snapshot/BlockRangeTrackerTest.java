package io.heliosdb.beam.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.heliosdb.beam.snapshot.BlockRangeTracker.Block;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Random;
import java.util.TreeSet;
import org.apache.beam.sdk.io.range.OffsetRange;
import org.apache.beam.sdk.transforms.splittabledofn.RestrictionTracker.IsBounded;
import org.apache.beam.sdk.transforms.splittabledofn.SplitResult;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

class BlockRangeTrackerTest {

  @Test
  void claimsBlocksAndTrimsTheLastOneToTheRange() {
    BlockRangeTracker tracker = new BlockRangeTracker(new OffsetRange(10, 20));
    Block first = new Block(10, 15);
    assertThat(tracker.tryClaim(first)).isTrue();
    assertThat(first.claimedTo()).isEqualTo(15);
    Block overlapping = new Block(17, 40);
    assertThat(tracker.tryClaim(overlapping)).isTrue();
    assertThat(overlapping.claimedTo()).isEqualTo(20);
    assertThat(tracker.tryClaim(new Block(20, 21))).isFalse();
    tracker.checkDone();
    assertThat(tracker.isBounded()).isEqualTo(IsBounded.BOUNDED);
    assertThat(tracker.toString()).contains("claimedUpTo=20");
  }

  @Test
  void rejectsBackwardAndEmptyBlocks() {
    BlockRangeTracker tracker = new BlockRangeTracker(new OffsetRange(0, 10));
    tracker.tryClaim(new Block(0, 5));
    assertThatThrownBy(() -> tracker.tryClaim(new Block(4, 6)))
        .hasMessageContaining("starts before the end of the claimed work 5");
    assertThatThrownBy(() -> new Block(3, 3)).hasMessageContaining("empty block [3, 3)");
  }

  @Test
  void checkDoneNamesTheUnclaimedWork() {
    BlockRangeTracker tracker = new BlockRangeTracker(new OffsetRange(0, 10));
    tracker.tryClaim(new Block(0, 4));
    assertThatThrownBy(tracker::checkDone).hasMessageContaining("Offsets [4, 10)");
  }

  @Test
  void checkpointsAfterTheClaimedWorkAndReportsProgress() {
    BlockRangeTracker tracker = new BlockRangeTracker(new OffsetRange(0, 100));
    assertThat(tracker.getProgress().getWorkRemaining()).isEqualTo(100);
    tracker.tryClaim(new Block(0, 30));
    assertThat(tracker.getProgress().getWorkCompleted()).isEqualTo(30);
    SplitResult<OffsetRange> split = tracker.trySplit(0);
    assertThat(split.getPrimary()).isEqualTo(new OffsetRange(0, 30));
    assertThat(split.getResidual()).isEqualTo(new OffsetRange(30, 100));
    tracker.checkDone();
    assertThat(tracker.trySplit(0.5)).isNull();
    BlockRangeTracker fresh = new BlockRangeTracker(new OffsetRange(0, 100));
    assertThat(fresh.trySplit(0).getPrimary()).isEqualTo(new OffsetRange(0, 0));
    BlockRangeTracker huge = new BlockRangeTracker(new OffsetRange(Long.MIN_VALUE, Long.MAX_VALUE));
    assertThat(huge.trySplit(0.5).getResidual().getFrom()).isBetween(-2L, 2L);
  }

  /**
   * A random sequence of block claims, checkpoints and fractional splits, with every residual
   * resumed: the claimed offsets of all trackers partition the original range exactly.
   */
  @RepeatedTest(50)
  void claimsAcrossRandomSplitsPartitionTheRange() {
    Random random = new Random();
    long from = random.nextInt(1_000) - 500;
    long to = from + 1 + random.nextInt(5_000);
    TreeSet<Long> claimed = new TreeSet<>();
    Deque<OffsetRange> work = new ArrayDeque<>();
    work.add(new OffsetRange(from, to));
    while (!work.isEmpty()) {
      OffsetRange range = work.pop();
      BlockRangeTracker tracker = new BlockRangeTracker(range);
      long cursor = range.getFrom();
      while (true) {
        if (random.nextInt(5) == 0) {
          SplitResult<OffsetRange> split =
              tracker.trySplit(random.nextBoolean() ? 0 : random.nextDouble());
          if (split != null) {
            work.push(split.getResidual());
          }
        }
        Block block = new Block(cursor, cursor + 1 + random.nextInt(50));
        if (!tracker.tryClaim(block)) {
          break;
        }
        for (long i = cursor; i < block.claimedTo(); i++) {
          assertThat(claimed.add(i)).as("offset %s claimed twice", i).isTrue();
        }
        cursor = block.claimedTo();
      }
      tracker.checkDone();
    }
    assertThat(claimed).hasSize((int) (to - from));
    assertThat(claimed.first()).isEqualTo(from);
    assertThat(claimed.last()).isEqualTo(to - 1);
  }
}
