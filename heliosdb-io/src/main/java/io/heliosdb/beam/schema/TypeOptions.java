package io.heliosdb.beam.schema;

import java.io.Serializable;
import java.util.Optional;
import java.util.function.Function;

/**
 * The user's choices on top of a dialect's column mappings: whether a column without a mapping
 * is read as a string, and whether date-time columns become millisecond {@code DATETIME} fields
 * ({@link MillisecondTimestamps}).
 *
 * <p>Only the rows a read outputs follow these choices. Split keys, chunk boundaries, incremental
 * cursors and the change stream's column checks keep each value at the database's full precision
 * ({@link #exactSchemaOf}), so that a read splits, resumes and pages exactly whatever the output
 * looks like.
 */
public record TypeOptions(boolean unknownAsString, boolean millisecondTimestamps)
    implements Serializable {

  /** Unknown types fail; date-times keep their precision. */
  public static final TypeOptions DEFAULT = new TypeOptions(false, false);

  /** How a column becomes an output field: the dialect's mapping, adapted to these choices. */
  public Function<ColumnInfo, Optional<ColumnMapping>> outputMapper(
      Function<ColumnInfo, Optional<ColumnMapping>> dialectMapper) {
    if (!millisecondTimestamps) {
      return dialectMapper;
    }
    return column -> dialectMapper.apply(column).map(MillisecondTimestamps::adapt);
  }

  /** The schema of the rows a read outputs. */
  public TableSchema schemaOf(
      TableMetadata table, Function<ColumnInfo, Optional<ColumnMapping>> dialectMapper) {
    return TableSchema.of(table, outputMapper(dialectMapper), unknownAsString);
  }

  /** A schema at the database's full precision, for keys, boundaries and cursors. */
  public TableSchema exactSchemaOf(
      TableMetadata table, Function<ColumnInfo, Optional<ColumnMapping>> dialectMapper) {
    return TableSchema.of(table, dialectMapper, unknownAsString);
  }
}
