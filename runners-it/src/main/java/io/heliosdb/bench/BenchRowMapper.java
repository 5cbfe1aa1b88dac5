package io.heliosdb.bench;

import java.math.BigDecimal;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import org.apache.beam.sdk.io.jdbc.JdbcIO;
import org.apache.beam.sdk.values.Row;

/**
 * Maps a row of the benchmark table to a Beam {@link Row} of {@link SnapshotTable#SCHEMA}, reading
 * each column the way HeliosDbIO's dialects do (so JdbcIO and the plain loop build the same Rows
 * with the same JDBC calls): {@code getLong}, {@code getInt}, {@code getBigDecimal}, {@code
 * getString}, {@code getObject(LocalDateTime)}; the instant column through {@code
 * getObject(OffsetDateTime)} on PostgreSQL (timestamptz) and {@code getTimestamp} on MariaDB
 * (timestamp). Columns are read by position, in the order of {@link SnapshotTable#COLUMNS}.
 *
 * <p>A named class, not a lambda: JdbcIO.readWithPartitions fails at run time with a lambda
 * RowMapper (its display data needs the class name).
 */
public final class BenchRowMapper implements JdbcIO.RowMapper<Row> {
  private static final long serialVersionUID = 1L;

  private final boolean instantFromOffset;

  public BenchRowMapper(BenchDatabase db) {
    this.instantFromOffset = db.isPostgres();
  }

  @Override
  public Row mapRow(ResultSet rs) throws Exception {
    long id = rs.getLong(1);
    int qty = rs.getInt(2);
    BigDecimal amount = rs.getBigDecimal(3);
    String code = rs.getString(4);
    String note = rs.getString(5);
    LocalDateTime createdAt = rs.getObject(6, LocalDateTime.class);
    Instant updatedAt;
    if (instantFromOffset) {
      OffsetDateTime value = rs.getObject(7, OffsetDateTime.class);
      updatedAt = value == null ? null : value.toInstant();
    } else {
      Timestamp value = rs.getTimestamp(7);
      updatedAt = value == null ? null : value.toInstant();
    }
    // attachValues, as HeliosDbIO does: no per-value verification on either side.
    return Row.withSchema(SnapshotTable.SCHEMA)
        .attachValues(id, qty, amount, code, note, createdAt, updatedAt);
  }
}
