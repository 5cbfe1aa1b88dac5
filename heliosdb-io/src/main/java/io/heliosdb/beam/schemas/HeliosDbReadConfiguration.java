package io.heliosdb.beam.schemas;

import com.google.auto.value.AutoValue;
import java.util.List;
import org.apache.beam.sdk.schemas.AutoValueSchema;
import org.apache.beam.sdk.schemas.annotations.DefaultSchema;
import org.apache.beam.sdk.schemas.annotations.SchemaFieldDescription;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The configuration of {@code beam:schematransform:io.heliosdb:read:v1}: one table, read in one
 * mode. Its schema's fields are the snake_case forms of the getters ({@code jdbc_url}, {@code
 * table}, ...).
 */
@DefaultSchema(AutoValueSchema.class)
@AutoValue
public abstract class HeliosDbReadConfiguration extends ReadFields {
  @SchemaFieldDescription(FieldDescriptions.TABLE)
  public abstract @Nullable String getTable();

  @SchemaFieldDescription(FieldDescriptions.SPLIT_COLUMN)
  public abstract @Nullable String getSplitColumn();

  @SchemaFieldDescription(FieldDescriptions.COLUMNS)
  public abstract @Nullable List<String> getColumns();

  /** A builder, for tests and for Java users; Beam fills the configuration from a Row. */
  public static Builder builder() {
    return new AutoValue_HeliosDbReadConfiguration.Builder();
  }

  /** The configuration with its credentials hidden. */
  @Override
  public final String toString() {
    return ConfiguredRead.describe("HeliosDbReadConfiguration", this, "table=" + getTable());
  }

  /** Builds a configuration; every field is optional here and checked by the provider. */
  @AutoValue.Builder
  public abstract static class Builder extends ReadFields.Builder<Builder> {
    public abstract Builder setTable(@Nullable String value);

    public abstract Builder setSplitColumn(@Nullable String value);

    public abstract Builder setColumns(@Nullable List<String> value);

    public abstract HeliosDbReadConfiguration build();
  }
}
