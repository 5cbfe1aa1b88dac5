package io.heliosdb.beam.cdc;

import io.heliosdb.beam.ConnectionConfiguration;
import io.heliosdb.beam.HeliosDbException;
import io.heliosdb.beam.dialect.ChangeCaptureSettings;
import io.heliosdb.beam.dialect.Dialect;
import io.heliosdb.beam.dialect.ExclusiveLogReader;
import io.heliosdb.beam.schema.TableMetadata;
import io.heliosdb.beam.schema.TableSchema;
import io.heliosdb.beam.schema.TypeOptions;
import java.io.Serializable;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Throwables;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Everything the CDC DoFn needs, decided when the pipeline is built: one log reader for every
 * table of the read, each table's changes to its own output ({@link #outputTag}).
 *
 * @param tables the captured tables, in the order of {@code settings.tables()}
 * @param startPosition the user's start position, or null for the slot's or log's current one
 * @param selection the rule that selected the tables, if tables created later may match it
 *     (the stream warns about those); null for a list
 */
public record CdcSpec(
    ConnectionConfiguration connection,
    Dialect dialect,
    List<TableMetadata> tables,
    ChangeCaptureSettings settings,
    @Nullable String startPosition,
    TypeOptions types,
    @Nullable SelectedTables selection)
    implements Serializable {

  public CdcSpec {
    tables = List.copyOf(tables);
    if (!tables.stream().map(TableMetadata::table).toList().equals(settings.tables())) {
      throw new IllegalArgumentException(
          "the tables " + tables + " are not those of the settings " + settings.tables());
    }
  }

  /** A read of one table. */
  public CdcSpec(
      ConnectionConfiguration connection, Dialect dialect, TableMetadata table,
      ChangeCaptureSettings settings, @Nullable String startPosition,
      TypeOptions types) {
    this(connection, dialect, List.of(table), settings, startPosition, types, null);
  }

  /** The Beam schema of a table's rows (the envelope's before and after). */
  public TableSchema tableSchema(int table) {
    return types.schemaOf(tables.get(table), dialect::mapColumn);
  }

  /** The schema of a table's output: {@link ChangeEnvelope#schema}. */
  public Schema envelopeSchema(int table) {
    return ChangeEnvelope.schema(tableSchema(table).schema());
  }

  /** The output of a table's change envelopes. */
  public TupleTag<Row> outputTag(int table) {
    return new TupleTag<>("changes of " + tables.get(table).table());
  }

  /**
   * The connector's properties, with the credentials: the user and the password of the
   * connection configuration (its password provider asked now, where the log reader starts),
   * never its data source provider's, since Debezium connects by itself.
   *
   * @throws HeliosDbException if the password provider fails
   */
  Map<String, String> taskProperties() {
    Map<String, String> properties = new java.util.HashMap<>(settings.debeziumProperties());
    properties.putAll(
        dialect.changeTaskProperties(
            connection.getJdbcUrl(), connection.getRedactedUrl(), settings));
    properties.put("max.batch.size", String.valueOf(ReadChangesDoFn.FULL_POLL));
    if (connection.getUsername() != null) {
      properties.put("database.user", connection.getUsername());
    }
    String password;
    try {
      password = connection.password();
    } catch (java.sql.SQLException e) {
      throw new HeliosDbException(
          "[" + label() + "] the log reader cannot start: " + e.getMessage(), e);
    }
    properties.put("database.password", password == null ? "" : password);
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
  public String logReaderName() {
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
    for (Throwable e : Throwables.getCausalChain(error)) {
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

  /** A short label for logs and the shared reader's metrics: the table, or the log reader. */
  public String label() {
    return tables.size() == 1 ? tables.get(0).table().toString() : logReaderName();
  }

  @Override
  public String toString() {
    return "CdcSpec{" + label() + ", " + settings + "}";
  }
}
