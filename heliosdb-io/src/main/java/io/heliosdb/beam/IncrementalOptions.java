package io.heliosdb.beam;

import static org.apache.beam.sdk.util.Preconditions.checkArgumentNotNull;

import com.google.auto.value.AutoValue;
import java.io.Serializable;
import java.time.ZoneId;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;

/**
 * Incremental mode: poll a table for rows whose tracking column (a last-modified timestamp or an
 * ever-increasing id) moved past the last row read.
 *
 * <pre>{@code
 * IncrementalOptions.trackingColumn("updated_at")
 *     .withPollInterval(Duration.standardSeconds(5))
 *     .withCommitDelay(Duration.standardSeconds(10))
 * }</pre>
 *
 * <p>Rows are read in (tracking column, primary key) order, after the last row emitted, so rows
 * that share a tracking value are never skipped. Only rows whose tracking value is older than the
 * database's clock minus the commit delay are read: a transaction that commits within the commit
 * delay of its tracking value is never missed. Deleted rows cannot be seen by polling; use CDC.
 */
@AutoValue
public abstract class IncrementalOptions implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Default time between polls once caught up. */
  public static final Duration DEFAULT_POLL_INTERVAL = Duration.standardSeconds(10);

  /** Default commit delay. */
  public static final Duration DEFAULT_COMMIT_DELAY = Duration.standardSeconds(10);

  static final Duration MIN_POLL_INTERVAL = Duration.standardSeconds(1);
  static final Duration MAX_POLL_INTERVAL = Duration.standardHours(1);
  static final Duration MAX_COMMIT_DELAY = Duration.standardDays(1);

  public abstract String getTrackingColumn();

  public abstract Duration getPollInterval();

  public abstract Duration getCommitDelay();

  /** The tracking value to start from (inclusive), as text; null to read from the beginning. */
  public abstract @Nullable String getStartFrom();

  public abstract boolean getSkipNullTrackingValues();

  /** The time zone of a date-time tracking column without zone; null for the default. */
  public abstract @Nullable ZoneId getTrackingTimeZone();

  abstract Builder toBuilder();

  @AutoValue.Builder
  abstract static class Builder {
    abstract Builder setTrackingColumn(String column);

    abstract Builder setPollInterval(Duration interval);

    abstract Builder setCommitDelay(Duration delay);

    abstract Builder setStartFrom(@Nullable String value);

    abstract Builder setSkipNullTrackingValues(boolean skip);

    abstract Builder setTrackingTimeZone(@Nullable ZoneId zone);

    abstract IncrementalOptions build();
  }

  /**
   * Tracks this column: a timestamp ({@code timestamp}, {@code timestamptz}, {@code datetime}) or
   * an integer type, NOT NULL unless {@link #withNullTrackingValuesSkipped()}. Index it together
   * with the primary key, for example {@code CREATE INDEX ON orders (updated_at, id)}.
   */
  public static IncrementalOptions trackingColumn(String column) {
    checkArgumentNotNull(column, "IncrementalOptions.trackingColumn(column): must not be null");
    if (column.isBlank()) {
      throw new IllegalArgumentException(
          "IncrementalOptions.trackingColumn(\"" + column + "\"): must name a column");
    }
    return new AutoValue_IncrementalOptions.Builder()
        .setTrackingColumn(column)
        .setPollInterval(DEFAULT_POLL_INTERVAL)
        .setCommitDelay(DEFAULT_COMMIT_DELAY)
        .setSkipNullTrackingValues(false)
        .build();
  }

  /** Time between polls once all readable rows were read: 1 s to 1 h, default 10 s. */
  public IncrementalOptions withPollInterval(Duration interval) {
    checkArgumentNotNull(interval, "withPollInterval(interval): must not be null");
    if (interval.isShorterThan(MIN_POLL_INTERVAL) || interval.isLongerThan(MAX_POLL_INTERVAL)) {
      throw new IllegalArgumentException(
          "IncrementalOptions.withPollInterval(" + interval + "): must be between 1 s and 1 h");
    }
    return toBuilder().setPollInterval(interval).build();
  }

  /**
   * How long after its tracking value a row's transaction may still commit (0 to 1 day, default
   * 10 s). A poll reads only rows whose tracking value is older than the database's clock minus
   * this delay; a row whose transaction commits later than that is missed. Set it above your
   * longest writing transaction (PostgreSQL's {@code now()} is the transaction's start) plus the
   * column's precision. It adds to the latency; 0 suits append-only tables written by one
   * autocommit writer at a time.
   */
  public IncrementalOptions withCommitDelay(Duration delay) {
    checkArgumentNotNull(delay, "withCommitDelay(delay): must not be null");
    if (delay.isShorterThan(Duration.ZERO) || delay.isLongerThan(MAX_COMMIT_DELAY)) {
      throw new IllegalArgumentException(
          "IncrementalOptions.withCommitDelay(" + delay + "): must be between 0 and 1 day");
    }
    return toBuilder().setCommitDelay(delay).build();
  }

  /**
   * Reads only rows whose tracking value is at least {@code value}: an ISO-8601 instant ({@code
   * 2026-11-24T10:00:00Z}) for timestamp-with-time-zone columns, a local date-time ({@code
   * 2026-11-24T10:00:00}) for timestamps without, a number for integer columns. Checked against the
   * column's type when the pipeline is built.
   */
  public IncrementalOptions withStartFrom(String value) {
    checkArgumentNotNull(value, "withStartFrom(value): must not be null");
    return toBuilder().setStartFrom(value).build();
  }

  /** Reads only rows whose tracking value is at least {@code value}. */
  public IncrementalOptions withStartFrom(java.time.Instant value) {
    checkArgumentNotNull(value, "withStartFrom(value): must not be null");
    return withStartFrom(value.toString());
  }

  /** Reads only rows whose tracking value is at least {@code value}. */
  public IncrementalOptions withStartFrom(java.time.LocalDateTime value) {
    checkArgumentNotNull(value, "withStartFrom(value): must not be null");
    return withStartFrom(value.toString());
  }

  /** Reads only rows whose tracking value is at least {@code value}. */
  public IncrementalOptions withStartFrom(long value) {
    return withStartFrom(Long.toString(value));
  }

  /**
   * Accepts a nullable tracking column: rows whose tracking value is NULL are not read (they
   * cannot be ordered) until an update gives them one.
   */
  public IncrementalOptions withNullTrackingValuesSkipped() {
    return toBuilder().setSkipNullTrackingValues(true).build();
  }

  /**
   * The time zone whose wall-clock time a tracking column without zone ({@code timestamp},
   * {@code datetime}) holds: the zone of the sessions or applications that write it. The commit
   * cutoff is then the database's clock in that zone, whatever the zones of the workers and of
   * the reading session, and during the repeated hour of a daylight-saving fall-back it stays
   * below that hour until the hour has passed, so that no row of either pass is skipped. Without
   * it the cutoff is the clock in the reading session's zone: on PostgreSQL the worker JVM's
   * default zone, which the JDBC driver gives the session; on MySQL/MariaDB the server's {@code
   * time_zone}. Columns with a zone or instant type ({@code timestamptz}, MySQL {@code
   * timestamp}) refuse it when the pipeline is built.
   */
  public IncrementalOptions withTrackingTimeZone(ZoneId zone) {
    checkArgumentNotNull(zone, "withTrackingTimeZone(zone): must not be null");
    return toBuilder().setTrackingTimeZone(zone).build();
  }

  void populateDisplayData(DisplayData.Builder builder) {
    builder
        .add(DisplayData.item("trackingColumn", getTrackingColumn()).withLabel("Tracking column"))
        .add(DisplayData.item("pollInterval", getPollInterval()).withLabel("Poll interval"))
        .add(DisplayData.item("commitDelay", getCommitDelay()).withLabel("Commit delay"))
        .addIfNotNull(DisplayData.item("startFrom", getStartFrom()).withLabel("Start from"))
        .addIfNotNull(
            DisplayData.item(
                    "trackingTimeZone",
                    getTrackingTimeZone() == null ? null : getTrackingTimeZone().getId())
                .withLabel("Tracking column time zone"))
        .add(
            DisplayData.item("nullTrackingValues", getSkipNullTrackingValues() ? "skipped" : "fail")
                .withLabel("NULL tracking values"));
  }
}
