package io.heliosdb.beam.schemas;

import org.apache.beam.sdk.schemas.annotations.SchemaFieldDescription;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The configuration fields both schema transforms share: the connection, the mode and the mode's
 * options. A field left unset takes HeliosDbIO's default. The getters' snake_case forms are the
 * fields of the configuration schemas ({@code getJdbcUrl} is {@code jdbc_url}).
 */
public abstract class ReadFields {
  ReadFields() {}

  @SchemaFieldDescription(FieldDescriptions.JDBC_URL)
  public abstract @Nullable String getJdbcUrl();

  @SchemaFieldDescription(FieldDescriptions.USERNAME)
  public abstract @Nullable String getUsername();

  @SchemaFieldDescription(FieldDescriptions.PASSWORD)
  public abstract @Nullable String getPassword();

  @SchemaFieldDescription(FieldDescriptions.MODE)
  public abstract @Nullable String getMode();

  @SchemaFieldDescription(FieldDescriptions.PARALLELISM)
  public abstract @Nullable Integer getParallelism();

  @SchemaFieldDescription(FieldDescriptions.CHUNK_SIZE)
  public abstract @Nullable Integer getChunkSize();

  @SchemaFieldDescription(FieldDescriptions.FETCH_SIZE)
  public abstract @Nullable Integer getFetchSize();

  @SchemaFieldDescription(FieldDescriptions.TRACKING_COLUMN)
  public abstract @Nullable String getTrackingColumn();

  @SchemaFieldDescription(FieldDescriptions.POLL_INTERVAL_SECONDS)
  public abstract @Nullable Long getPollIntervalSeconds();

  @SchemaFieldDescription(FieldDescriptions.COMMIT_DELAY_SECONDS)
  public abstract @Nullable Long getCommitDelaySeconds();

  @SchemaFieldDescription(FieldDescriptions.SLOT_NAME)
  public abstract @Nullable String getSlotName();

  @SchemaFieldDescription(FieldDescriptions.PUBLICATION_NAME)
  public abstract @Nullable String getPublicationName();

  @SchemaFieldDescription(FieldDescriptions.SERVER_ID)
  public abstract @Nullable Long getServerId();

  @SchemaFieldDescription(FieldDescriptions.START_POSITION)
  public abstract @Nullable String getStartPosition();

  @SchemaFieldDescription(FieldDescriptions.HEARTBEAT_SECONDS)
  public abstract @Nullable Long getHeartbeatSeconds();

  @SchemaFieldDescription(FieldDescriptions.UNKNOWN_TYPES_AS_STRING)
  public abstract @Nullable Boolean getUnknownTypesAsString();

  @SchemaFieldDescription(FieldDescriptions.MILLISECOND_TIMESTAMPS)
  public abstract @Nullable Boolean getMillisecondTimestamps();

  /**
   * Sets the shared fields; each configuration's builder extends it.
   *
   * @param <B> the configuration's builder
   */
  public abstract static class Builder<B extends Builder<B>> {
    Builder() {}

    public abstract B setJdbcUrl(@Nullable String value);

    public abstract B setUsername(@Nullable String value);

    public abstract B setPassword(@Nullable String value);

    public abstract B setMode(@Nullable String value);

    public abstract B setParallelism(@Nullable Integer value);

    public abstract B setChunkSize(@Nullable Integer value);

    public abstract B setFetchSize(@Nullable Integer value);

    public abstract B setTrackingColumn(@Nullable String value);

    public abstract B setPollIntervalSeconds(@Nullable Long value);

    public abstract B setCommitDelaySeconds(@Nullable Long value);

    public abstract B setSlotName(@Nullable String value);

    public abstract B setPublicationName(@Nullable String value);

    public abstract B setServerId(@Nullable Long value);

    public abstract B setStartPosition(@Nullable String value);

    public abstract B setHeartbeatSeconds(@Nullable Long value);

    public abstract B setUnknownTypesAsString(@Nullable Boolean value);

    public abstract B setMillisecondTimestamps(@Nullable Boolean value);
  }
}
