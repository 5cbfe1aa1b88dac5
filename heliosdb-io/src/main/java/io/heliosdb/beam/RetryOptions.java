package io.heliosdb.beam;

import com.google.auto.value.AutoValue;
import java.io.Serializable;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.joda.time.Duration;

/**
 * How a read retries what the database reports as worth retrying ({@link
 * io.heliosdb.beam.dialect.Dialect#classify}); other errors fail at once, naming their cause.
 *
 * <ul>
 *   <li><b>Connection failures</b> (lost connection, server restarting, too many connections):
 *       exponential backoff of 1 s, 2 s, 4 s, 8 s, … capped at 60 s, with ±20 % jitter, for at
 *       most {@link #withConnectionRetryTime} (default 10 minutes) since the first failure.
 *   <li><b>Read failures</b> (deadlock, serialization failure, lock wait timeout): {@link
 *       #withReadRetries} retries (default 3), {@link #withReadRetryDelay} apart (default 5 s).
 * </ul>
 *
 * <p>A retry resumes where the read stood: a snapshot chunk after its last emitted key, a poll
 * after its cursor, CDC after its last position. Nothing is lost and nothing emitted again.
 *
 * <pre>{@code
 * HeliosDbIO.read()...withRetry(RetryOptions.create()
 *     .withConnectionRetryTime(Duration.standardMinutes(30))
 *     .withReadRetries(5))
 * }</pre>
 */
@AutoValue
public abstract class RetryOptions implements Serializable {
  private static final long serialVersionUID = 1L;

  public static final Duration DEFAULT_CONNECTION_RETRY_TIME = Duration.standardMinutes(10);
  public static final int DEFAULT_READ_RETRIES = 3;
  public static final Duration DEFAULT_READ_RETRY_DELAY = Duration.standardSeconds(5);

  public abstract Duration getConnectionRetryTime();

  public abstract int getReadRetries();

  public abstract Duration getReadRetryDelay();

  abstract Builder toBuilder();

  @AutoValue.Builder
  abstract static class Builder {
    abstract Builder setConnectionRetryTime(Duration time);

    abstract Builder setReadRetries(int retries);

    abstract Builder setReadRetryDelay(Duration delay);

    abstract RetryOptions build();
  }

  /** The default policy: see the class documentation for its values. */
  public static RetryOptions create() {
    return new AutoValue_RetryOptions.Builder()
        .setConnectionRetryTime(DEFAULT_CONNECTION_RETRY_TIME)
        .setReadRetries(DEFAULT_READ_RETRIES)
        .setReadRetryDelay(DEFAULT_READ_RETRY_DELAY)
        .build();
  }

  /** No retries: every error fails the read at once (the runner may still retry the bundle). */
  public static RetryOptions none() {
    return create().withConnectionRetryTime(Duration.ZERO).withReadRetries(0);
  }

  /** How long connection failures are retried, from the first one (0 to 7 days; 0: never). */
  public RetryOptions withConnectionRetryTime(Duration time) {
    if (time == null || time.isShorterThan(Duration.ZERO)
        || time.isLongerThan(Duration.standardDays(7))) {
      throw new IllegalArgumentException(
          "RetryOptions.withConnectionRetryTime(" + time + "): must be between 0 and 7 days");
    }
    return toBuilder().setConnectionRetryTime(time).build();
  }

  /** How many times a failed read is retried (0 to 100). */
  public RetryOptions withReadRetries(int retries) {
    if (retries < 0 || retries > 100) {
      throw new IllegalArgumentException(
          "RetryOptions.withReadRetries(" + retries + "): must be between 0 and 100");
    }
    return toBuilder().setReadRetries(retries).build();
  }

  /** The pause before retrying a failed read (0 to 10 minutes). */
  public RetryOptions withReadRetryDelay(Duration delay) {
    if (delay == null || delay.isShorterThan(Duration.ZERO)
        || delay.isLongerThan(Duration.standardMinutes(10))) {
      throw new IllegalArgumentException(
          "RetryOptions.withReadRetryDelay(" + delay + "): must be between 0 and 10 minutes");
    }
    return toBuilder().setReadRetryDelay(delay).build();
  }

  /** The settings readers use. */
  io.heliosdb.beam.retry.RetryPolicy policy() {
    return new io.heliosdb.beam.retry.RetryPolicy(
        getConnectionRetryTime().getMillis(), getReadRetries(), getReadRetryDelay().getMillis());
  }

  void populateDisplayData(DisplayData.Builder builder) {
    builder
        .add(DisplayData.item("connectionRetryTime", getConnectionRetryTime())
            .withLabel("Connection retry time"))
        .add(DisplayData.item("readRetries", getReadRetries()).withLabel("Read retries"))
        .add(DisplayData.item("readRetryDelay", getReadRetryDelay())
            .withLabel("Read retry delay"));
  }
}
