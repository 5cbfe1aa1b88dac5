package io.heliosdb.beam.dialect;

import io.heliosdb.beam.schema.TableId;
import java.io.Serializable;
import java.net.URI;

/**
 * What a dialect needs to configure the Debezium connector of a CDC read.
 *
 * @param sourceName a name unique per running source in a JVM (Debezium's {@code topic.prefix})
 * @param slotName the PostgreSQL replication slot
 * @param publicationName the PostgreSQL publication
 * @param serverId the server id of a MySQL/MariaDB binlog reader
 * @param heartbeatMillis heartbeat interval
 * @param pollMillis how long the connector's poll waits for changes
 */
public record ChangeCaptureSettings(
    TableId table,
    String sourceName,
    String slotName,
    String publicationName,
    long serverId,
    long heartbeatMillis,
    long pollMillis)
    implements Serializable {

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
