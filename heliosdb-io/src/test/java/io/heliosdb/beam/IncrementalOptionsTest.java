package io.heliosdb.beam;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.joda.time.Duration;
import org.junit.jupiter.api.Test;

/** Incremental options: defaults, ranges and display data; no database needed. */
class IncrementalOptionsTest {

  @Test
  void hasDefaultsAndKeepsStartValuesAsText() {
    IncrementalOptions options = IncrementalOptions.trackingColumn("updated_at");
    assertThat(options.getPollInterval()).isEqualTo(Duration.standardSeconds(10));
    assertThat(options.getCommitDelay()).isEqualTo(Duration.standardSeconds(10));
    assertThat(options.getStartFrom()).isNull();
    assertThat(options.getSkipNullTrackingValues()).isFalse();
    assertThat(options.withStartFrom(Instant.parse("2026-11-24T10:00:00Z")).getStartFrom())
        .isEqualTo("2026-11-24T10:00:00Z");
    assertThat(options.withStartFrom(LocalDateTime.parse("2026-11-24T10:00")).getStartFrom())
        .isEqualTo("2026-11-24T10:00");
    assertThat(options.withStartFrom(42).getStartFrom()).isEqualTo("42");
    assertThat(options.withNullTrackingValuesSkipped().getSkipNullTrackingValues()).isTrue();
    assertThat(options.getTrackingTimeZone()).isNull();
    assertThat(options.withTrackingTimeZone(ZoneId.of("Asia/Tokyo")).getTrackingTimeZone())
        .isEqualTo(ZoneId.of("Asia/Tokyo"));
  }

  @Test
  void rejectsOutOfRangeValuesNamingTheOption() {
    IncrementalOptions options = IncrementalOptions.trackingColumn("updated_at");
    assertThatThrownBy(() -> options.withPollInterval(Duration.millis(999)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("IncrementalOptions.withPollInterval(PT0.999S): must be between 1 s and 1 h");
    assertThatThrownBy(() -> options.withPollInterval(Duration.standardMinutes(61)))
        .hasMessageContaining("withPollInterval(PT3660S)");
    assertThat(options.withPollInterval(Duration.standardHours(1)).getPollInterval())
        .isEqualTo(Duration.standardHours(1));
    assertThatThrownBy(() -> options.withCommitDelay(Duration.millis(-1)))
        .hasMessage("IncrementalOptions.withCommitDelay(PT-0.001S): must be between 0 and 1 day");
    assertThat(options.withCommitDelay(Duration.ZERO).getCommitDelay()).isEqualTo(Duration.ZERO);
    assertThatThrownBy(() -> IncrementalOptions.trackingColumn(" "))
        .hasMessage("IncrementalOptions.trackingColumn(\" \"): must name a column");
    assertThatThrownBy(() -> IncrementalOptions.trackingColumn(null))
        .hasMessageContaining("trackingColumn(column)");
    assertThatThrownBy(() -> options.withTrackingTimeZone(null))
        .hasMessageContaining("withTrackingTimeZone(zone): must not be null");
  }

  @Test
  void displaysTheModeAndOptionsButNeverThePassword() {
    HeliosDbIO.Read read =
        HeliosDbIO.read()
            .withConnection(ConnectionConfiguration.create("jdbc:postgresql://h/db")
                .withUsername("reader").withPassword("hunter2"))
            .withTable("orders")
            .withIncremental(IncrementalOptions.trackingColumn("updated_at")
                .withCommitDelay(Duration.standardSeconds(3)).withStartFrom(5)
                .withTrackingTimeZone(ZoneId.of("America/New_York")));
    DisplayData data = DisplayData.from(read);
    assertThat(data.toString()).doesNotContain("hunter2");
    assertThat(data.items()).anySatisfy(i -> {
      assertThat(i.getKey()).isEqualTo("mode");
      assertThat(i.getValue()).isEqualTo("incremental");
    });
    assertThat(data.items()).anySatisfy(i -> {
      assertThat(i.getKey()).isEqualTo("trackingColumn");
      assertThat(i.getValue()).isEqualTo("updated_at");
    });
    assertThat(data.items()).anySatisfy(i -> {
      assertThat(i.getKey()).isEqualTo("startFrom");
      assertThat(i.getValue()).isEqualTo("5");
    });
    assertThat(data.items()).anySatisfy(i -> {
      assertThat(i.getKey()).isEqualTo("trackingTimeZone");
      assertThat(i.getValue()).isEqualTo("America/New_York");
    });
    assertThat(data.items()).noneSatisfy(i -> assertThat(i.getKey()).isEqualTo("parallelism"));
    assertThat(read.toString()).doesNotContain("hunter2");
  }
}
