package io.heliosdb.beam.dialect;

import io.heliosdb.beam.schema.ColumnMapping;
import io.heliosdb.beam.schema.Mappings;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * PostgreSQL's {@code infinity} and {@code -infinity}, read alike by a snapshot and a change
 * stream. In {@code timestamptz} columns the JDBC driver reads them as {@code OffsetDateTime.MAX}
 * and {@code MIN} and Debezium passes them on as the words; both become the instants {@link #MAX}
 * and {@link #MIN}, to the microsecond that a {@code SqlTypes.TIMESTAMP} field holds. In {@code
 * timestamp} and {@code date} columns the driver reads {@code LocalDateTime.MAX}/{@code MIN} and
 * {@code LocalDate.MAX}/{@code MIN}, while Debezium encodes them as numbers of its own ({@code
 * PGStatement}'s infinity constants as microseconds, or as milliseconds for columns of at most
 * millisecond precision; epoch days -2147472692 and -2147472691), which {@link #dateTimeOf} and
 * {@link #dateOf} turn back into the driver's values. The timestamp numbers are also those of a
 * real value in the year 294247, which a change stream therefore reads as infinity too.
 */
public final class PostgresInfinity {
  /** {@code infinity}: {@code OffsetDateTime.MAX} to the microsecond. */
  public static final Instant MAX = OffsetDateTime.MAX.toInstant().truncatedTo(ChronoUnit.MICROS);
  /** {@code -infinity}: {@code OffsetDateTime.MIN}. */
  public static final Instant MIN = OffsetDateTime.MIN.toInstant();

  /** A {@code timestamptz} column read through the driver's {@code OffsetDateTime}. */
  static final ColumnMapping TIMESTAMPTZ =
      new ColumnMapping(
          Mappings.INSTANT_FROM_OFFSET.fieldType(),
          (rs, i) -> {
            OffsetDateTime value = rs.getObject(i, OffsetDateTime.class);
            return value == null ? null : instantOf(value);
          });

  /** Debezium's {@code infinity} and {@code -infinity} of {@code timestamp} columns, in µs. */
  private static final long DEBEZIUM_MAX_MICROS = 9_223_372_036_825_200_000L;
  private static final long DEBEZIUM_MIN_MICROS = -9_223_372_036_832_400_000L;
  /** Debezium's {@code infinity} and {@code -infinity} of {@code date} columns, in epoch days. */
  private static final long DEBEZIUM_MAX_DAYS = -2_147_472_692L;
  private static final long DEBEZIUM_MIN_DAYS = -2_147_472_691L;

  private PostgresInfinity() {}

  /**
   * The date-time a snapshot reads for a change event's {@code timestamp} value, if the value is
   * Debezium's infinity or minus infinity; null otherwise.
   *
   * @param value the event's number
   * @param micros whether it counts microseconds ({@code io.debezium.time.MicroTimestamp}) rather
   *     than milliseconds ({@code io.debezium.time.Timestamp})
   */
  public static @Nullable LocalDateTime dateTimeOf(long value, boolean micros) {
    long max = micros ? DEBEZIUM_MAX_MICROS : DEBEZIUM_MAX_MICROS / 1_000;
    long min = micros ? DEBEZIUM_MIN_MICROS : DEBEZIUM_MIN_MICROS / 1_000;
    return value == max ? LocalDateTime.MAX : value == min ? LocalDateTime.MIN : null;
  }

  /** The date a snapshot reads for a change event's {@code date} value, in epoch days. */
  public static LocalDate dateOf(long days) {
    return days == DEBEZIUM_MAX_DAYS ? LocalDate.MAX
        : days == DEBEZIUM_MIN_DAYS ? LocalDate.MIN
        : LocalDate.ofEpochDay(days);
  }

  static Instant instantOf(OffsetDateTime value) {
    return value.equals(OffsetDateTime.MAX) ? MAX : value.toInstant();
  }

  /** The text of a zoned timestamp in a change event (ISO-8601, or either infinity) as an instant. */
  public static Instant instantOf(String text) {
    return switch (text) {
      case "infinity" -> MAX;
      case "-infinity" -> MIN;
      default -> OffsetDateTime.parse(text).toInstant();
    };
  }
}
