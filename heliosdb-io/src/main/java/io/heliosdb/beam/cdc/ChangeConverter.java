package io.heliosdb.beam.cdc;

import io.heliosdb.beam.HeliosDbException;
import io.heliosdb.beam.dialect.Dialect;
import io.heliosdb.beam.schema.ColumnChange;
import io.heliosdb.beam.schema.TableMetadata;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.values.Row;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Instant;

/** Turns Debezium change records of one table into change envelopes ({@link ChangeEnvelope}). */
final class ChangeConverter {
  private final String table;
  private final Dialect dialect;
  private final Schema rows;
  private final Schema envelope;
  private final RetypedColumns retypedColumns;
  /** The log's schema last seen, and its fields in the order of the table's: checked once. */
  private transient org.apache.kafka.connect.data.Schema checkedSchema;
  private transient Field[] columns;

  /** The converter of the read's {@code table}-th table. */
  ChangeConverter(CdcSpec spec, int table) {
    this.table = spec.tables().get(table).table().toString();
    this.dialect = spec.dialect();
    this.rows = spec.tableSchema(table).schema();
    this.envelope = spec.envelopeSchema(table);
    // compared at the database's full precision: with millisecond timestamps, timestamp and
    // timestamptz give the same output type, but a change between them shifts the values
    TableMetadata columns = spec.tables().get(table);
    this.retypedColumns = new RetypedColumns(dialect, columns.columns(),
        spec.types().exactSchemaOf(columns, dialect::mapColumn).schema());
  }

  /** Whether a record is a change of a row (rather than a heartbeat or a schema event). */
  static boolean isChange(SourceRecord record) {
    return record.value() instanceof Struct value && value.schema().field("op") != null;
  }

  /** The Debezium {@code source} block of a change record. */
  static Struct sourceOf(SourceRecord record) {
    return ((Struct) record.value()).getStruct("source");
  }

  /** The time of a heartbeat or change record, for the watermark. */
  static Instant timeOf(SourceRecord record) {
    if (record.value() instanceof Struct value) {
      Struct source = value.schema().field("source") == null ? null : value.getStruct("source");
      if (source != null && source.getInt64("ts_ms") != null) {
        return new Instant(source.getInt64("ts_ms"));
      }
      if (value.schema().field("ts_ms") != null && value.getInt64("ts_ms") != null) {
        return new Instant(value.getInt64("ts_ms"));
      }
    }
    return record.timestamp() == null ? Instant.now() : new Instant(record.timestamp());
  }

  /**
   * The envelope of a change record: {@code c}, {@code u}, {@code d}, or {@code t} (a truncate of
   * the table, without images).
   *
   * @param streamStart the offset the connector task started at
   *
   * @throws HeliosDbException if the table's columns changed since the pipeline was built
   */
  Row convert(SourceRecord record, Map<String, ?> streamStart) {
    Struct value = (Struct) record.value();
    Struct source = value.getStruct("source");
    String database = source.getString("db");
    String schema = source.schema().field("schema") == null ? null : source.getString("schema");
    Row sourceRow =
        Row.withSchema(ChangeEnvelope.SOURCE_SCHEMA)
            .attachValues(database, schema, source.getString("table"));
    Map<String, ?> offset = record.sourceOffset();
    String position = dialect.positionOf(offset, streamStart);
    return ChangeEnvelope.of(
        envelope,
        value.getString("op"),
        row(value.getStruct("before"), record),
        row(value.getStruct("after"), record),
        sourceRow,
        position,
        dialect.orderKeyOf(position, offset, streamStart),
        timeOf(record));
  }

  private @Nullable Row row(@Nullable Struct struct, SourceRecord record) {
    if (struct == null) {
      return null;
    }
    if (struct.schema() != checkedSchema) { // Debezium reuses one schema per table version
      checkColumns(struct, record);
      columns = new Field[rows.getFieldCount()];
      for (int i = 0; i < columns.length; i++) {
        columns[i] = struct.schema().field(rows.getField(i).getName());
      }
      checkedSchema = struct.schema();
    }
    Object[] values = new Object[columns.length];
    for (int i = 0; i < values.length; i++) {
      values[i] =
          ChangeValues.convert(struct.get(columns[i]), columns[i].schema(), rows.getField(i).getType());
    }
    return Row.withSchema(rows).attachValues(values);
  }

  /**
   * Fails fast, naming the change, when the log's columns differ from the table's schema: other
   * names, or a type that no longer fits the output ({@link RetypedColumns}).
   */
  private void checkColumns(Struct struct, SourceRecord record) {
    List<String> logColumns = struct.schema().fields().stream().map(Field::name).toList();
    Optional<ColumnChange> change = ColumnChange.betweenNames(
        rows.getFieldNames(), logColumns, retypedColumns.in(struct.schema()));
    if (change.isEmpty()) {
      return;
    }
    throw new HeliosDbException(
        "[" + table + "] the table's columns changed during CDC (" + change.get()
            + ") at position "
            + dialect.positionOf(record.sourceOffset()) + "; the stream stopped before this"
            + " change and acknowledged nothing past it. Restart the pipeline to read the new"
            + " schema (it resumes from the last position acknowledged)");
  }
}
