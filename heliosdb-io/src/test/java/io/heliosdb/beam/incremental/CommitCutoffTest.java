package io.heliosdb.beam.incremental;

import static org.assertj.core.api.Assertions.assertThat;

import io.heliosdb.beam.incremental.PollCursor.MaxSample;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
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
            List.of(), null);
    assertThat(cutoff.timestampOf(LocalDateTime.parse("2026-11-24T10:59:59.250")))
        .isEqualTo(Instant.parse("2026-11-24T09:59:59.250Z"));
    CommitCutoff zoned = new CommitCutoff(T0, T0, Duration.ZERO, List.of(), null);
    assertThat(zoned.timestampOf(T0.minusSeconds(3))).isEqualTo(T0.minusSeconds(3));
  }

  @Test
  void aStatedZoneGivesTheClockAsThatZonesWallClockTime() {
    CommitCutoff cutoff = CommitCutoff.inZone(T0, ZoneId.of("Asia/Tokyo"));
    assertThat(cutoff.value()).isEqualTo(LocalDateTime.parse("2026-11-24T19:00:00"));
    assertThat(cutoff.watermark()).isEqualTo(T0);
    assertThat(cutoff.timestampOf(LocalDateTime.parse("2026-11-24T18:59:59.5")))
        .isEqualTo(T0.minusMillis(500));
  }

  /**
   * Writers in New York stamp a row every 10 s with their wall-clock time and commit it 2 s
   * later, through the night of the 2026 fall-back (01:00 to 02:00 happens twice); a reader polls
   * every 5 s with a 5 s commit delay, reading in (value, id) order after its cursor up to the
   * cutoff, as {@link IncrementalSql} does. Every row is read exactly once, none with an event
   * time behind the watermark, and the watermark never passes a row not yet read.
   */
  @Test
  void noRowOfARepeatedHourIsSkippedOrReadTwice() {
    ZoneId newYork = ZoneId.of("America/New_York");
    Instant first = Instant.parse("2026-11-01T04:00:00Z"); // 00:00 EDT
    record Written(LocalDateTime value, long id, Instant committed, Instant stamped) {}
    List<Written> rows = new java.util.ArrayList<>();
    for (long id = 0; id < 4 * 360; id++) { // 4 hours
      Instant stamped = first.plusSeconds(10 * id);
      rows.add(new Written(LocalDateTime.ofInstant(stamped, newYork), id,
          stamped.plusSeconds(2), stamped));
    }
    java.util.Comparator<Written> order =
        java.util.Comparator.comparing(Written::value).thenComparing(Written::id);
    Written cursor = null;
    Instant watermark = Instant.EPOCH;
    java.util.Map<Long, Integer> reads = new java.util.HashMap<>();
    for (Instant poll = first; poll.isBefore(first.plusSeconds(5 * 3600));
        poll = poll.plusSeconds(5)) {
      CommitCutoff cutoff = CommitCutoff.inZone(poll.minusSeconds(5), newYork);
      LocalDateTime limit = (LocalDateTime) cutoff.value();
      Instant now = poll;
      Written after = cursor;
      List<Written> read = rows.stream()
          .filter(r -> !r.committed().isAfter(now))
          .filter(r -> after == null || order.compare(r, after) > 0)
          .filter(r -> !r.value().isAfter(limit))
          .sorted(order)
          .toList();
      for (Written row : read) {
        reads.merge(row.id(), 1, Integer::sum);
        assertThat(cutoff.timestampOf(row.value())).isAfterOrEqualTo(watermark); // not late
        cursor = row;
      }
      assertThat(cutoff.watermark()).isBeforeOrEqualTo(poll);
      watermark = cutoff.watermark().isAfter(watermark) ? cutoff.watermark() : watermark;
      for (Written row : rows) {
        if (!reads.containsKey(row.id()) && row.stamped().isBefore(watermark)) {
          throw new AssertionError("watermark " + watermark + " passed unread row " + row);
        }
      }
    }
    assertThat(reads).hasSize(rows.size());
    assertThat(reads.values()).containsOnly(1);
  }
}
