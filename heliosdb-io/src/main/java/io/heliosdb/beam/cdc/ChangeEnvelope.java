package io.heliosdb.beam.cdc;

import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.Schema.FieldType;
import org.apache.beam.sdk.values.Row;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Instant;

/**
 * The schema of a change event, usable by Beam SQL: {@code op} ({@code c} insert, {@code u}
 * update, {@code d} delete, {@code t} truncate of the table, {@code r} snapshot read), {@code
 * before} and {@code after} (rows of the table's schema, null where the operation has none: both
 * for a truncate), {@code source} (database, schema,
 * table), {@code position} (the log position, as {@code CdcOptions.withStartPosition} accepts it),
 * {@code order_key} (the position as fixed-width hexadecimal text whose order is the log's, {@link
 * PositionOrder}'s, for sinks that order changes as text; null where the database's positions
 * have none) and {@code commit_time}.
 */
public final class ChangeEnvelope {
  private ChangeEnvelope() {}

  public static final String OP = "op";
  public static final String BEFORE = "before";
  public static final String AFTER = "after";
  public static final String SOURCE = "source";
  public static final String POSITION = "position";
  public static final String ORDER_KEY = "order_key";
  public static final String COMMIT_TIME = "commit_time";

  /** The source of a change: where it happened. */
  public static final Schema SOURCE_SCHEMA =
      Schema.builder()
          .addStringField("database")
          .addNullableField("schema", FieldType.STRING)
          .addStringField("table")
          .build();

  /** The envelope of changes to a table whose rows have {@code rowSchema}. */
  public static Schema schema(Schema rowSchema) {
    return Schema.builder()
        .addStringField(OP)
        .addNullableField(BEFORE, FieldType.row(rowSchema))
        .addNullableField(AFTER, FieldType.row(rowSchema))
        .addRowField(SOURCE, SOURCE_SCHEMA)
        .addStringField(POSITION)
        .addNullableField(ORDER_KEY, FieldType.STRING)
        .addDateTimeField(COMMIT_TIME)
        .build();
  }

  /** A change event of {@code envelope}'s schema. */
  public static Row of(
      Schema envelope,
      String op,
      @Nullable Row before,
      @Nullable Row after,
      Row source,
      String position,
      @Nullable String orderKey,
      Instant commitTime) {
    return Row.withSchema(envelope)
        .attachValues(op, before, after, source, position, orderKey, commitTime);
  }
}
