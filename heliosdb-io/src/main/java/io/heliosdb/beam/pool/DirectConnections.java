package io.heliosdb.beam.pool;

import io.heliosdb.beam.ConnectionConfiguration;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;

/** Connections of their own, outside any pool, for work that must not hold a pooled one. */
public final class DirectConnections {
  private DirectConnections() {}

  /** Opens a connection with the URL, user and password of {@code config}. */
  public static Connection open(ConnectionConfiguration config) throws SQLException {
    Properties properties = new Properties();
    if (config.getUsername() != null) {
      properties.setProperty("user", config.getUsername());
    }
    if (config.password() != null) {
      properties.setProperty("password", config.password());
    }
    return DriverManager.getConnection(config.getJdbcUrl(), properties);
  }
}
