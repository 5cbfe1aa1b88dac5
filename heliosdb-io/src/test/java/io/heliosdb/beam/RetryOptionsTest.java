package io.heliosdb.beam;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.joda.time.Duration;
import org.junit.jupiter.api.Test;

class RetryOptionsTest {
  @Test
  void hasTheSpecDefaultsAndChecksRanges() {
    RetryOptions options = RetryOptions.create();
    assertThat(options.getConnectionRetryTime()).isEqualTo(Duration.standardMinutes(10));
    assertThat(options.getReadRetries()).isEqualTo(3);
    assertThat(options.getReadRetryDelay()).isEqualTo(Duration.standardSeconds(5));
    assertThat(RetryOptions.none().policy().readRetries()).isZero();
    assertThat(RetryOptions.none().policy().connectionRetryMillis()).isZero();
    assertThatThrownBy(() -> options.withReadRetries(-1))
        .hasMessageContaining("RetryOptions.withReadRetries(-1)");
    assertThatThrownBy(() -> options.withConnectionRetryTime(Duration.standardDays(8)))
        .hasMessageContaining("withConnectionRetryTime");
    assertThatThrownBy(() -> options.withReadRetryDelay(Duration.millis(-1)))
        .hasMessageContaining("withReadRetryDelay");
    assertThat(options.withReadRetries(5).withReadRetryDelay(Duration.millis(10)).policy())
        .isEqualTo(new io.heliosdb.beam.retry.RetryPolicy(600_000, 5, 10));
  }
}
