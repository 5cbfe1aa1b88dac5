package io.heliosdb.beam.schema;

import java.io.Serializable;
import java.util.Locale;

/**
 * One column as the catalog describes it.
 *
 * @param name the column name, exactly as stored in the catalog
 * @param jdbcType the {@link java.sql.Types} code reported by the driver
 * @param typeName the database's own type name, lower case (for example {@code int4}, {@code
 *     _text}, {@code tinyint}, {@code timestamp(6) with time zone})
 * @param columnType the full declared type where the database gives it (MySQL's {@code int(10)
 *     unsigned}, {@code set('a','b')}), else the type name
 * @param precision the column size or numeric precision, 0 if none
 * @param scale the numeric scale, 0 if none
 * @param nullable whether the column accepts NULL
 */
public record ColumnInfo(
    String name,
    int jdbcType,
    String typeName,
    String columnType,
    int precision,
    int scale,
    boolean nullable)
    implements Serializable {

  public ColumnInfo {
    typeName = typeName.toLowerCase(Locale.ROOT);
    columnType = columnType.toLowerCase(Locale.ROOT);
  }

  /** The declared type, for error messages. */
  public String describeType() {
    return columnType.isEmpty() ? typeName : columnType;
  }
}
