package io.heliosdb.examples;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.TemporalAccessor;
import java.util.Map;
import java.util.UUID;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.Schema.FieldType;
import org.apache.beam.sdk.values.Row;
import org.joda.time.ReadableInstant;

/**
 * Formats a {@link Row} as one line of JSON, for every type HeliosDbIO produces.
 *
 * <p>Beam's own {@code ToJson}/{@code RowJson} handles {@code SqlTypes.DATE}, {@code TIME} and
 * {@code DATETIME}, but fails on {@code SqlTypes.TIMESTAMP} (timestamptz, a {@link Instant}),
 * {@code SqlTypes.UUID}, {@code BYTES} and on NULL elements inside arrays, all of which
 * HeliosDbIO emits. This converter writes:
 *
 * <ul>
 *   <li>integers, floating point numbers and booleans as JSON numbers and booleans (NaN and
 *       infinities as the strings {@code "NaN"}, {@code "Infinity"}, {@code "-Infinity"});
 *   <li>decimals as exact JSON numbers in plain notation ({@code 1234.50});
 *   <li>dates, times and timestamps as ISO 8601 strings: {@code "2024-01-31"}, {@code
 *       "13:45:00"}, {@code "2024-01-31T13:45:00.123456"} and, for instants, in UTC with a {@code
 *       Z}: {@code "2024-01-31T12:45:00.123456Z"};
 *   <li>UUIDs as strings, bytes as base64 strings;
 *   <li>arrays as JSON arrays, maps as objects, nested rows as objects; NULL as {@code null}.
 * </ul>
 */
public final class RowToJson {
  private static final JsonFactory JSON =
      JsonFactory.builder().enable(StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN).build();

  private RowToJson() {}

  /** The row as a single line of JSON, its fields in schema order. */
  public static String format(Row row) {
    StringWriter out = new StringWriter();
    try (JsonGenerator json = JSON.createGenerator(out)) {
      writeRow(json, row);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot format row as JSON: " + row.getSchema(), e);
    }
    return out.toString();
  }

  private static void writeRow(JsonGenerator json, Row row) throws IOException {
    Schema schema = row.getSchema();
    json.writeStartObject();
    for (int i = 0; i < schema.getFieldCount(); i++) {
      json.writeFieldName(schema.getField(i).getName());
      writeValue(json, schema.getField(i).getType(), row.getValue(i));
    }
    json.writeEndObject();
  }

  private static void writeValue(JsonGenerator json, FieldType type, Object value)
      throws IOException {
    if (value == null) {
      json.writeNull();
      return;
    }
    switch (type.getTypeName()) {
      case BYTE, INT16, INT32, INT64 -> json.writeNumber(((Number) value).longValue());
      case FLOAT -> json.writeNumber((Float) value);
      case DOUBLE -> json.writeNumber((Double) value);
      case DECIMAL -> json.writeNumber((BigDecimal) value);
      case BOOLEAN -> json.writeBoolean((Boolean) value);
      case STRING -> json.writeString((String) value);
      case BYTES -> json.writeBinary((byte[]) value);
      case DATETIME -> // a Joda instant
          json.writeString(Instant.ofEpochMilli(((ReadableInstant) value).getMillis()).toString());
      case ARRAY, ITERABLE -> {
        json.writeStartArray();
        for (Object element : (Iterable<?>) value) {
          writeValue(json, type.getCollectionElementType(), element);
        }
        json.writeEndArray();
      }
      case MAP -> {
        json.writeStartObject();
        for (Map.Entry<?, ?> entry : ((Map<?, ?>) value).entrySet()) {
          json.writeFieldName(String.valueOf(entry.getKey()));
          writeValue(json, type.getMapValueType(), entry.getValue());
        }
        json.writeEndObject();
      }
      case ROW -> writeRow(json, (Row) value);
      case LOGICAL_TYPE -> writeLogicalValue(json, type, value);
      default -> throw new IllegalArgumentException("no JSON form for field type " + type);
    }
  }

  /**
   * SqlTypes.DATE/TIME/DATETIME/TIMESTAMP (java.time values) and SqlTypes.UUID by their ISO or
   * canonical strings; any other logical type by its base type.
   */
  private static <InputT, BaseT> void writeLogicalValue(
      JsonGenerator json, FieldType type, Object value) throws IOException {
    if (value instanceof LocalDate date) {
      json.writeString(DateTimeFormatter.ISO_LOCAL_DATE.format(date));
    } else if (value instanceof LocalTime time) {
      json.writeString(DateTimeFormatter.ISO_LOCAL_TIME.format(time));
    } else if (value instanceof LocalDateTime dateTime) {
      json.writeString(DateTimeFormatter.ISO_LOCAL_DATE_TIME.format(dateTime));
    } else if (value instanceof TemporalAccessor || value instanceof UUID) {
      json.writeString(value.toString()); // Instant: ISO 8601 in UTC, e.g. 2024-01-31T12:45:00Z
    } else {
      @SuppressWarnings("unchecked")
      Schema.LogicalType<InputT, BaseT> logicalType =
          (Schema.LogicalType<InputT, BaseT>) type.getLogicalType();
      @SuppressWarnings("unchecked")
      InputT input = (InputT) value;
      writeValue(json, logicalType.getBaseType(), logicalType.toBaseType(input));
    }
  }
}
