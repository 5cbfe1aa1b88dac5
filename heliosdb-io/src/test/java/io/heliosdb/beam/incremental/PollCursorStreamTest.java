package io.heliosdb.beam.incremental;

import static org.assertj.core.api.Assertions.assertThat;

import io.heliosdb.beam.incremental.PollCursor.MaxSample;
import io.heliosdb.beam.stream.StreamTracker;
import java.util.List;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.logicaltypes.SqlTypes;
import org.apache.beam.sdk.transforms.splittabledofn.RestrictionTracker.IsBounded;
import org.apache.beam.sdk.transforms.splittabledofn.SplitResult;
import org.apache.beam.sdk.values.Row;
import org.junit.jupiter.api.Test;

/** A {@link StreamTracker} over poll cursors. */
class PollCursorStreamTest {
  static final Schema SCHEMA = Schema.builder().addInt64Field("id").build();

  static Row at(long id) {
    return Row.withSchema(SCHEMA).addValues(id).build();
  }

  /** Retry warnings name the cursor: on one line (found by the fault suite). */
  @Test
  void describesTheCursorOnOneLine() {
    Schema schema = Schema.builder()
        .addLogicalTypeField("updated_at", SqlTypes.DATETIME)
        .addInt64Field("id").build();
    Row position = Row.withSchema(schema)
        .addValues(java.time.LocalDateTime.parse("2026-01-01T10:15:30"), 11_415L).build();
    assertThat(PollCursor.start().describe()).isEqualTo("the start");
    assertThat(PollCursor.start().after(position).describe())
        .isEqualTo("{updated_at=2026-01-01T10:15:30, id=11415}");
  }

  @Test
  void aCheckpointHandsTheRestOfTheStreamOnFromTheLastClaim() {
    StreamTracker<PollCursor> tracker = new StreamTracker<>(PollCursor.start());
    assertThat(tracker.isBounded()).isEqualTo(IsBounded.UNBOUNDED);
    assertThat(tracker.tryClaim(PollCursor.start().after(at(10)))).isTrue();

    SplitResult<PollCursor> split = tracker.trySplit(0);

    assertThat(split.getPrimary().finished()).isTrue();
    assertThat(split.getResidual().finished()).isFalse();
    assertThat(split.getResidual().position()).isEqualTo(at(10));
    assertThat(tracker.tryClaim(PollCursor.start().after(at(11)))).isFalse();
    assertThat(tracker.currentRestriction().position()).isEqualTo(at(10));
    assertThat(tracker.isBounded()).isEqualTo(IsBounded.BOUNDED);
    assertThat(tracker.trySplit(0)).isNull();
    tracker.checkDone();
  }

  @Test
  void theResidualCarriesTheSamplesAndAFinishedCursorClaimsNothing() {
    PollCursor cursor =
        PollCursor.start().withSamples(List.of(new MaxSample(5, 100L)));
    StreamTracker<PollCursor> tracker = new StreamTracker<>(cursor);
    SplitResult<PollCursor> split = tracker.trySplit(0.5);
    assertThat(split.getResidual().samples()).containsExactly(new MaxSample(5, 100L));
    assertThat(split.getResidual().position()).isNull();

    StreamTracker<PollCursor> done = new StreamTracker<>(split.getPrimary());
    assertThat(done.tryClaim(cursor)).isFalse();
    assertThat(done.trySplit(0)).isNull();
  }
}
