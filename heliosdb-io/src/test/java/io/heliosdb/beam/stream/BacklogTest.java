package io.heliosdb.beam.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class BacklogTest {
  private final AtomicLong now = new AtomicLong(1_000_000);
  private final Backlog backlog = new Backlog(10_000, now::get);
  private final AtomicInteger measurements = new AtomicInteger();

  private Backlog.Measurement returning(long value) {
    return () -> {
      measurements.incrementAndGet();
      return value;
    };
  }

  @Test
  void isUnknownBeforeTheFirstMeasurement() {
    assertThat(backlog.last()).isEqualTo(-1);
    assertThat(Backlog.asSize(backlog.last())).isZero();
  }

  @Test
  void measuresAtOnceThenAtMostOncePerInterval() throws Exception {
    assertThat(backlog.measure(returning(500))).isEqualTo(500);
    now.addAndGet(9_999);
    assertThat(backlog.measure(returning(900))).as("within the interval").isEqualTo(500);
    now.addAndGet(1);
    assertThat(backlog.measure(returning(900))).as("the interval passed").isEqualTo(900);
    now.addAndGet(10_000);
    assertThat(backlog.measure(returning(0))).as("read up to the log's end").isZero();
    assertThat(measurements).hasValue(3);
  }

  @Test
  void anUnknownOrFailedMeasurementKeepsTheLastValueUntilTheNextInterval() throws Exception {
    backlog.measure(returning(700));
    now.addAndGet(10_000);
    assertThat(backlog.measure(returning(-1))).as("the database cannot tell").isEqualTo(700);
    now.addAndGet(10_000);
    assertThatThrownBy(() -> backlog.measure(() -> {
      throw new SQLException("connection refused", "08001");
    })).isInstanceOf(SQLException.class);
    assertThat(backlog.last()).isEqualTo(700);
    assertThat(backlog.measure(returning(5))).as("no retry before the interval").isEqualTo(700);
    now.addAndGet(10_000);
    assertThat(backlog.measure(returning(5))).isEqualTo(5);
  }

  @Test
  void sizesAreNeverNegative() {
    assertThat(Backlog.asSize(-1)).isZero();
    assertThat(Backlog.asSize(0)).isZero();
    assertThat(Backlog.asSize(Long.MAX_VALUE)).isEqualTo((double) Long.MAX_VALUE);
  }

  @Test
  void refusesANegativeInterval() {
    assertThatThrownBy(() -> new Backlog(-1, now::get))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("intervalMillis");
  }
}
