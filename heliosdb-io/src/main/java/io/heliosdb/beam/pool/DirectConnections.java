package io.heliosdb.beam.pool;

import io.heliosdb.beam.ConnectionConfiguration;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;

/** Connections of their own, outside any pool, for work that must not hold a pooled one. */
public final class DirectConnections {
  private DirectConnections() {}

  /**
   * Opens a connection with the URL, user, password and properties of {@code config}, and runs
   * its init statements ({@link SessionInit}).
   */
  public static Connection open(ConnectionConfiguration config) throws SQLException {
    Properties properties = new Properties();
    properties.putAll(config.getConnectionProperties());
    if (config.getUsername() != null) {
      properties.setProperty("user", config.getUsername());
    }
    if (config.password() != null) {
      properties.setProperty("password", config.password());
    }
    return SessionInit.initialize(
        DriverManager.getConnection(config.getJdbcUrl(), properties),
        SessionInit.statements(config));
  }
}
