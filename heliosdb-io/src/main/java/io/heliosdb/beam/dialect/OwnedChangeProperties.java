package io.heliosdb.beam.dialect;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The Debezium settings HeliosDbIO sets or relies on, which {@code
 * CdcOptions.withDebeziumProperties} refuses: each with the reason, naming the option to use
 * instead where there is one. Every key a dialect's {@code changeTaskProperties} sets is among
 * them.
 */
public final class OwnedChangeProperties {
  private static final String SNAPSHOTS =
      "HeliosDbIO reads snapshots itself (HeliosDbIO.Read#withSnapshot); its log reader only"
          + " streams";
  private static final String TYPES = "the output schema's types are HeliosDbIO's and depend on it";
  private static final String ENVELOPES = "the change envelopes HeliosDbIO emits depend on it";
  private static final String URL = "it is taken from the JDBC URL of ConnectionConfiguration";
  private static final String NAMES = "HeliosDbIO names each log reader, one per read";
  private static final String COLUMNS = "every column of a captured table is in its output schema";
  private static final String TABLES =
      "the captured tables are the read's (withTable, readTables' selection)";
  private static final String RETRIES =
      "failures reach HeliosDbIO, whose RetryOptions and recovery depend on it";
  private static final String POLLING = "the log reader's polling and batching are HeliosDbIO's";

  private static final Map<String, String> KEYS = new LinkedHashMap<>();
  private static final Map<String, String> PREFIXES = new LinkedHashMap<>();

  static {
    KEYS.put("connector.class", "the connector follows from the JDBC URL's database");
    KEYS.put("name", NAMES);
    KEYS.put("topic.prefix", NAMES);
    KEYS.put("database.server.name", NAMES);
    KEYS.put("tasks.max", "each read runs one log reader");
    KEYS.put("database.hostname", URL);
    KEYS.put("database.port", URL);
    KEYS.put("database.dbname", URL);
    KEYS.put("database.url", URL);
    KEYS.put("database.user", "set it with ConnectionConfiguration.withUsername");
    KEYS.put("database.password",
        "set it with ConnectionConfiguration.withPassword or withPasswordProvider");
    KEYS.put("slot.name", "set it with CdcOptions.withSlotName");
    KEYS.put("publication.name", "set it with CdcOptions.withPublicationName");
    KEYS.put("publication.autocreate.mode",
        "HeliosDbIO creates the publication and keeps its tables those of the read");
    KEYS.put("plugin.name", "HeliosDbIO decodes pgoutput");
    KEYS.put("slot.drop.on.stop", "the slot holds the read's position across restarts");
    KEYS.put("slot.max.retries", RETRIES);
    KEYS.put("slot.retry.delay.ms", RETRIES);
    KEYS.put("errors.max.retries", RETRIES);
    KEYS.put("connect.keep.alive.interval.ms", RETRIES);
    KEYS.put("status.update.interval.ms",
        "the CDC watermark depends on how soon the server learns what was received");
    KEYS.put("database.server.id", "set it with CdcOptions.withServerId");
    KEYS.put("heartbeat.interval.ms", "set it with CdcOptions.withHeartbeatInterval");
    KEYS.put("poll.interval.ms", POLLING);
    KEYS.put("max.batch.size", POLLING);
    KEYS.put("table.include.list", TABLES);
    KEYS.put("table.exclude.list", TABLES);
    KEYS.put("database.include.list", TABLES);
    KEYS.put("database.exclude.list", TABLES);
    KEYS.put("schema.include.list", TABLES);
    KEYS.put("schema.exclude.list", TABLES);
    KEYS.put("column.include.list", COLUMNS);
    KEYS.put("column.exclude.list", COLUMNS);
    KEYS.put("message.key.columns", "the output's key columns are the table's primary key");
    KEYS.put("decimal.handling.mode", TYPES);
    KEYS.put("interval.handling.mode", TYPES);
    KEYS.put("bigint.unsigned.handling.mode", TYPES);
    KEYS.put("binary.handling.mode", TYPES);
    KEYS.put("time.precision.mode", TYPES);
    KEYS.put("database.timezone", TYPES);
    KEYS.put("column.propagate.source.type", TYPES);
    KEYS.put("datatype.propagate.source.type", TYPES);
    KEYS.put("converters", TYPES);
    KEYS.put("tombstones.on.delete", ENVELOPES);
    KEYS.put("skipped.operations", ENVELOPES + " (truncates are changes of their own)");
    KEYS.put("include.schema.changes", ENVELOPES + "; HeliosDbIO checks schema changes itself");
    KEYS.put("provide.transaction.metadata", ENVELOPES);
    KEYS.put("database.connection.adapter", "HeliosDbIO reads Oracle through LogMiner");
    KEYS.put("log.mining.strategy", "HeliosDbIO reads LogMiner with the online catalog");
    PREFIXES.put("snapshot.", SNAPSHOTS);
    PREFIXES.put("incremental.snapshot.", SNAPSHOTS);
    PREFIXES.put("signal.", SNAPSHOTS + " and takes no signals");
    PREFIXES.put("offset.", "positions are kept in the pipeline's state, not an offset store");
    PREFIXES.put("schema.history.internal",
        "the schema history is kept in memory and rebuilt from the tables at each start");
    PREFIXES.put("database.ssl",
        "TLS is taken from the JDBC URL's parameters (sslmode, sslrootcert, trustStore...)");
    PREFIXES.put("transforms", "not applied: the log reader runs without Kafka Connect");
    PREFIXES.put("predicates", "not applied: the log reader runs without Kafka Connect");
    PREFIXES.put("key.converter", "not applied: the log reader runs without Kafka Connect");
    PREFIXES.put("value.converter", "not applied: the log reader runs without Kafka Connect");
    PREFIXES.put("header.converter", "not applied: the log reader runs without Kafka Connect");
  }

  private OwnedChangeProperties() {}

  /**
   * Why HeliosDbIO owns {@code key}, or null if a user may set it.
   */
  public static String reason(String key) {
    String reason = KEYS.get(key);
    if (reason != null) {
      return reason;
    }
    for (Map.Entry<String, String> prefix : PREFIXES.entrySet()) {
      if (key.startsWith(prefix.getKey())) {
        return prefix.getValue();
      }
    }
    return null;
  }

  /**
   * Checks that {@code properties} set no key HeliosDbIO owns.
   *
   * @param option the option that gave them, which starts the message
   * @throws IllegalArgumentException naming the first owned key and why
   */
  public static void check(String option, Map<String, String> properties) {
    for (String key : properties.keySet()) {
      String reason = reason(key);
      if (reason != null) {
        throw new IllegalArgumentException(
            option + ": '" + key + "' is set by HeliosDbIO and cannot be passed through: "
                + reason);
      }
    }
  }
}
