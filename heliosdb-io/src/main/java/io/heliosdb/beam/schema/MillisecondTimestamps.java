package io.heliosdb.beam.schema;

import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.Schema.FieldType;
import org.apache.beam.sdk.schemas.Schema.TypeName;
import org.apache.beam.sdk.schemas.logicaltypes.SqlTypes;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Instant;

/**
 * Date-time columns as Beam's {@link FieldType#DATETIME}: a Joda {@link Instant} of epoch
 * milliseconds, which Beam encodes as one number, instead of the logical types {@code
 * SqlTypes.DATETIME} and {@code SqlTypes.TIMESTAMP}, whose values every coder writes as a nested
 * row of two numbers.
 *
 * <p>An instant ({@code timestamp with time zone}, MySQL {@code TIMESTAMP}) keeps its point in
 * time; a date-time without zone ({@code timestamp}, {@code DATETIME}) becomes the instant of
 * that wall-clock time in UTC, as Beam SQL and JdbcIO read it. Digits below the millisecond are
 * dropped (rounded towards the past).
 */
public final class MillisecondTimestamps {
  private MillisecondTimestamps() {}

  /** The mapping with its date-time field (or array of them) read as milliseconds. */
  public static ColumnMapping adapt(ColumnMapping mapping) {
    FieldType type = mapping.fieldType();
    if (isDateTime(type)) {
      ValueReader exact = mapping.reader();
      return new ColumnMapping(
          FieldType.DATETIME, (rs, i) -> toMillis(exact.read(rs, i)));
    }
    if (type.getTypeName() == TypeName.ARRAY && isDateTime(type.getCollectionElementType())) {
      ValueReader exact = mapping.reader();
      return new ColumnMapping(
          FieldType.array(FieldType.DATETIME.withNullable(true)),
          (rs, i) -> toMillis(exact.read(rs, i)));
    }
    return mapping;
  }

  /** The indexes of the fields of {@code schema} that hold milliseconds, or lists of them. */
  public static int[] fieldsOf(Schema schema) {
    return IntStream.range(0, schema.getFieldCount())
        .filter(i -> {
          FieldType type = schema.getField(i).getType();
          FieldType element = type.getTypeName() == TypeName.ARRAY
              ? type.getCollectionElementType() : type;
          return element.getTypeName() == TypeName.DATETIME;
        })
        .toArray();
  }

  /** Whether values of this type are date-times that this mapping turns into milliseconds. */
  public static boolean isDateTime(FieldType type) {
    if (type.getTypeName() != TypeName.LOGICAL_TYPE) {
      return false;
    }
    String id = type.getLogicalType().getIdentifier();
    return id.equals(SqlTypes.DATETIME.getIdentifier())
        || id.equals(SqlTypes.TIMESTAMP.getIdentifier());
  }

  /**
   * A value of {@code SqlTypes.DATETIME} or {@code SqlTypes.TIMESTAMP} (or a list of them) as
   * milliseconds; other values as they are.
   */
  public static @Nullable Object toMillis(@Nullable Object value) {
    if (value instanceof LocalDateTime dateTime) {
      return millisOf(dateTime.toInstant(ZoneOffset.UTC), value);
    }
    if (value instanceof java.time.Instant instant) {
      return millisOf(instant, value);
    }
    if (value instanceof List<?> values) {
      List<Object> converted = new ArrayList<>(values.size());
      for (Object element : values) {
        converted.add(toMillis(element));
      }
      return converted;
    }
    return value;
  }

  private static Instant millisOf(java.time.Instant instant, Object value) {
    try {
      return new Instant(instant.toEpochMilli());
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException(
          "the date-time " + value + " is outside the range of a millisecond DATETIME field (a"
              + " Joda Instant); read it without withMillisecondTimestamps(true)", e);
    }
  }
}
