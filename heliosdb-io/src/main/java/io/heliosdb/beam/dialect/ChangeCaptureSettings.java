package io.heliosdb.beam.dialect;

import io.heliosdb.beam.schema.TableId;
import java.io.Serializable;
import java.net.URI;
import java.util.List;

/**
 * What a dialect needs to configure the Debezium connector of a CDC read: one log reader for
 * every table of the read.
 *
 * @param tables the tables whose changes the reader captures, at least one
 * @param sourceName a name unique per running source in a JVM (Debezium's {@code topic.prefix})
 * @param slotName the PostgreSQL replication slot
 * @param publicationName the PostgreSQL publication
 * @param serverId the server id of a MySQL/MariaDB binlog reader
 * @param heartbeatMillis heartbeat interval
 * @param pollMillis how long the connector's poll waits for changes
 * @param debeziumProperties the user's Debezium settings (none of {@link OwnedChangeProperties}),
 *     passed to the connector with the dialect's
 */
public record ChangeCaptureSettings(
    List<TableId> tables,
    String sourceName,
    String slotName,
    String publicationName,
    long serverId,
    long heartbeatMillis,
    long pollMillis,
    java.util.Map<String, String> debeziumProperties)
    implements Serializable {

  public ChangeCaptureSettings {
    tables = List.copyOf(tables);
    debeziumProperties = java.util.Map.copyOf(debeziumProperties);
    if (tables.isEmpty()) {
      throw new IllegalArgumentException("a CDC read needs at least one table");
    }
  }

  /** Settings without Debezium properties of the user's. */
  public ChangeCaptureSettings(List<TableId> tables, String sourceName, String slotName,
      String publicationName, long serverId, long heartbeatMillis, long pollMillis) {
    this(tables, sourceName, slotName, publicationName, serverId, heartbeatMillis, pollMillis,
        java.util.Map.of());
  }

  /** The tables as a user names them in messages: {@code shop.orders} or {@code 3 tables [...]}. */
  public String describeTables() {
    return tables.size() == 1
        ? tables.get(0).toString()
        : tables.size() + " tables " + tables;
  }

  /** What the read captures, as messages name it: {@code table shop.orders} or {@link #describeTables}. */
  public String subject() {
    return tables.size() == 1 ? "table " + tables.get(0) : describeTables();
  }

  /** The distinct namespaces of the tables, in order. */
  public List<String> namespaces() {
    return tables.stream().map(TableId::namespace).distinct().toList();
  }

  /** Host, port and database of a {@code jdbc:<driver>://host[:port]/database} URL. */
  public record Endpoint(String host, int port, String database) {}

  /**
   * Parses the endpoint of a JDBC URL.
   *
   * @throws IllegalArgumentException if the URL has no {@code //host/database} part
   */
  public static Endpoint endpoint(String jdbcUrl, int defaultPort, String redactedUrl) {
    try {
      URI uri = URI.create(jdbcUrl.substring(jdbcUrl.indexOf(':') + 1));
      String path = uri.getPath() == null ? "" : uri.getPath().replaceFirst("^/", "");
      if (uri.getHost() == null || path.isEmpty()) {
        throw new IllegalArgumentException("no host or database");
      }
      return new Endpoint(uri.getHost(), uri.getPort() < 0 ? defaultPort : uri.getPort(), path);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "CDC needs a URL of the form jdbc:<driver>://host[:port]/database, not " + redactedUrl,
          e);
    }
  }
}
