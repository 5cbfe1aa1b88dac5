package io.heliosdb.beam.incremental;

import io.heliosdb.beam.ConnectionConfiguration;
import io.heliosdb.beam.dialect.Dialect;
import io.heliosdb.beam.schema.ColumnInfo;
import io.heliosdb.beam.schema.TableMetadata;
import io.heliosdb.beam.schema.TableSchema;
import io.heliosdb.beam.schema.TypeOptions;
import io.heliosdb.beam.sql.TablePart;
import java.io.Serializable;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.Schema.FieldType;
import org.apache.beam.sdk.schemas.Schema.TypeName;
import org.apache.beam.sdk.schemas.logicaltypes.SqlTypes;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Everything the incremental DoFn needs, decided and validated when the pipeline is built.
 *
 * @param tieBreakColumns the primary key columns other than the tracking column: the order of
 *     rows that share a tracking value
 * @param startFrom the first tracking value to read (inclusive), of the column's Beam type, or
 *     null to read from the beginning
 * @param trackingZone the zone of a tracking column of date-times without zone, as the user
 *     stated it; null for the reading session's zone
 * @param pageSize rows per query, streamed
 * @param outputBatchSize rows claimed, then emitted, together
 * @param part the columns and rows of the table that the read outputs
 */
public record IncrementalSpec(
    ConnectionConfiguration connection,
    Dialect dialect,
    TableMetadata table,
    String trackingColumn,
    List<String> tieBreakColumns,
    TrackingKind kind,
    long pollIntervalMillis,
    long commitDelayMillis,
    @Nullable Object startFrom,
    @Nullable ZoneId trackingZone,
    int pageSize,
    int fetchSize,
    int outputBatchSize,
    TypeOptions types,
    TablePart part)
    implements Serializable {

  /** What the tracking column holds, which decides the cutoff and the event timestamps. */
  public enum TrackingKind {
    /** A point in time (timestamptz, MySQL timestamp): its value is the event time. */
    INSTANT,
    /** A date-time without zone, in the zone the user states or the database session's. */
    LOCAL_DATE_TIME,
    /** An ever-increasing number; the event time is when the poll first saw it exist. */
    INTEGER
  }

  private static final Set<TypeName> INTEGERS =
      Set.of(TypeName.BYTE, TypeName.INT16, TypeName.INT32, TypeName.INT64, TypeName.DECIMAL);

  /**
   * Validates the tracking column and the start value.
   *
   * @throws IllegalArgumentException naming the option at fault
   */
  public static IncrementalSpec create(
      ConnectionConfiguration connection,
      Dialect dialect,
      TableMetadata table,
      String trackingColumn,
      boolean skipNullTrackingValues,
      long pollIntervalMillis,
      long commitDelayMillis,
      @Nullable String startFrom,
      @Nullable ZoneId trackingZone,
      int pageSize,
      int fetchSize,
      int outputBatchSize,
      TypeOptions types) {
    String option = "IncrementalOptions.trackingColumn(\"" + trackingColumn + "\")";
    ColumnInfo column =
        table
            .column(trackingColumn)
            .orElseThrow(
                () -> new IllegalArgumentException(
                    option + ": table " + table.table() + " has no such column; its columns are "
                        + table.columns().stream().map(ColumnInfo::name).toList()));
    TrackingKind kind = kindOf(dialect, column, option + ": column " + trackingColumn
        + " of table " + table.table());
    if (column.nullable() && !skipNullTrackingValues) {
      throw new IllegalArgumentException(
          option + ": column " + trackingColumn + " of table " + table.table() + " is nullable;"
              + " rows whose " + trackingColumn + " is NULL cannot be ordered and are never read."
              + " Declare it NOT NULL, or accept that with"
              + " IncrementalOptions.withNullTrackingValuesSkipped()");
    }
    if (table.primaryKey().isEmpty()) {
      throw new IllegalArgumentException(
          "HeliosDbIO.read().withIncremental(...): table " + table.table() + " has no primary"
              + " key; incremental mode needs one to order rows that share a tracking value:"
              + " add a primary key to the table");
    }
    if (trackingZone != null && kind != TrackingKind.LOCAL_DATE_TIME) {
      throw new IllegalArgumentException(
          "IncrementalOptions.withTrackingTimeZone(" + trackingZone + "): column "
              + trackingColumn + " of table " + table.table() + " has type "
              + column.describeType() + ", whose values "
              + (kind == TrackingKind.INSTANT ? "are instants already" : "are not date-times")
              + "; a time zone applies only to date-times without zone (timestamp, datetime)."
              + " Remove withTrackingTimeZone");
    }
    List<String> tieBreak = new ArrayList<>(table.primaryKey());
    tieBreak.remove(trackingColumn);
    Object start =
        startFrom == null ? null : parseStart(kind, fieldType(dialect, column), column, startFrom);
    return new IncrementalSpec(
        connection, dialect, table, trackingColumn, tieBreak, kind, pollIntervalMillis,
        commitDelayMillis, start, trackingZone, pageSize, fetchSize, outputBatchSize,
        types, TablePart.WHOLE);
  }

  /**
   * This read, outputting only {@code part} of the table.
   *
   * @throws IllegalArgumentException if the table lacks a projected column
   */
  public IncrementalSpec withPart(TablePart part) {
    part.checkColumnsOf(table);
    return new IncrementalSpec(
        connection, dialect, table, trackingColumn, tieBreakColumns, kind, pollIntervalMillis,
        commitDelayMillis, startFrom, trackingZone, pageSize, fetchSize, outputBatchSize,
        types, part);
  }

  private static TrackingKind kindOf(Dialect dialect, ColumnInfo column, String subject) {
    FieldType type = fieldType(dialect, column);
    if (INTEGERS.contains(type.getTypeName())) {
      return TrackingKind.INTEGER;
    }
    if (type.getTypeName() == TypeName.LOGICAL_TYPE) {
      String id = type.getLogicalType().getIdentifier();
      if (id.equals(SqlTypes.TIMESTAMP.getIdentifier())) {
        return TrackingKind.INSTANT;
      }
      if (id.equals(SqlTypes.DATETIME.getIdentifier())) {
        return TrackingKind.LOCAL_DATE_TIME;
      }
    }
    throw new IllegalArgumentException(
        subject + " has type " + column.describeType() + ", which cannot track changes; use a"
            + " timestamp or date-time column or a number column such as an auto-increment id");
  }

  private static FieldType fieldType(Dialect dialect, ColumnInfo column) {
    return dialect.mapColumn(column).map(m -> m.fieldType()).orElse(FieldType.STRING);
  }

  /** The start value as the Java type of the column's Beam field, to bind it as such. */
  private static Object parseStart(
      TrackingKind kind, FieldType type, ColumnInfo column, String value) {
    try {
      return switch (kind) {
        case INSTANT -> Instant.parse(value);
        case LOCAL_DATE_TIME -> LocalDateTime.parse(value);
        case INTEGER -> integer(type.getTypeName(), new BigDecimal(value));
      };
    } catch (DateTimeParseException | ArithmeticException | NumberFormatException e) {
      throw new IllegalArgumentException(
          "IncrementalOptions.withStartFrom(\"" + value + "\"): not a value of tracking column "
              + column.name() + " (" + column.describeType() + "); expected "
              + switch (kind) {
                case INSTANT -> "an ISO-8601 instant such as 2026-11-24T10:00:00Z";
                case LOCAL_DATE_TIME -> "a local date-time such as 2026-11-24T10:00:00";
                case INTEGER -> "a number";
              },
          e);
    }
  }

  private static Object integer(TypeName type, BigDecimal value) {
    return switch (type) {
      case BYTE -> value.byteValueExact();
      case INT16 -> value.shortValueExact();
      case INT32 -> value.intValueExact();
      case INT64 -> value.longValueExact();
      default -> value;
    };
  }

  /** The Beam schema of the rows the read outputs: the table's, or its projected columns'. */
  public TableSchema tableSchema() {
    return types.schemaOf(part.output(table), dialect::mapColumn);
  }

  /**
   * The columns the poll selects: the output columns, then the cursor columns the output lacks,
   * which the read tracks but does not output.
   */
  public TableMetadata selectedColumns() {
    return part.selected(table, cursorColumns());
  }

  /** The Beam schema of the selected columns ({@link #selectedColumns()}). */
  public TableSchema selectedSchema() {
    return types.exactSchemaOf(selectedColumns(), dialect::mapColumn);
  }

  /** The tracking column then the tie-break columns: the position of a row in the read order. */
  public List<String> cursorColumns() {
    List<String> columns = new ArrayList<>();
    columns.add(trackingColumn);
    columns.addAll(tieBreakColumns);
    return columns;
  }

  /** The schema of a cursor position: {@link #cursorColumns()} with their Beam types. */
  public Schema cursorSchema() {
    Schema rows = selectedSchema().schema();
    Schema.Builder schema = Schema.builder();
    for (String column : cursorColumns()) {
      schema.addField(rows.getField(column).withNullable(false));
    }
    return schema.build();
  }

  /** A short label for logs: the table. */
  public String label() {
    return table.table().toString();
  }
}
