package io.heliosdb.beam.cdc;

import static org.assertj.core.api.Assertions.assertThat;

import io.heliosdb.beam.dialect.ChangeLogClock.LogBound;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;

/** The bookkeeping of the CDC watermark's bounds: which bound holds once the log is received. */
class LogWatermarkTest {
  private static LogBound bound(long seconds, long logEnd) {
    return new LogBound(java.time.Instant.ofEpochSecond(seconds), logEnd, null);
  }

  private static LogWatermark watermark() {
    return new LogWatermark(null, null, "t");
  }

  @Test
  void aBoundHoldsOnlyOnceTheLogIsReceivedUpToItsEnd() {
    LogWatermark watermark = watermark();
    watermark.add(bound(100, 500));
    watermark.add(bound(101, 700));
    watermark.confirm(499);
    assertThat(watermark.confirmed()).isNull();
    watermark.confirm(500);
    assertThat(watermark.confirmed()).isEqualTo(Instant.ofEpochSecond(100));
    watermark.confirm(10_000);
    assertThat(watermark.confirmed()).isEqualTo(Instant.ofEpochSecond(101));
  }

  @Test
  void anUnknownReceivedPositionConfirmsNothing() {
    LogWatermark watermark = watermark();
    watermark.add(bound(100, 0));
    watermark.confirm(-1);
    assertThat(watermark.confirmed()).isNull();
  }

  @Test
  void anEarlierBoundNeverMovesTheConfirmedOneBack() {
    LogWatermark watermark = watermark();
    watermark.add(bound(100, 5)); // an open transaction's start held the next reading back
    watermark.add(bound(90, 6));
    watermark.confirm(6);
    assertThat(watermark.confirmed()).isEqualTo(Instant.ofEpochSecond(100));
  }

  @Test
  void aNewReaderForgetsTheBounds() {
    LogWatermark watermark = watermark();
    watermark.add(bound(100, 5));
    watermark.confirm(5);
    watermark.add(bound(101, 6));
    watermark.reset();
    watermark.confirm(100);
    assertThat(watermark.confirmed()).isNull();
  }

  @Test
  void tooManyUnconfirmedBoundsDropTheOldest() {
    LogWatermark watermark = watermark();
    for (int i = 0; i <= LogWatermark.MAX_UNCONFIRMED; i++) {
      watermark.add(bound(i, i));
    }
    watermark.confirm(0);
    assertThat(watermark.confirmed()).isNull(); // the first gave way
    watermark.confirm(1);
    assertThat(watermark.confirmed()).isEqualTo(Instant.ofEpochSecond(1));
  }

  @Test
  void aChangeIsNeverTimestampedBehindTheWatermark() {
    LogWatermark watermark = watermark();
    Instant mark = Instant.ofEpochSecond(100);
    assertThat(watermark.timestampOf(Instant.ofEpochSecond(101), mark, "p"))
        .isEqualTo(Instant.ofEpochSecond(101));
    assertThat(watermark.timestampOf(mark, mark, "p")).isEqualTo(mark);
    assertThat(watermark.timestampOf(Instant.ofEpochSecond(99), mark, "p")).isEqualTo(mark);
  }
}
