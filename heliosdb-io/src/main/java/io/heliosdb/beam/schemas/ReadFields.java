package io.heliosdb.beam.schemas;

import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The configuration fields both schema transforms share: the connection, the mode and the mode's
 * options. A field left unset takes HeliosDbIO's default.
 */
interface ReadFields {
  @Nullable String getJdbcUrl();

  @Nullable String getUsername();

  @Nullable String getPassword();

  @Nullable String getMode();

  @Nullable Integer getParallelism();

  @Nullable Integer getChunkSize();

  @Nullable Integer getFetchSize();

  @Nullable String getTrackingColumn();

  @Nullable Long getPollIntervalSeconds();

  @Nullable Long getCommitDelaySeconds();

  @Nullable String getSlotName();

  @Nullable String getPublicationName();

  @Nullable Long getServerId();

  @Nullable String getStartPosition();

  @Nullable Long getHeartbeatSeconds();

  @Nullable Boolean getUnknownTypesAsString();
}
