package io.heliosdb.beam.schema;

import org.apache.beam.sdk.schemas.Schema.FieldType;

/** How a column becomes a Beam field: its field type (without nullability) and its reader. */
public record ColumnMapping(FieldType fieldType, ValueReader reader) {}
