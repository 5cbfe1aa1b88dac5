package io.heliosdb.beam.incremental;

import io.heliosdb.beam.dialect.Dialect;
import io.heliosdb.beam.incremental.PollCursor.MaxSample;
import io.heliosdb.beam.incremental.IncrementalSpec.TrackingKind;
import io.heliosdb.beam.schema.ValueReader;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.zone.ZoneOffsetTransition;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The greatest tracking value a poll may read, so that no transaction still open can later commit
 * a row below it (assuming it commits within the commit delay), with the watermark and event
 * timestamps that follow from it.
 *
 * <ul>
 *   <li>Timestamp columns: the database's clock minus the commit delay, in the column's type. A
 *       row's event time is its tracking value, turned into an instant by the offset between the
 *       cutoff in the column's type and the same moment in UTC (the session's time zone for
 *       date-times without zone).
 *   <li>Date-times without zone whose zone the user stated: the database's UTC clock minus the
 *       commit delay, as a wall-clock time of that zone, held just below a repeated hour
 *       (daylight-saving fall-back) until the hour has passed: the values written in either pass
 *       of it sort together, so reading some of them before the second pass ends would leave the
 *       others below the cursor. A row's event time is its value in that zone.
 *   <li>Integer columns: the column's greatest value as sampled at least the commit delay ago;
 *       samples travel in the restriction. A row's event time is the time of that sample.
 * </ul>
 *
 * @param value the cutoff, of the tracking column's Beam type; null if nothing may be read yet
 * @param watermark no row read by a later poll has an earlier event time
 * @param samples the integer samples to keep in the restriction
 * @param zone the zone the user stated for a date-time column without zone; null otherwise
 */
record CommitCutoff(
    @Nullable Object value,
    Instant watermark,
    @Nullable Duration offset,
    List<MaxSample> samples,
    @Nullable ZoneId zone) {

  /** Sample the greatest value at most this often relative to the commit delay. */
  private static final int SAMPLES_PER_DELAY = 8;

  /** Reads the database's clock (and, for integer columns, the column's greatest value). */
  static CommitCutoff compute(
      Connection connection, IncrementalSpec spec, ValueReader trackingReader,
      List<MaxSample> samples)
      throws SQLException {
    Dialect dialect = spec.dialect();
    if (spec.kind() == TrackingKind.INTEGER) {
      try (PreparedStatement statement =
              connection.prepareStatement(
                  dialect.maxWithClockQuery(spec.table().table(), spec.trackingColumn()));
          ResultSet rs = statement.executeQuery()) {
        rs.next();
        Object max = trackingReader.read(rs, 1);
        Instant now = utc(rs, 2);
        return fromSamples(max, now, spec.commitDelayMillis(), samples);
      }
    }
    long delayMicros = spec.commitDelayMillis() * 1000;
    try (PreparedStatement statement =
        connection.prepareStatement(
            dialect.commitCutoffQuery(
                spec.table().column(spec.trackingColumn()).orElseThrow()))) {
      statement.setLong(1, delayMicros);
      statement.setLong(2, delayMicros);
      try (ResultSet rs = statement.executeQuery()) {
        rs.next();
        Instant utc = utc(rs, 2);
        if (spec.trackingZone() != null) {
          return inZone(utc, spec.trackingZone());
        }
        Object cutoff = trackingReader.read(rs, 1);
        if (cutoff == null) {
          throw new IllegalStateException(
              "Incremental read of " + spec.label() + ": the database cannot tell its clock in"
                  + " the time zone of tracking column " + spec.trackingColumn() + " (its time"
                  + " zone tables are not loaded). State the zone the column is written in with"
                  + " IncrementalOptions.withTrackingTimeZone(...)");
        }
        Duration offset = Duration.between(asInstant(cutoff), utc).truncatedTo(ChronoUnit.MILLIS);
        return new CommitCutoff(cutoff, utc, offset, List.of(), null);
      }
    }
  }

  /**
   * The cutoff of a date-time column written in {@code zone}, for the database's UTC clock minus
   * the commit delay: that moment's wall-clock time in the zone, or, while that time is in a
   * repeated hour, the last value before the hour (watermark: that value's instant).
   */
  static CommitCutoff inZone(Instant utcCutoff, ZoneId zone) {
    LocalDateTime local = LocalDateTime.ofInstant(utcCutoff, zone);
    ZoneOffsetTransition transition = zone.getRules().getTransition(local);
    if (transition != null && transition.isOverlap()) {
      LocalDateTime before = transition.getDateTimeAfter().minus(1, ChronoUnit.MICROS);
      return new CommitCutoff(before, before.atZone(zone).toInstant(), null, List.of(), zone);
    }
    return new CommitCutoff(local, utcCutoff, null, List.of(), zone);
  }

  /**
   * The cutoff of an integer column from its samples: the newest sample at least {@code
   * delayMillis} old, kept with all newer ones; a new sample is added at most {@value
   * #SAMPLES_PER_DELAY} times per delay.
   */
  static CommitCutoff fromSamples(
      @Nullable Object max, Instant now, long delayMillis, List<MaxSample> samples) {
    long nowMicros = micros(now);
    if (delayMillis == 0) {
      return new CommitCutoff(max, now, null, List.of(), null);
    }
    List<MaxSample> kept = new ArrayList<>(samples);
    long spacingMicros = delayMillis * 1000 / SAMPLES_PER_DELAY;
    if (max != null
        && (kept.isEmpty() || nowMicros - kept.get(kept.size() - 1).atMicros() >= spacingMicros)) {
      kept.add(new MaxSample(nowMicros, max));
    }
    int base = -1;
    for (int i = 0; i < kept.size(); i++) {
      if (kept.get(i).atMicros() <= nowMicros - delayMillis * 1000) {
        base = i;
      }
    }
    if (base > 0) {
      kept = new ArrayList<>(kept.subList(base, kept.size()));
    }
    Instant watermark = kept.isEmpty() ? now : instant(kept.get(0).atMicros());
    Object value = base >= 0 ? kept.get(0).max() : null;
    return new CommitCutoff(value, watermark, null, kept, null);
  }

  /** A row's event time, from its tracking value. */
  Instant timestampOf(Object trackingValue) {
    if (zone != null) {
      return ((LocalDateTime) trackingValue).atZone(zone).toInstant();
    }
    return offset == null ? watermark : asInstant(trackingValue).plus(offset);
  }

  private static Instant asInstant(Object value) {
    return value instanceof LocalDateTime local ? local.toInstant(ZoneOffset.UTC) : (Instant) value;
  }

  private static Instant utc(ResultSet rs, int column) throws SQLException {
    return rs.getObject(column, LocalDateTime.class).toInstant(ZoneOffset.UTC);
  }

  private static long micros(Instant instant) {
    return ChronoUnit.MICROS.between(Instant.EPOCH, instant);
  }

  private static Instant instant(long micros) {
    return Instant.EPOCH.plus(micros, ChronoUnit.MICROS);
  }
}
