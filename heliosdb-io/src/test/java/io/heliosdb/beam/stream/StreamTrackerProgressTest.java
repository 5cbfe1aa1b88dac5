package io.heliosdb.beam.stream;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.transforms.splittabledofn.RestrictionTracker.Progress;
import org.junit.jupiter.api.Test;

/** The progress a {@link StreamTracker} reports: the backlog after its current position. */
class StreamTrackerProgressTest {

  /** A position in a log of bytes. */
  private record Offset(long at, boolean finished) implements StreamRestriction<Offset> {
    @Override
    public Offset asFinished() {
      return new Offset(at, true);
    }

    @Override
    public String describe() {
      return "offset " + at;
    }
  }

  private static final long LOG_END = 1_000;
  private final List<Offset> asked = new ArrayList<>();

  private StreamTracker<Offset> trackerAt(long at) {
    return new StreamTracker<>(new Offset(at, false), position -> {
      asked.add(position);
      return LOG_END - position.at();
    });
  }

  @Test
  void remainingWorkIsTheBacklogAfterTheLastClaim() {
    StreamTracker<Offset> tracker = trackerAt(100);
    assertThat(tracker.getProgress().getWorkRemaining()).isEqualTo(900);
    tracker.tryClaim(new Offset(750, false));
    Progress progress = tracker.getProgress();
    assertThat(progress.getWorkRemaining()).isEqualTo(250);
    assertThat(progress.getWorkCompleted()).isZero();
    assertThat(asked).extracting(Offset::at).containsExactly(100L, 750L);
  }

  @Test
  void nothingRemainsOnceACheckpointFinishedTheRestriction() {
    StreamTracker<Offset> tracker = trackerAt(100);
    tracker.tryClaim(new Offset(400, false));
    tracker.trySplit(0);
    assertThat(tracker.getProgress().getWorkRemaining()).isZero();
    assertThat(asked).as("a finished restriction is not measured").isEmpty();
  }

  @Test
  void aTrackerWithoutBacklogReportsNone() {
    assertThat(new StreamTracker<>(new Offset(5, false)).getProgress().getWorkRemaining())
        .isZero();
  }

  @Test
  void theDoFnsSizeIsTheBacklogOfAnUnfinishedRestriction() {
    StreamDoFn<byte[], Offset> reader = new StreamDoFn<>() {
      @Override
      protected double backlog(Offset position) {
        return LOG_END - position.at();
      }
    };
    assertThat(reader.getSize(new Offset(600, false))).isEqualTo(400);
    assertThat(reader.getSize(new Offset(600, true))).isZero();
    assertThat(reader.newTracker(new Offset(900, false)).getProgress().getWorkRemaining())
        .isEqualTo(100);
  }
}
