package io.heliosdb.beam.incremental;

import io.heliosdb.beam.schema.TypeOptions;
import static org.assertj.core.api.Assertions.assertThat;

import io.heliosdb.beam.ConnectionConfiguration;
import io.heliosdb.beam.dialect.PostgresDialect;
import io.heliosdb.beam.stream.StreamTracker;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.DoFn.ProcessContinuation;
import org.apache.beam.sdk.transforms.splittabledofn.WatermarkEstimators;
import org.apache.beam.sdk.values.Row;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * A failed poll of {@link PollTableDoFn} against a database that refuses connections (port 1):
 * retried through {@code resume()} with the backoff as delay, unless a runner checkpoint already
 * took the rest of the stream, when Beam allows only {@code stop()}. (Found by the fault suite:
 * a polling session killed right after the Direct runner's checkpoint refused a claim failed the
 * pipeline with "After tryClaim() returned false, @ProcessElement must return stop()".)
 */
class PollTableDoFnTest {
  private static final DoFn.OutputReceiver<Row> NO_OUTPUT = row -> {
    throw new AssertionError("nothing can be read");
  };

  private static PollTableDoFn unreachable() {
    IncrementalSpec spec = IncrementalSpec.create(
        ConnectionConfiguration.create("jdbc:postgresql://127.0.0.1:1/db")
            .withConnectTimeout(Duration.millis(250)),
        new PostgresDialect(), IncrementalSpecTest.ORDERS, "updated_at", false, 1_000, 2_000,
        null, null, 100, 100, 10, TypeOptions.DEFAULT);
    PollTableDoFn fn = new PollTableDoFn(spec);
    fn.setup();
    return fn;
  }

  @Test
  void aFailedPollResumesAfterTheBackoff() {
    PollTableDoFn fn = unreachable();
    try {
      StreamTracker<PollCursor> tracker = new StreamTracker<>(PollCursor.start());
      ProcessContinuation continuation = fn.process(
          tracker, new WatermarkEstimators.Manual(new Instant(0)), NO_OUTPUT);
      assertThat(continuation.shouldResume()).isTrue();
      assertThat(continuation.resumeDelay().getMillis()).isBetween(800L, 1_200L);
    } finally {
      fn.teardown();
    }
  }

  @Test
  void aPollThatFailsAfterACheckpointStops() {
    PollTableDoFn fn = unreachable();
    try {
      StreamTracker<PollCursor> tracker = new StreamTracker<>(PollCursor.start());
      assertThat(tracker.trySplit(0)).isNotNull(); // the runner checkpoints during the call
      ProcessContinuation continuation = fn.process(
          tracker, new WatermarkEstimators.Manual(new Instant(0)), NO_OUTPUT);
      assertThat(continuation.shouldResume()).isFalse();
      tracker.checkDone(); // the residual holds the rest of the stream
    } finally {
      fn.teardown();
    }
  }
}
