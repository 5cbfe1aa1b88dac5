package io.heliosdb.examples;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.Schema.Field;
import org.apache.beam.sdk.schemas.Schema.FieldType;
import org.apache.beam.sdk.schemas.Schema.TypeName;
import org.apache.beam.sdk.schemas.logicaltypes.SqlTypes;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;

/**
 * Rewrites the two field types of HeliosDbIO's rows that Beam SQL ({@code SqlTransform}) cannot
 * plan, at any depth (nested rows such as a change's {@code before} and {@code after}, arrays):
 *
 * <ul>
 *   <li>{@code SqlTypes.TIMESTAMP} (an instant: PostgreSQL {@code timestamptz}, MySQL {@code
 *       TIMESTAMP}) becomes {@code FieldType.DATETIME}, Beam SQL's {@code TIMESTAMP}, which holds
 *       milliseconds: <b>the microseconds of the instant are dropped</b>;
 *   <li>{@code SqlTypes.UUID} (PostgreSQL {@code uuid}) becomes {@code STRING}, the UUID's
 *       canonical text.
 * </ul>
 *
 * <p>Every other field is passed through unchanged.
 */
public final class SqlCompatibleRows extends PTransform<PCollection<Row>, PCollection<Row>> {
  private SqlCompatibleRows() {}

  public static SqlCompatibleRows create() {
    return new SqlCompatibleRows();
  }

  @Override
  public PCollection<Row> expand(PCollection<Row> input) {
    Schema target = schema(input.getSchema());
    return input.apply("Rewrite for Beam SQL", ParDo.of(new RewriteFn(target)))
        .setRowSchema(target);
  }

  /** The schema {@code schema}'s rows have once rewritten. */
  public static Schema schema(Schema schema) {
    Schema.Builder builder = Schema.builder();
    for (Field field : schema.getFields()) {
      builder.addField(field.withType(type(field.getType())));
    }
    return builder.build();
  }

  private static FieldType type(FieldType type) {
    FieldType rewritten = switch (type.getTypeName()) {
      case LOGICAL_TYPE -> isInstant(type) ? FieldType.DATETIME
          : isUuid(type) ? FieldType.STRING : type;
      case ROW -> FieldType.row(schema(type.getRowSchema()));
      case ARRAY -> FieldType.array(type(type.getCollectionElementType()));
      case ITERABLE -> FieldType.iterable(type(type.getCollectionElementType()));
      case MAP -> FieldType.map(type.getMapKeyType(), type(type.getMapValueType()));
      default -> type;
    };
    return rewritten.withNullable(type.getNullable());
  }

  private static boolean isInstant(FieldType type) {
    return type.getLogicalType().getIdentifier().equals(SqlTypes.TIMESTAMP.getIdentifier());
  }

  private static boolean isUuid(FieldType type) {
    return type.getLogicalType().getIdentifier().equals(SqlTypes.UUID.getIdentifier());
  }

  static Row rewrite(Row row, Schema target) {
    List<Object> values = new ArrayList<>(target.getFieldCount());
    for (int i = 0; i < target.getFieldCount(); i++) {
      FieldType from = row.getSchema().getField(i).getType();
      values.add(value(row.getValue(i), from, target.getField(i).getType()));
    }
    return Row.withSchema(target).attachValues(values);
  }

  private static Object value(Object value, FieldType from, FieldType to) {
    if (value == null) {
      return null;
    }
    TypeName name = from.getTypeName();
    if (name == TypeName.LOGICAL_TYPE && isInstant(from)) {
      return new org.joda.time.Instant(((Instant) value).toEpochMilli());
    }
    if (name == TypeName.LOGICAL_TYPE && isUuid(from)) {
      return ((UUID) value).toString();
    }
    if (name == TypeName.ROW) {
      return rewrite((Row) value, to.getRowSchema());
    }
    if (name == TypeName.ARRAY || name == TypeName.ITERABLE) {
      List<Object> elements = new ArrayList<>();
      for (Object element : (Iterable<?>) value) {
        elements.add(value(element, from.getCollectionElementType(),
            to.getCollectionElementType()));
      }
      return elements;
    }
    if (name == TypeName.MAP) {
      java.util.Map<Object, Object> entries = new java.util.LinkedHashMap<>();
      ((java.util.Map<?, ?>) value).forEach((k, v) ->
          entries.put(k, value(v, from.getMapValueType(), to.getMapValueType())));
      return entries;
    }
    return value;
  }

  private static final class RewriteFn extends DoFn<Row, Row> {
    private final Schema target;

    RewriteFn(Schema target) {
      this.target = target;
    }

    @ProcessElement
    public void process(@Element Row row, OutputReceiver<Row> out) {
      out.output(rewrite(row, target));
    }
  }
}
