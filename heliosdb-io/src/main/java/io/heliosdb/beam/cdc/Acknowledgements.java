package io.heliosdb.beam.cdc;

/**
 * How far the acknowledgements of a change stream lag behind its claims: a stream claims each
 * position as it emits it, and acknowledges it to the database only once the runner has committed
 * the bundle ({@code BundleFinalizer}). Runners that finalize bundles late or never (Flink before
 * a checkpoint completes, or without checkpointing; Dataflow, where finalization is best effort;
 * portable Flink, where it is absent) leave claims unacknowledged, and the database keeps its log
 * for them. Not thread-safe: its owner synchronizes.
 */
final class Acknowledgements {
  /** How long acknowledgements may stand still while claims wait before the stream warns. */
  static final long STALL_WARN_MILLIS = 5 * 60_000;

  private long claims;
  private long acknowledged;
  /** Since when claims wait: the first claim after everything was acknowledged, or the last ack. */
  private long waitingSince;
  private boolean warned;

  /** A position was claimed at {@code now}; returns its claim number. */
  long claimed(long now) {
    if (claims == acknowledged) {
      waitingSince = now;
    }
    return ++claims;
  }

  /**
   * Claim {@code claim} was acknowledged at {@code now}.
   *
   * @return whether it moved the acknowledgements forward (earlier claims are acknowledged with it)
   */
  boolean acknowledged(long claim, long now) {
    if (claim <= acknowledged) {
      return false;
    }
    acknowledged = claim;
    waitingSince = now;
    warned = false;
    return true;
  }

  /**
   * How long claims have waited without the acknowledgements moving: 0 when every claim is
   * acknowledged, else the time since the last acknowledgement or, if none came since, since the
   * first claim that waits.
   */
  long unacknowledgedMillis(long now) {
    return claims == acknowledged ? 0 : Math.max(0, now - waitingSince);
  }

  /**
   * Whether the stream should warn now: claims have waited {@link #STALL_WARN_MILLIS} or more,
   * and it has not warned since the acknowledgements last moved.
   */
  boolean warnStall(long now) {
    if (warned || unacknowledgedMillis(now) < STALL_WARN_MILLIS) {
      return false;
    }
    warned = true;
    return true;
  }
}
