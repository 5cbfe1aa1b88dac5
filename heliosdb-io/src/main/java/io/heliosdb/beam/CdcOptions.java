package io.heliosdb.beam;

import static org.apache.beam.sdk.util.Preconditions.checkArgumentNotNull;

import com.google.auto.value.AutoValue;
import io.heliosdb.beam.dialect.OwnedChangeProperties;
import java.io.Serializable;
import java.util.regex.Pattern;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;

/**
 * Change data capture: stream every insert, update and delete of a table, and (PostgreSQL,
 * MySQL/MariaDB) every truncate, from the database's log. The provider follows from the database: PostgreSQL logical replication ({@code pgoutput}),
 * the MariaDB (and MySQL) binary log, Oracle LogMiner.
 *
 * <pre>{@code
 * CdcOptions.create()
 *     .withSlotName("heliosdb_orders")      // PostgreSQL; created if missing
 *     .withStartPosition("0/16B3748")       // optional: LSN, binlog file:pos, GTIDs, SCN
 * }</pre>
 */
@AutoValue
public abstract class CdcOptions implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Default interval of heartbeats, which advance the watermark and an idle slot. */
  public static final Duration DEFAULT_HEARTBEAT_INTERVAL = Duration.standardSeconds(10);

  /** PostgreSQL's rule for replication slot names. */
  private static final Pattern SLOT_NAME = Pattern.compile("[a-z0-9_]{1,63}");

  public abstract @Nullable String getSlotName();

  public abstract @Nullable String getPublicationName();

  public abstract @Nullable String getStartPosition();

  public abstract @Nullable Long getServerId();

  public abstract Duration getHeartbeatInterval();

  /** Debezium settings passed through to the log reader; see {@link #withDebeziumProperties}. */
  public abstract java.util.Map<String, String> getDebeziumProperties();

  abstract Builder toBuilder();

  @AutoValue.Builder
  abstract static class Builder {
    abstract Builder setSlotName(String name);

    abstract Builder setPublicationName(String name);

    abstract Builder setStartPosition(String position);

    abstract Builder setServerId(Long id);

    abstract Builder setHeartbeatInterval(Duration interval);

    abstract Builder setDebeziumProperties(java.util.Map<String, String> properties);

    abstract CdcOptions build();
  }

  /** CDC with defaults: slot and publication named after the table, start at the log's end. */
  public static CdcOptions create() {
    return new AutoValue_CdcOptions.Builder()
        .setHeartbeatInterval(DEFAULT_HEARTBEAT_INTERVAL)
        .setDebeziumProperties(java.util.Map.of())
        .build();
  }

  /**
   * The PostgreSQL replication slot (lower-case letters, digits and underscores, at most 63),
   * created if missing; default {@code heliosdb_<schema>_<table>}. A slot serves one stream and
   * holds its position across restarts: give each read of a table its own name, and keep it for
   * the read's restarts. A slot another process streams from fails the pipeline's construction.
   * It keeps the WAL the stream has not acknowledged: drop it yourself ({@code SELECT
   * pg_drop_replication_slot('name')}) when the pipeline is retired; HeliosDbIO never drops it.
   */
  public CdcOptions withSlotName(String name) {
    checkArgumentNotNull(name, "CdcOptions.withSlotName(name): must not be null");
    if (!SLOT_NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "CdcOptions.withSlotName(\"" + name + "\"): a PostgreSQL replication slot name has 1 to"
              + " 63 lower-case letters, digits and underscores");
    }
    return toBuilder().setSlotName(name).build();
  }

  /**
   * The PostgreSQL publication of the table (lower-case letters, digits and underscores, at most
   * 63), created if missing; default the slot's name. The log reader names it to {@code pgoutput}
   * unquoted, so other names would fail only when the stream starts.
   */
  public CdcOptions withPublicationName(String name) {
    checkArgumentNotNull(name, "CdcOptions.withPublicationName(name): must not be null");
    if (name.isBlank()) {
      throw new IllegalArgumentException(
          "CdcOptions.withPublicationName(\"" + name + "\"): must name a publication");
    }
    if (!SLOT_NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "CdcOptions.withPublicationName(\"" + name + "\"): a publication name here has 1 to"
              + " 63 lower-case letters, digits and underscores (the log reader passes it to"
              + " pgoutput unquoted)");
    }
    return toBuilder().setPublicationName(name).build();
  }

  /**
   * Where the stream starts: right after a position of the output's {@code position} field, or
   * at a PostgreSQL LSN ({@code 0/16B3748}), a binlog {@code file:offset} or a MariaDB GTID list
   * ({@code 0-1-17217}), an Oracle SCN. Its form is checked when the pipeline is built. Default: the slot's
   * confirmed position (PostgreSQL) or the binlog's current end.
   */
  public CdcOptions withStartPosition(String position) {
    checkArgumentNotNull(position, "CdcOptions.withStartPosition(position): must not be null");
    if (position.isBlank()) {
      throw new IllegalArgumentException(
          "CdcOptions.withStartPosition(\"" + position + "\"): must be a log position");
    }
    return toBuilder().setStartPosition(position).build();
  }

  /**
   * The server id this source uses as a replica of MySQL/MariaDB (1 to 2^32 - 1), unique among
   * the server's replicas and sources; default drawn per read when the pipeline is built, from
   * 1,000,000 to 1,000,999,999 (a server id holds no position).
   */
  public CdcOptions withServerId(long serverId) {
    if (serverId < 1 || serverId > 0xFFFF_FFFFL) {
      throw new IllegalArgumentException(
          "CdcOptions.withServerId(" + serverId + "): must be between 1 and 4294967295");
    }
    return toBuilder().setServerId(serverId).build();
  }

  /** How often heartbeats advance the watermark and an idle slot (1 s to 1 h, default 10 s). */
  public CdcOptions withHeartbeatInterval(Duration interval) {
    checkArgumentNotNull(interval, "CdcOptions.withHeartbeatInterval(interval): must not be null");
    if (interval.isShorterThan(Duration.standardSeconds(1))
        || interval.isLongerThan(Duration.standardHours(1))) {
      throw new IllegalArgumentException(
          "CdcOptions.withHeartbeatInterval(" + interval + "): must be between 1 s and 1 h");
    }
    return toBuilder().setHeartbeatInterval(interval).build();
  }

  /**
   * Debezium connector settings that HeliosDbIO does not set, given to the log reader as they
   * are (replacing any given before): for example {@code column.mask.with.12.chars} to mask a column or
   * {@code column.truncate.to.20.chars} to truncate one, {@code heartbeat.action.query}
   * to write to a table at each heartbeat (which moves an idle database's slot), {@code
   * database.initial.statements}, {@code max.queue.size}. They apply to the one log reader of a
   * read, for {@link HeliosDbIO.Read#withCdc} and {@link ReadTables#withCdc} alike, and are
   * checked by Debezium when the log reader starts. Their values are never shown in display data
   * (their names are).
   *
   * <p>Settings HeliosDbIO sets or relies on are refused, each with the reason and the option to
   * use instead: the connector, its name and topic prefix; host, port, database, user, password
   * and TLS (from {@link ConnectionConfiguration}); slot, publication, plug-in, server id and
   * heartbeat interval (options of this class); the include and exclude lists of tables and
   * columns; {@code snapshot.*}, {@code incremental.snapshot.*} and {@code signal.*}; {@code
   * offset.*} and {@code schema.history.internal*}; the handling modes of decimals, binaries,
   * intervals, times and unsigned integers, converters and source types (the output schema
   * depends on them); tombstones, skipped operations, schema changes, transaction metadata;
   * the retry, polling and keep-alive settings; and Kafka Connect's transforms, predicates and
   * converters, which a log reader without Kafka Connect would not apply.
   *
   * @throws IllegalArgumentException naming the first refused key and why, or a null or blank
   *     key or a null value
   */
  public CdcOptions withDebeziumProperties(java.util.Map<String, String> properties) {
    java.util.Map<String, String> copy =
        NamedValues.copyOf("CdcOptions.withDebeziumProperties", properties);
    OwnedChangeProperties.check("CdcOptions.withDebeziumProperties", copy);
    return toBuilder().setDebeziumProperties(copy).build();
  }

  void populateDisplayData(DisplayData.Builder builder) {
    builder
        .addIfNotNull(DisplayData.item("slotName", getSlotName()).withLabel("Replication slot"))
        .addIfNotNull(
            DisplayData.item("publicationName", getPublicationName()).withLabel("Publication"))
        .addIfNotNull(
            DisplayData.item("startPosition", getStartPosition()).withLabel("Start position"))
        .addIfNotNull(DisplayData.item("serverId", getServerId()).withLabel("Server id"))
        .add(
            DisplayData.item("heartbeatInterval", getHeartbeatInterval())
                .withLabel("Heartbeat interval"));
    if (!getDebeziumProperties().isEmpty()) {
      builder.add(DisplayData.item(
              "debeziumProperties", String.join(", ", getDebeziumProperties().keySet()))
          .withLabel("Debezium properties (names)"));
    }
  }
}
