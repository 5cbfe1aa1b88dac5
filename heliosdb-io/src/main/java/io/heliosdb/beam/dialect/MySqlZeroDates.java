package io.heliosdb.beam.dialect;

import io.heliosdb.beam.schema.ColumnMapping;
import io.heliosdb.beam.schema.Mappings;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;

/**
 * MySQL's and MariaDB's zero dates ({@code '0000-00-00'}, {@code '0000-00-00 00:00:00'}, stored
 * where the server's {@code sql_mode} allows them) read as a change stream reads them, where
 * Debezium gives them: null in a nullable {@code DATE} or {@code DATETIME} column, the epoch
 * ({@code 1970-01-01}, {@code 1970-01-01T00:00}) in a {@code NOT NULL} one, and the instant {@code
 * 1970-01-01T00:00:00Z} in every {@code TIMESTAMP} column, whose values can never be that instant
 * otherwise (they start one second later). The JDBC driver reads a zero date as null; in a
 * nullable {@code TIMESTAMP} column its text tells it from SQL {@code NULL}.
 */
final class MySqlZeroDates {
  private static final LocalDateTime EPOCH_DATE_TIME = LocalDateTime.of(1970, 1, 1, 0, 0);

  /** A {@code TIMESTAMP} read in a UTC session (see {@link MySqlDialect#connectionInitSql}). */
  static final ColumnMapping TIMESTAMP =
      new ColumnMapping(Mappings.INSTANT_FROM_UTC_DATE_TIME.fieldType(), (rs, i) -> {
        LocalDateTime value = rs.getObject(i, LocalDateTime.class);
        if (value != null) {
          return value.toInstant(ZoneOffset.UTC);
        }
        return rs.getString(i) == null ? null : Instant.EPOCH; // NULL, or the zero date
      });

  private MySqlZeroDates() {}

  static ColumnMapping date(boolean nullable) {
    if (nullable) {
      return Mappings.LOCAL_DATE;
    }
    return new ColumnMapping(Mappings.LOCAL_DATE.fieldType(), (rs, i) -> {
      LocalDate value = rs.getObject(i, LocalDate.class);
      return value == null ? LocalDate.EPOCH : value;
    });
  }

  static ColumnMapping dateTime(boolean nullable) {
    if (nullable) {
      return Mappings.LOCAL_DATE_TIME;
    }
    return new ColumnMapping(Mappings.LOCAL_DATE_TIME.fieldType(), (rs, i) -> {
      LocalDateTime value = rs.getObject(i, LocalDateTime.class);
      return value == null ? EPOCH_DATE_TIME : value;
    });
  }

}
