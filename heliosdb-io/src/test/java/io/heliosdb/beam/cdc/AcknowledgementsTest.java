package io.heliosdb.beam.cdc;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** How long a stream's claims wait for the runner's commit, and when it warns. */
class AcknowledgementsTest {
  private static final long STALL = Acknowledgements.STALL_WARN_MILLIS;

  @Test
  void nothingWaitsOnceEveryClaimIsAcknowledged() {
    Acknowledgements acks = new Acknowledgements();
    assertThat(acks.unacknowledgedMillis(1_000)).isZero();
    long first = acks.claimed(1_000);
    long second = acks.claimed(2_000);
    assertThat(acks.unacknowledgedMillis(3_000)).isEqualTo(2_000); // since the first claim
    assertThat(acks.acknowledged(first, 4_000)).isTrue();
    assertThat(acks.unacknowledgedMillis(5_000)).isEqualTo(1_000); // since the last ack
    assertThat(acks.acknowledged(second, 6_000)).isTrue();
    assertThat(acks.unacknowledgedMillis(60_000)).isZero();
    assertThat(acks.acknowledged(first, 61_000)).as("never backwards").isFalse();
  }

  /**
   * A runner that never finalizes bundles (Flink without completed checkpoints, Dataflow where
   * finalization is best effort): the wait grows, and the stream warns once per stall.
   */
  @Test
  void warnsOnceWhenAcknowledgementsStandStillAndAgainAfterTheyMoved() {
    Acknowledgements acks = new Acknowledgements();
    long claim = acks.claimed(0);
    for (long t = 1_000; t < STALL; t += 1_000) {
      acks.claimed(t);
      assertThat(acks.warnStall(t)).isFalse();
    }
    assertThat(acks.unacknowledgedMillis(STALL)).isEqualTo(STALL);
    assertThat(acks.warnStall(STALL)).isTrue();
    assertThat(acks.warnStall(STALL + 60_000)).as("once per stall").isFalse();
    long last = acks.claimed(STALL + 60_000);
    assertThat(acks.acknowledged(last, STALL + 61_000)).isTrue();
    assertThat(acks.unacknowledgedMillis(STALL + 62_000)).isZero();
    assertThat(claim).isLessThan(last);
    acks.claimed(STALL + 70_000);
    assertThat(acks.warnStall(2 * STALL + 69_000)).isFalse();
    assertThat(acks.warnStall(2 * STALL + 70_000)).as("a new stall").isTrue();
  }
}
