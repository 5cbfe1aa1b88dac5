package io.heliosdb.beam.schema;

import java.sql.Array;
import java.sql.ResultSet;
import java.sql.Types;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.apache.beam.sdk.schemas.Schema.FieldType;
import org.apache.beam.sdk.schemas.logicaltypes.SqlTypes;

/**
 * The column mappings shared by the dialects: one per Beam field type, each with a reader that
 * turns SQL NULL into {@code null}. Dialects pick among them by their own type names and fall
 * back to {@link #forJdbcType}.
 */
public final class Mappings {
  private Mappings() {}

  public static final FieldType DATE = FieldType.logicalType(SqlTypes.DATE);
  public static final FieldType TIME = FieldType.logicalType(SqlTypes.TIME);
  public static final FieldType DATETIME = FieldType.logicalType(SqlTypes.DATETIME);
  public static final FieldType TIMESTAMP = FieldType.logicalType(SqlTypes.TIMESTAMP);
  public static final FieldType UUID_TYPE = FieldType.logicalType(SqlTypes.UUID);

  public static final ColumnMapping BYTE =
      new ColumnMapping(FieldType.BYTE, (rs, i) -> nullIfWasNull(rs, rs.getByte(i)));
  public static final ColumnMapping INT16 =
      new ColumnMapping(FieldType.INT16, (rs, i) -> nullIfWasNull(rs, rs.getShort(i)));
  public static final ColumnMapping INT32 =
      new ColumnMapping(FieldType.INT32, (rs, i) -> nullIfWasNull(rs, rs.getInt(i)));
  public static final ColumnMapping INT64 =
      new ColumnMapping(FieldType.INT64, (rs, i) -> nullIfWasNull(rs, rs.getLong(i)));
  public static final ColumnMapping FLOAT =
      new ColumnMapping(FieldType.FLOAT, (rs, i) -> nullIfWasNull(rs, rs.getFloat(i)));
  public static final ColumnMapping DOUBLE =
      new ColumnMapping(FieldType.DOUBLE, (rs, i) -> nullIfWasNull(rs, rs.getDouble(i)));
  public static final ColumnMapping BOOLEAN =
      new ColumnMapping(FieldType.BOOLEAN, (rs, i) -> nullIfWasNull(rs, rs.getBoolean(i)));
  public static final ColumnMapping DECIMAL =
      new ColumnMapping(FieldType.DECIMAL, ResultSet::getBigDecimal);
  public static final ColumnMapping STRING =
      new ColumnMapping(FieldType.STRING, ResultSet::getString);
  public static final ColumnMapping BYTES = new ColumnMapping(FieldType.BYTES, ResultSet::getBytes);
  public static final ColumnMapping LOCAL_DATE =
      new ColumnMapping(DATE, (rs, i) -> rs.getObject(i, LocalDate.class));
  public static final ColumnMapping LOCAL_TIME =
      new ColumnMapping(TIME, (rs, i) -> rs.getObject(i, LocalTime.class));
  public static final ColumnMapping LOCAL_DATE_TIME =
      new ColumnMapping(DATETIME, (rs, i) -> rs.getObject(i, LocalDateTime.class));
  /** An instant read through {@link OffsetDateTime} (PostgreSQL timestamptz, Oracle TSTZ). */
  public static final ColumnMapping INSTANT_FROM_OFFSET =
      new ColumnMapping(
          TIMESTAMP,
          (rs, i) -> {
            OffsetDateTime value = rs.getObject(i, OffsetDateTime.class);
            return value == null ? null : value.toInstant();
          });
  /**
   * An instant read as the date-time a UTC session shows (MySQL TIMESTAMP, whose sessions the
   * dialect sets to {@code time_zone = '+00:00'}): exact whatever the JVM's and server's zones.
   */
  public static final ColumnMapping INSTANT_FROM_UTC_DATE_TIME =
      new ColumnMapping(
          TIMESTAMP,
          (rs, i) -> {
            LocalDateTime value = rs.getObject(i, LocalDateTime.class);
            return value == null ? null : value.toInstant(ZoneOffset.UTC);
          });
  public static final ColumnMapping UUID_OBJECT =
      new ColumnMapping(UUID_TYPE, (rs, i) -> rs.getObject(i, UUID.class));
  public static final ColumnMapping UUID_STRING =
      new ColumnMapping(
          UUID_TYPE,
          (rs, i) -> {
            String value = rs.getString(i);
            return value == null ? null : UUID.fromString(value);
          });

  private static Object nullIfWasNull(ResultSet rs, Object value) throws java.sql.SQLException {
    return rs.wasNull() ? null : value;
  }

  /**
   * An SQL array whose elements are read, each with the element's own reader, from the array's
   * result set (index in column 1, value in column 2), so that they keep the precision and time
   * zone handling of scalar columns. Elements may be null.
   */
  public static ColumnMapping arrayOf(ColumnMapping element) {
    ValueReader elementReader = element.reader();
    return new ColumnMapping(
        FieldType.array(element.fieldType().withNullable(true)),
        (rs, i) -> {
          Array array = rs.getArray(i);
          if (array == null) {
            return null;
          }
          try (ResultSet elements = array.getResultSet()) {
            List<Object> values = new ArrayList<>();
            while (elements.next()) {
              values.add(elementReader.read(elements, 2));
            }
            return values;
          } finally {
            array.free();
          }
        });
  }

  /** Splits a comma-separated set value (MySQL SET) into its members. */
  public static final ColumnMapping STRING_SET =
      new ColumnMapping(
          FieldType.array(FieldType.STRING),
          (rs, i) -> {
            String value = rs.getString(i);
            if (value == null) {
              return null;
            }
            return value.isEmpty() ? List.of() : Arrays.asList(value.split(","));
          });

  /** The mapping of a standard JDBC type, for types a dialect does not name itself. */
  public static Optional<ColumnMapping> forJdbcType(int jdbcType) {
    return Optional.ofNullable(
        switch (jdbcType) {
          case Types.TINYINT -> BYTE;
          case Types.SMALLINT -> INT16;
          case Types.INTEGER -> INT32;
          case Types.BIGINT -> INT64;
          case Types.REAL -> FLOAT;
          case Types.FLOAT, Types.DOUBLE -> DOUBLE;
          case Types.NUMERIC, Types.DECIMAL -> DECIMAL;
          case Types.BIT, Types.BOOLEAN -> BOOLEAN;
          case Types.CHAR,
              Types.VARCHAR,
              Types.LONGVARCHAR,
              Types.NCHAR,
              Types.NVARCHAR,
              Types.LONGNVARCHAR,
              Types.CLOB,
              Types.NCLOB,
              Types.SQLXML -> STRING;
          case Types.BINARY, Types.VARBINARY, Types.LONGVARBINARY, Types.BLOB -> BYTES;
          case Types.DATE -> LOCAL_DATE;
          case Types.TIME -> LOCAL_TIME;
          case Types.TIMESTAMP -> LOCAL_DATE_TIME;
          case Types.TIMESTAMP_WITH_TIMEZONE -> INSTANT_FROM_OFFSET;
          default -> null;
        });
  }
}
