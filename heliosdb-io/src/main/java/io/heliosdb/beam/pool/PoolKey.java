package io.heliosdb.beam.pool;

import io.heliosdb.beam.ConnectionConfiguration;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * What makes two configurations share one pool: everything that changes the connections, with
 * the password as a SHA-256 fingerprint so that the key itself never holds it.
 */
record PoolKey(
    String description,
    String jdbcUrl,
    String username,
    String credentialsFingerprint,
    int minConnections,
    int maxConnections,
    long connectTimeoutMillis,
    long idleTimeoutMillis,
    long maxLifetimeMillis,
    java.util.Map<String, String> connectionProperties,
    java.util.List<String> connectionInitSql) {

  static PoolKey of(ConnectionConfiguration config) {
    return new PoolKey(
        config.getRedactedUrl() + " as " + config.getUsername(),
        config.getJdbcUrl(),
        String.valueOf(config.getUsername()),
        fingerprint(config.password()),
        config.getMinConnections(),
        config.getMaxConnections(),
        config.getConnectTimeout().getMillis(),
        config.getIdleTimeout().getMillis(),
        config.getMaxLifetime().getMillis(),
        config.getConnectionProperties(),
        config.getConnectionInitSql());
  }

  private static String fingerprint(String password) {
    if (password == null) {
      return "";
    }
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(sha.digest(password.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  /** The redacted URL and user: never the password, even one inside the URL. */
  @Override
  public String toString() {
    return description;
  }
}
