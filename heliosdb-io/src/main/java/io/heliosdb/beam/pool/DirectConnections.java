package io.heliosdb.beam.pool;

import io.heliosdb.beam.ConnectionConfiguration;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.SQLException;
import java.util.ServiceLoader;
import org.checkerframework.checker.nullness.qual.Nullable;

/** Connections of their own, outside any pool, for work that must not hold a pooled one. */
public final class DirectConnections {
  private DirectConnections() {}

  /**
   * Opens a connection of {@code config} ({@link ConnectionSource}: its data source provider's,
   * else the driver's with the URL, user, password and properties) and runs its init statements
   * ({@link SessionInit}). A data source the provider created for it is closed with it.
   */
  public static Connection open(ConnectionConfiguration config) throws SQLException {
    ConnectionSource source = new ConnectionSource(config);
    Connection connection;
    try {
      connection = source.getConnection();
    } catch (SQLException | RuntimeException e) {
      source.close();
      throw e;
    }
    if (config.getDataSourceProvider() != null) {
      connection = closingWith(connection, source);
    }
    return SessionInit.initialize(connection, SessionInit.statements(config));
  }

  /** {@code connection}, closing {@code source} once it is closed. */
  private static Connection closingWith(Connection connection, ConnectionSource source) {
    return (Connection) java.lang.reflect.Proxy.newProxyInstance(
        DirectConnections.class.getClassLoader(), new Class<?>[] {Connection.class},
        (proxy, method, arguments) -> {
          try {
            return method.invoke(connection, arguments);
          } catch (java.lang.reflect.InvocationTargetException e) {
            throw e.getCause();
          } finally {
            if (method.getName().equals("close") && method.getParameterCount() == 0) {
              source.close();
            }
          }
        });
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
