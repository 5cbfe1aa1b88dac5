package io.heliosdb.beam.cdc;

import io.heliosdb.beam.ConnectionConfiguration;
import io.heliosdb.beam.dialect.ChangeCaptureSettings;
import io.heliosdb.beam.dialect.Dialect;
import io.heliosdb.beam.dialect.ExclusiveLogReader;
import io.heliosdb.beam.schema.TableMetadata;
import io.heliosdb.beam.schema.TableSchema;
import java.io.Serializable;
import java.util.Map;
import org.apache.beam.sdk.schemas.Schema;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Everything the CDC DoFn needs, decided when the pipeline is built.
 *
 * @param startPosition the user's start position, or null for the slot's or log's current one
 */
public record CdcSpec(
    ConnectionConfiguration connection,
    Dialect dialect,
    TableMetadata table,
    ChangeCaptureSettings settings,
    @Nullable String startPosition,
    boolean unknownTypesAsString)
    implements Serializable {

  /** The Beam schema of the table's rows (the envelope's before and after). */
  public TableSchema tableSchema() {
    return TableSchema.of(table, dialect::mapColumn, unknownTypesAsString);
  }

  /** The schema of the output: {@link ChangeEnvelope#schema}. */
  public Schema envelopeSchema() {
    return ChangeEnvelope.schema(tableSchema().schema());
  }

  /** The connector's properties, with the credentials. */
  Map<String, String> taskProperties() {
    Map<String, String> properties =
        new java.util.HashMap<>(
            dialect.changeTaskProperties(
                connection.getJdbcUrl(), connection.getRedactedUrl(), settings));
    properties.put("max.batch.size", String.valueOf(ReadChangesDoFn.FULL_POLL));
    if (connection.getUsername() != null) {
      properties.put("database.user", connection.getUsername());
    }
    properties.put("database.password", connection.password() == null ? "" : connection.password());
    return properties;
  }

  /**
   * What the read's log reader holds exclusively on its server ({@link
   * ExclusiveLogReader#logReaderKey}), else the read's own {@link #readId}.
   */
  public String logReaderKey() {
    return dialect instanceof ExclusiveLogReader exclusive
        ? exclusive.logReaderKey(connection.getJdbcUrl(), connection.getRedactedUrl(), settings)
        : readId();
  }

  /**
   * Whether a reader of this JVM holds the resource but stopped being called (its pipeline was
   * cancelled without a teardown): watched for up to {@link ChangeTasks#UNUSED_MILLIS}.
   */
  public boolean logReaderLeftUnusedHere() {
    return ChangeTasks.leftUnused(logReaderKey());
  }

  /** The resource as a user names it ({@code replication slot s}, {@code server id 7}). */
  String logReaderName() {
    return dialect instanceof ExclusiveLogReader exclusive
        ? exclusive.logReaderName(settings)
        : "log reader " + readId();
  }

  /** The option that names the resource, e.g. {@code CdcOptions.withSlotName}. */
  public String logReaderOption() {
    return dialect instanceof ExclusiveLogReader exclusive
        ? exclusive.logReaderOption()
        : "CdcOptions";
  }

  /** Whether a failure says that another reader holds the resource. */
  boolean isLogReaderBusy(Throwable error) {
    for (Throwable e = error; e != null; e = e.getCause() == e ? null : e.getCause()) {
      if (e instanceof LogReaderInUseException) {
        return true;
      }
    }
    return dialect instanceof ExclusiveLogReader exclusive && exclusive.isLogReaderBusy(error);
  }

  /** Identifies this read (every instance of its reader), unique per pipeline construction. */
  String readId() {
    return settings.sourceName();
  }

  /** A short label for logs: the table. */
  public String label() {
    return table.table().toString();
  }

  @Override
  public String toString() {
    return "CdcSpec{" + label() + ", " + settings + "}";
  }
}
