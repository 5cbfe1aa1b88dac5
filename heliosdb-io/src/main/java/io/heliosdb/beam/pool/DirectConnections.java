package io.heliosdb.beam.pool;

import io.heliosdb.beam.ConnectionConfiguration;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;
import java.util.ServiceLoader;
import org.checkerframework.checker.nullness.qual.Nullable;

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
        connect(config.getJdbcUrl(), properties), SessionInit.statements(config));
  }

  /**
   * Connects through {@code DriverManager}, else through a driver of this library's class loader
   * that accepts the URL: on a cluster's worker, {@code DriverManager} knows only the drivers
   * that the class loader of its first caller could see, which may not be the job's.
   */
  static Connection connect(String url, Properties properties) throws SQLException {
    try {
      return DriverManager.getConnection(url, properties);
    } catch (SQLException notRegistered) {
      Driver driver = driverFor(url);
      Connection connection = driver == null ? null : driver.connect(url, properties);
      if (connection == null) {
        throw notRegistered;
      }
      return connection;
    }
  }

  /** A JDBC driver of this library's class loader that accepts {@code url}, or null. */
  static @Nullable Driver driverFor(String url) throws SQLException {
    for (Driver driver :
        ServiceLoader.load(Driver.class, DirectConnections.class.getClassLoader())) {
      if (driver.acceptsURL(url)) {
        return driver;
      }
    }
    return null;
  }
}
