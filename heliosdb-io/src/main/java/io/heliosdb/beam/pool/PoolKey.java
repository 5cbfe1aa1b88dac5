package io.heliosdb.beam.pool;

import io.heliosdb.beam.ConnectionConfiguration;

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
        config.credentialsFingerprint(),
        config.getMinConnections(),
        config.getMaxConnections(),
        config.getConnectTimeout().getMillis(),
        config.getIdleTimeout().getMillis(),
        config.getMaxLifetime().getMillis(),
        config.getConnectionProperties(),
        config.getConnectionInitSql());
  }

  /** The redacted URL and user: never the password, even one inside the URL. */
  @Override
  public String toString() {
    return description;
  }
}
