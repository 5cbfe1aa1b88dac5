package io.heliosdb.beam.incremental;

import static org.assertj.core.api.Assertions.assertThat;

import io.heliosdb.beam.incremental.PollCursor.MaxSample;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The integer cutoff's sampling and the event-time arithmetic. */
class CommitCutoffTest {
  static final Instant T0 = Instant.parse("2026-11-24T10:00:00Z");

  static long micros(Instant instant) {
    return Duration.between(Instant.EPOCH, instant).toNanos() / 1000;
  }

  @Test
  void withoutADelayTheCurrentMaximumIsTheCutoff() {
    CommitCutoff cutoff = CommitCutoff.fromSamples(42L, T0, 0, List.of());
    assertThat(cutoff.value()).isEqualTo(42L);
    assertThat(cutoff.samples()).isEmpty();
    assertThat(cutoff.watermark()).isEqualTo(T0);
    assertThat(cutoff.timestampOf(41L)).isEqualTo(T0);
  }

  @Test
  void aMaximumBecomesTheCutoffOnlyOnceItIsOneDelayOld() {
    CommitCutoff first = CommitCutoff.fromSamples(10L, T0, 8_000, List.of());
    assertThat(first.value()).isNull(); // nothing may be read yet
    assertThat(first.samples()).containsExactly(new MaxSample(micros(T0), 10L));
    assertThat(first.watermark()).isEqualTo(T0);

    // 0.5 s later: too soon for another sample (every delay / 8 = 1 s), still nothing readable
    CommitCutoff second = CommitCutoff.fromSamples(12L, T0.plusMillis(500), 8_000,
        first.samples());
    assertThat(second.value()).isNull();
    assertThat(second.samples()).hasSize(1);

    CommitCutoff third = CommitCutoff.fromSamples(20L, T0.plusSeconds(4), 8_000,
        second.samples());
    assertThat(third.samples()).extracting(MaxSample::max).containsExactly(10L, 20L);

    // 8 s after the first sample: its maximum is safe to read, rows get its time
    CommitCutoff fourth = CommitCutoff.fromSamples(30L, T0.plusSeconds(8), 8_000,
        third.samples());
    assertThat(fourth.value()).isEqualTo(10L);
    assertThat(fourth.watermark()).isEqualTo(T0);
    assertThat(fourth.timestampOf(9L)).isEqualTo(T0);

    // 12 s: the second sample is old enough; the first is dropped
    CommitCutoff fifth = CommitCutoff.fromSamples(30L, T0.plusSeconds(12), 8_000,
        fourth.samples());
    assertThat(fifth.value()).isEqualTo(20L);
    assertThat(fifth.watermark()).isEqualTo(T0.plusSeconds(4));
    assertThat(fifth.samples()).extracting(MaxSample::max).containsExactly(20L, 30L, 30L);
  }

  @Test
  void anEmptyTableTakesNoSampleAndTheWatermarkFollowsTheClock() {
    CommitCutoff cutoff = CommitCutoff.fromSamples(null, T0, 5_000, List.of());
    assertThat(cutoff.value()).isNull();
    assertThat(cutoff.samples()).isEmpty();
    assertThat(cutoff.watermark()).isEqualTo(T0);
  }

  @Test
  void eventTimesShiftLocalValuesByTheSessionOffset() {
    CommitCutoff cutoff =
        new CommitCutoff(LocalDateTime.parse("2026-11-24T11:00:00"), T0, Duration.ofHours(-1),
            List.of());
    assertThat(cutoff.timestampOf(LocalDateTime.parse("2026-11-24T10:59:59.250")))
        .isEqualTo(Instant.parse("2026-11-24T09:59:59.250Z"));
    CommitCutoff zoned = new CommitCutoff(T0, T0, Duration.ZERO, List.of());
    assertThat(zoned.timestampOf(T0.minusSeconds(3))).isEqualTo(T0.minusSeconds(3));
  }
}
