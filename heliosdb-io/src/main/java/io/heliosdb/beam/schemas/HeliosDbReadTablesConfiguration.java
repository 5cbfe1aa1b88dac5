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
public abstract class HeliosDbReadTablesConfiguration implements ReadFields {
  @SchemaFieldDescription(FieldDescriptions.TABLES)
  public abstract @Nullable List<String> getTables();

  @SchemaFieldDescription(FieldDescriptions.TABLE_PATTERN)
  public abstract @Nullable String getTablePattern();

  @SchemaFieldDescription(FieldDescriptions.NAMESPACE)
  public abstract @Nullable String getNamespace();

  @SchemaFieldDescription(FieldDescriptions.JDBC_URL)
  @Override
  public abstract @Nullable String getJdbcUrl();

  @SchemaFieldDescription(FieldDescriptions.USERNAME)
  @Override
  public abstract @Nullable String getUsername();

  @SchemaFieldDescription(FieldDescriptions.PASSWORD)
  @Override
  public abstract @Nullable String getPassword();

  @SchemaFieldDescription(FieldDescriptions.MODE)
  @Override
  public abstract @Nullable String getMode();

  @SchemaFieldDescription(FieldDescriptions.PARALLELISM)
  @Override
  public abstract @Nullable Integer getParallelism();

  @SchemaFieldDescription(FieldDescriptions.CHUNK_SIZE)
  @Override
  public abstract @Nullable Integer getChunkSize();

  @SchemaFieldDescription(FieldDescriptions.FETCH_SIZE)
  @Override
  public abstract @Nullable Integer getFetchSize();

  @SchemaFieldDescription(FieldDescriptions.TRACKING_COLUMN)
  @Override
  public abstract @Nullable String getTrackingColumn();

  @SchemaFieldDescription(FieldDescriptions.POLL_INTERVAL_SECONDS)
  @Override
  public abstract @Nullable Long getPollIntervalSeconds();

  @SchemaFieldDescription(FieldDescriptions.COMMIT_DELAY_SECONDS)
  @Override
  public abstract @Nullable Long getCommitDelaySeconds();

  @SchemaFieldDescription(FieldDescriptions.SLOT_NAME)
  @Override
  public abstract @Nullable String getSlotName();

  @SchemaFieldDescription(FieldDescriptions.PUBLICATION_NAME)
  @Override
  public abstract @Nullable String getPublicationName();

  @SchemaFieldDescription(FieldDescriptions.SERVER_ID)
  @Override
  public abstract @Nullable Long getServerId();

  @SchemaFieldDescription(FieldDescriptions.START_POSITION)
  @Override
  public abstract @Nullable String getStartPosition();

  @SchemaFieldDescription(FieldDescriptions.HEARTBEAT_SECONDS)
  @Override
  public abstract @Nullable Long getHeartbeatSeconds();

  @SchemaFieldDescription(FieldDescriptions.UNKNOWN_TYPES_AS_STRING)
  @Override
  public abstract @Nullable Boolean getUnknownTypesAsString();

  /** A builder, for tests and for Java users; Beam fills the configuration from a Row. */
  public static Builder builder() {
    return new AutoValue_HeliosDbReadTablesConfiguration.Builder();
  }

  /** The configuration with its credentials hidden. */
  @Override
  public final String toString() {
    return ConfiguredRead.describe("HeliosDbReadTablesConfiguration", this, "tables=" + getTables() + ", table_pattern=" + getTablePattern() + ", namespace=" + getNamespace());
  }

  /** Builds a configuration; every field is optional here and checked by the provider. */
  @AutoValue.Builder
  public abstract static class Builder {
    public abstract Builder setTables(@Nullable List<String> value);

    public abstract Builder setTablePattern(@Nullable String value);

    public abstract Builder setNamespace(@Nullable String value);

    public abstract Builder setJdbcUrl(@Nullable String value);

    public abstract Builder setUsername(@Nullable String value);

    public abstract Builder setPassword(@Nullable String value);

    public abstract Builder setMode(@Nullable String value);

    public abstract Builder setParallelism(@Nullable Integer value);

    public abstract Builder setChunkSize(@Nullable Integer value);

    public abstract Builder setFetchSize(@Nullable Integer value);

    public abstract Builder setTrackingColumn(@Nullable String value);

    public abstract Builder setPollIntervalSeconds(@Nullable Long value);

    public abstract Builder setCommitDelaySeconds(@Nullable Long value);

    public abstract Builder setSlotName(@Nullable String value);

    public abstract Builder setPublicationName(@Nullable String value);

    public abstract Builder setServerId(@Nullable Long value);

    public abstract Builder setStartPosition(@Nullable String value);

    public abstract Builder setHeartbeatSeconds(@Nullable Long value);

    public abstract Builder setUnknownTypesAsString(@Nullable Boolean value);

    public abstract HeliosDbReadTablesConfiguration build();
  }
}
