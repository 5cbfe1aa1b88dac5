package io.heliosdb.beam.snapshot;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.Schema.FieldType;
import org.apache.beam.sdk.schemas.Schema.TypeName;
import org.apache.beam.sdk.values.Row;

/**
 * Orders primary-key values in Java as the database orders them, for the key types where both
 * agree: integers, decimals and date-times. Strings are left out on purpose: the database orders
 * them by its collation, which Java cannot reproduce.
 */
public final class KeyOrder {
  private static final Set<TypeName> ORDERED =
      Set.of(TypeName.BYTE, TypeName.INT16, TypeName.INT32, TypeName.INT64, TypeName.DECIMAL,
          TypeName.DATETIME);
  private static final Set<String> ORDERED_LOGICAL =
      Set.of("beam:logical_type:date:v1", "beam:logical_type:time:v1",
          "beam:logical_type:datetime:v1", "beam:logical_type:micros_instant:v1",
          "beam:logical_type:nanos_instant:v1");

  private KeyOrder() {}

  /** Whether values of this type are ordered in Java as in the database. */
  public static boolean isOrdered(FieldType type) {
    if (type.getTypeName() == TypeName.LOGICAL_TYPE) {
      return ORDERED_LOGICAL.contains(type.getLogicalType().getIdentifier());
    }
    return ORDERED.contains(type.getTypeName());
  }

  /** A key value in comparable form: integers as {@link Long}, others as they are. */
  public static Object normalize(Object value) {
    if (value instanceof Byte || value instanceof Short || value instanceof Integer) {
      return ((Number) value).longValue();
    }
    return value;
  }

  /** The normalized values of {@code fields} of a row, in order. */
  public static List<Object> of(Row row, List<String> fields) {
    List<Object> key = new ArrayList<>(fields.size());
    for (String field : fields) {
      key.add(normalize(row.getValue(field)));
    }
    return key;
  }

  /** The normalized values of a key row. */
  static List<Object> of(Row key) {
    return of(key, key.getSchema().getFieldNames());
  }

  /** Compares two keys of the same columns, field by field; NULL sorts first. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  public static int compare(List<Object> a, List<Object> b) {
    for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
      Object x = a.get(i);
      Object y = b.get(i);
      int c = x == null ? (y == null ? 0 : -1) : y == null ? 1 : ((Comparable) x).compareTo(y);
      if (c != 0) {
        return c;
      }
    }
    return Integer.compare(a.size(), b.size());
  }

  /** The names of the fields of {@code schema} whose type is not ordered alike. */
  public static List<String> unorderedFields(Schema schema) {
    return schema.getFields().stream()
        .filter(f -> !isOrdered(f.getType()))
        .map(f -> f.getName() + " (" + f.getType() + ")")
        .toList();
  }
}
