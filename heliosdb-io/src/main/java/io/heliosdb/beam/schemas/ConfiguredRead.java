package io.heliosdb.beam.schemas;

import io.heliosdb.beam.CdcOptions;
import io.heliosdb.beam.ConnectionConfiguration;
import io.heliosdb.beam.HeliosDbIO;
import io.heliosdb.beam.IncrementalOptions;
import io.heliosdb.beam.ReadTables;
import io.heliosdb.beam.SnapshotOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;

/**
 * The read a configuration describes, checked field by field when the transform is built: each
 * error names the configuration field at fault, a field that does not apply to the mode is
 * refused, and the password appears in no message.
 */
final class ConfiguredRead {
  /** A configuration field, its value and the modes it applies to. */
  record FieldUse(String name, @Nullable Object value, Set<ReadMode> modes) {}

  private final ConnectionConfiguration connection;
  private final @Nullable SnapshotOptions snapshot;
  private final @Nullable IncrementalOptions incremental;
  private final @Nullable CdcOptions cdc;
  private final ReadFields fields;

  private ConfiguredRead(ReadMode mode, ReadFields fields) {
    this.fields = fields;
    this.connection = connection(fields);
    this.snapshot = ReadMode.SNAPSHOTS.contains(mode) ? snapshotOptions(fields) : null;
    this.incremental = mode == ReadMode.INCREMENTAL ? incrementalOptions(fields) : null;
    this.cdc = ReadMode.CHANGE_STREAMS.contains(mode) ? cdcOptions(fields) : null;
  }

  /** Checks the fields shared by both transforms, and {@code moreFields} of the transform's own. */
  static ConfiguredRead of(ReadFields fields, List<FieldUse> moreFields) {
    ReadMode mode = ReadMode.parse(fields.getMode());
    List<FieldUse> uses = new ArrayList<>(sharedFieldUses(fields));
    uses.addAll(moreFields);
    for (FieldUse use : uses) {
      if (use.value() != null && !use.modes().contains(mode)) {
        throw new IllegalArgumentException(
            use.name() + " applies only to mode " + names(use.modes()) + ", not to mode "
                + mode.fieldValue() + "; remove it");
      }
    }
    if (mode == ReadMode.INCREMENTAL && fields.getTrackingColumn() == null) {
      throw new IllegalArgumentException("tracking_column is required by mode incremental");
    }
    ConfiguredRead configured = new ConfiguredRead(mode, fields);
    configured.toRead(); // checks the ranges of the read's own settings
    return configured;
  }

  /** The single-table read, without its table. */
  HeliosDbIO.Read toRead() {
    HeliosDbIO.Read read = HeliosDbIO.read().withConnection(connection);
    if (snapshot != null) {
      read = read.withSnapshot(snapshot);
    }
    if (incremental != null) {
      read = read.withIncremental(incremental);
    }
    if (cdc != null) {
      read = read.withCdc(cdc);
    }
    read = with(read, "parallelism", fields.getParallelism(), HeliosDbIO.Read::withParallelism);
    read = with(read, "fetch_size", fields.getFetchSize(), HeliosDbIO.Read::withFetchSize);
    if (fields.getUnknownTypesAsString() != null) {
      read = read.withUnknownTypesAsString(fields.getUnknownTypesAsString());
    }
    if (fields.getMillisecondTimestamps() != null) {
      read = read.withMillisecondTimestamps(fields.getMillisecondTimestamps());
    }
    return read;
  }

  /** The read of a set of tables, without its selection (settings checked by {@link #of}). */
  ReadTables toReadTables() {
    ReadTables read = HeliosDbIO.readTables().withConnection(connection);
    if (snapshot != null) {
      read = read.withSnapshot(snapshot);
    }
    if (incremental != null) {
      read = read.withIncremental(incremental);
    }
    if (cdc != null) {
      read = read.withCdc(cdc);
    }
    if (fields.getParallelism() != null) {
      read = read.withParallelism(fields.getParallelism());
    }
    if (fields.getFetchSize() != null) {
      read = read.withFetchSize(fields.getFetchSize());
    }
    if (fields.getUnknownTypesAsString() != null) {
      read = read.withUnknownTypesAsString(fields.getUnknownTypesAsString());
    }
    if (fields.getMillisecondTimestamps() != null) {
      read = read.withMillisecondTimestamps(fields.getMillisecondTimestamps());
    }
    return read;
  }

  private static List<FieldUse> sharedFieldUses(ReadFields f) {
    Set<ReadMode> all = Set.of(ReadMode.values());
    Set<ReadMode> pollOrSnapshot =
        Set.of(ReadMode.SNAPSHOT, ReadMode.INCREMENTAL, ReadMode.SNAPSHOT_THEN_CDC);
    Set<ReadMode> incremental = Set.of(ReadMode.INCREMENTAL);
    return List.of(
        new FieldUse("parallelism", f.getParallelism(), ReadMode.SNAPSHOTS),
        new FieldUse("chunk_size", f.getChunkSize(), ReadMode.SNAPSHOTS),
        new FieldUse("fetch_size", f.getFetchSize(), pollOrSnapshot),
        new FieldUse("tracking_column", f.getTrackingColumn(), incremental),
        new FieldUse("poll_interval_seconds", f.getPollIntervalSeconds(), incremental),
        new FieldUse("commit_delay_seconds", f.getCommitDelaySeconds(), incremental),
        new FieldUse("slot_name", f.getSlotName(), ReadMode.CHANGE_STREAMS),
        new FieldUse("publication_name", f.getPublicationName(), ReadMode.CHANGE_STREAMS),
        new FieldUse("server_id", f.getServerId(), ReadMode.CHANGE_STREAMS),
        // a snapshot's stream starts where the log stands when the snapshot begins
        new FieldUse("start_position", f.getStartPosition(), Set.of(ReadMode.CDC)),
        new FieldUse("heartbeat_seconds", f.getHeartbeatSeconds(), ReadMode.CHANGE_STREAMS),
        new FieldUse("unknown_types_as_string", f.getUnknownTypesAsString(), all),
        new FieldUse("millisecond_timestamps", f.getMillisecondTimestamps(), all));
  }

  private static String names(Set<ReadMode> modes) {
    return modes.stream().sorted().map(ReadMode::fieldValue).collect(Collectors.joining(" or "));
  }

  private static ConnectionConfiguration connection(ReadFields f) {
    String url = f.getJdbcUrl();
    if (url == null || url.isBlank()) {
      throw new IllegalArgumentException("jdbc_url is required");
    }
    ConnectionConfiguration config = checked("jdbc_url", () -> ConnectionConfiguration.create(url));
    if (f.getUsername() != null) {
      config = config.withUsername(f.getUsername());
    }
    return f.getPassword() == null ? config : config.withPassword(f.getPassword());
  }

  private static SnapshotOptions snapshotOptions(ReadFields f) {
    return with(SnapshotOptions.byPrimaryKey(), "chunk_size", f.getChunkSize(),
        SnapshotOptions::withChunkSize);
  }

  private static IncrementalOptions incrementalOptions(ReadFields f) {
    IncrementalOptions options =
        checked("tracking_column", () -> IncrementalOptions.trackingColumn(f.getTrackingColumn()));
    options = with(options, "poll_interval_seconds", seconds(f.getPollIntervalSeconds()),
        IncrementalOptions::withPollInterval);
    return with(options, "commit_delay_seconds", seconds(f.getCommitDelaySeconds()),
        IncrementalOptions::withCommitDelay);
  }

  private static CdcOptions cdcOptions(ReadFields f) {
    CdcOptions options = CdcOptions.create();
    options = with(options, "slot_name", f.getSlotName(), CdcOptions::withSlotName);
    options = with(options, "publication_name", f.getPublicationName(),
        CdcOptions::withPublicationName);
    options = with(options, "server_id", f.getServerId(), CdcOptions::withServerId);
    options = with(options, "start_position", f.getStartPosition(),
        CdcOptions::withStartPosition);
    return with(options, "heartbeat_seconds", seconds(f.getHeartbeatSeconds()),
        CdcOptions::withHeartbeatInterval);
  }

  private static @Nullable Duration seconds(@Nullable Long seconds) {
    return seconds == null ? null : Duration.standardSeconds(seconds);
  }

  /** {@code setter(options, value)} if the field is set, else {@code options}. */
  private static <O, V> O with(
      O options, String field, @Nullable V value, BiFunction<O, V, O> setter) {
    return value == null ? options : checked(field, () -> setter.apply(options, value));
  }

  /** Runs a setter, prefixing its error with the configuration field's name. */
  static <T> T checked(String field, Supplier<T> setter) {
    try {
      return setter.get();
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new IllegalArgumentException(field + ": " + e.getMessage(), e);
    }
  }

  /**
   * The configuration as text, for {@code toString()}: the URL with its credentials replaced by
   * {@code ***}, the password only as {@code ***}.
   */
  static String describe(String type, ReadFields f, String selection) {
    String url;
    try {
      url = f.getJdbcUrl() == null ? null : ConnectionConfiguration.create(f.getJdbcUrl())
          .getRedactedUrl();
    } catch (IllegalArgumentException e) {
      url = "<invalid>";
    }
    return type + "{jdbc_url=" + url + ", username=" + f.getUsername() + ", password="
        + (f.getPassword() == null ? "<none>" : "***") + ", " + selection + ", mode="
        + f.getMode() + "}";
  }
}
