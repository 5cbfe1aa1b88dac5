package io.heliosdb.beam.schemas;

import com.google.auto.value.AutoValue;
import java.util.List;
import org.apache.beam.sdk.schemas.AutoValueSchema;
import org.apache.beam.sdk.schemas.annotations.DefaultSchema;
import org.apache.beam.sdk.schemas.annotations.SchemaFieldDescription;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The configuration of {@code beam:schematransform:io.heliosdb:read_tables:v1}: a set of tables,
 * given by exactly one of {@code tables}, {@code table_pattern} and {@code namespace}.
 */
@DefaultSchema(AutoValueSchema.class)
@AutoValue
public abstract class HeliosDbReadTablesConfiguration extends ReadFields {
  @SchemaFieldDescription(FieldDescriptions.TABLES)
  public abstract @Nullable List<String> getTables();

  @SchemaFieldDescription(FieldDescriptions.TABLE_PATTERN)
  public abstract @Nullable String getTablePattern();

  @SchemaFieldDescription(FieldDescriptions.NAMESPACE)
  public abstract @Nullable String getNamespace();

  /** A builder, for tests and for Java users; Beam fills the configuration from a Row. */
  public static Builder builder() {
    return new AutoValue_HeliosDbReadTablesConfiguration.Builder();
  }

  /** The configuration with its credentials hidden. */
  @Override
  public final String toString() {
    return ConfiguredRead.describe("HeliosDbReadTablesConfiguration", this,
        "tables=" + getTables() + ", table_pattern=" + getTablePattern() + ", namespace="
            + getNamespace());
  }

  /** Builds a configuration; every field is optional here and checked by the provider. */
  @AutoValue.Builder
  public abstract static class Builder extends ReadFields.Builder<Builder> {
    public abstract Builder setTables(@Nullable List<String> value);

    public abstract Builder setTablePattern(@Nullable String value);

    public abstract Builder setNamespace(@Nullable String value);

    public abstract HeliosDbReadTablesConfiguration build();
  }
}
