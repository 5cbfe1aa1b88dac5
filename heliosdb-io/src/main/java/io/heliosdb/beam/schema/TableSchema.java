package io.heliosdb.beam.schema;

import io.heliosdb.beam.SchemaMappingException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.Schema.Field;
import org.apache.beam.sdk.values.Row;

/**
 * A table's Beam {@link Schema} and the readers that turn its result-set rows into {@link Row}s.
 * Built the same way when the pipeline is constructed and on each worker, from the same {@link
 * TableMetadata}.
 */
public final class TableSchema {
  private final Schema schema;
  private final ValueReader[] readers;

  private TableSchema(Schema schema, ValueReader[] readers) {
    this.schema = schema;
    this.readers = readers;
  }

  /**
   * Maps every column with {@code mapper}; a column it cannot map fails with {@link
   * SchemaMappingException}, unless {@code unknownAsString} reads it as a string.
   */
  public static TableSchema of(
      TableMetadata table,
      Function<ColumnInfo, Optional<ColumnMapping>> mapper,
      boolean unknownAsString) {
    List<ColumnInfo> columns = table.columns();
    Schema.Builder schema = Schema.builder();
    ValueReader[] readers = new ValueReader[columns.size()];
    for (int i = 0; i < columns.size(); i++) {
      ColumnInfo column = columns.get(i);
      Optional<ColumnMapping> mapped = mapper.apply(column);
      if (mapped.isEmpty() && !unknownAsString) {
        throw new SchemaMappingException(
            table.table().toString(), column.name(), column.describeType());
      }
      ColumnMapping mapping = mapped.orElse(Mappings.STRING);
      schema.addField(Field.of(column.name(), mapping.fieldType().withNullable(column.nullable())));
      readers[i] = mapping.reader();
    }
    return new TableSchema(schema.build(), readers);
  }

  public Schema schema() {
    return schema;
  }

  /** Reads the current row; the table's columns start at result-set column {@code first}. */
  public Row read(ResultSet rs, int first) throws SQLException {
    Object[] values = new Object[readers.length];
    for (int i = 0; i < readers.length; i++) {
      values[i] = readers[i].read(rs, first + i);
    }
    return Row.withSchema(schema).attachValues(values);
  }
}
