package io.heliosdb.beam.pool;

import io.heliosdb.beam.ConnectionConfiguration;
import io.heliosdb.beam.DataSourceProvider;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.Properties;
import javax.sql.DataSource;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens the connections of a configuration: from the data source of its {@link
 * DataSourceProvider}, created at the first connection, else through the JDBC driver with the
 * URL, user, driver properties and the password, which is asked of the configuration (and so of
 * its password provider) for each connection. {@link #close()} closes a provided data source
 * that is {@link AutoCloseable}.
 */
final class ConnectionSource implements DataSource, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ConnectionSource.class);

  private final ConnectionConfiguration config;
  private @Nullable DataSource provided;
  private @Nullable Driver driver;
  private boolean closed;

  ConnectionSource(ConnectionConfiguration config) {
    this.config = config;
  }

  @Override
  public Connection getConnection() throws SQLException {
    if (config.getDataSourceProvider() != null) {
      return provided().getConnection();
    }
    Properties properties = new Properties();
    properties.putAll(config.getConnectionProperties());
    if (config.getUsername() != null) {
      properties.setProperty("user", config.getUsername());
    }
    String password = config.password();
    if (password != null) {
      properties.setProperty("password", password);
    }
    Connection connection;
    try {
      connection = driver().connect(config.getJdbcUrl(), properties);
    } catch (SQLException e) {
      throw withoutPassword(e, password);
    }
    if (connection == null) {
      throw new SQLException(
          "The JDBC driver does not accept the URL " + config.getRedactedUrl(), "08001");
    }
    return connection;
  }

  /**
   * The URL's driver, found at the first connection: {@code DriverManager}'s, else one of this
   * library's class loader, since on a cluster's worker {@code DriverManager} knows only the
   * drivers that the class loader of its first caller could see, which may not be the job's.
   */
  private synchronized Driver driver() throws SQLException {
    if (driver == null) {
      try {
        driver = DriverManager.getDriver(config.getJdbcUrl());
      } catch (SQLException notRegistered) {
        driver = DirectConnections.driverFor(config.getJdbcUrl());
        if (driver == null) {
          throw notRegistered;
        }
      }
    }
    return driver;
  }

  /** The provider's data source, created on the first call. */
  private synchronized DataSource provided() throws SQLException {
    if (closed) {
      throw new SQLException("The connections of " + config.getRedactedUrl() + " are closed");
    }
    if (provided == null) {
      DataSourceProvider provider = config.getDataSourceProvider();
      DataSource created;
      try {
        created = provider.create();
      } catch (Exception e) {
        throw new SQLException("The data source provider " + provider.getClass().getName()
            + " of ConnectionConfiguration.withDataSourceProvider failed: " + e, "08001", e);
      }
      if (created == null) {
        throw new SQLException("The data source provider " + provider.getClass().getName()
            + " of ConnectionConfiguration.withDataSourceProvider returned null", "08001");
      }
      provided = created;
    }
    return provided;
  }

  /** {@code e}, or a copy of it without cause whose message has the password replaced. */
  static SQLException withoutPassword(SQLException e, @Nullable String password) {
    String message = e.getMessage();
    if (password == null || password.isEmpty() || message == null
        || !message.contains(password)) {
      return e;
    }
    return new SQLException(message.replace(password, "***"), e.getSQLState(), e.getErrorCode());
  }

  @Override
  public synchronized void close() {
    closed = true;
    if (provided instanceof AutoCloseable closeable) {
      try {
        closeable.close();
      } catch (Exception e) {
        LOG.warn("[{}] closing the provided data source failed: {}", config.getRedactedUrl(),
            e.toString());
      }
    }
    provided = null;
  }

  @Override
  public Connection getConnection(String username, String password) throws SQLException {
    throw new SQLFeatureNotSupportedException(
        "the credentials come from the ConnectionConfiguration");
  }

  @Override
  public @Nullable PrintWriter getLogWriter() {
    return null;
  }

  @Override
  public void setLogWriter(PrintWriter out) {}

  @Override
  public void setLoginTimeout(int seconds) {}

  @Override
  public int getLoginTimeout() {
    return 0;
  }

  @Override
  public java.util.logging.Logger getParentLogger() throws SQLFeatureNotSupportedException {
    throw new SQLFeatureNotSupportedException("no java.util.logging logger");
  }

  @Override
  public <T> T unwrap(Class<T> type) throws SQLException {
    if (type.isInstance(this)) {
      return type.cast(this);
    }
    throw new SQLException("not a wrapper of " + type.getName());
  }

  @Override
  public boolean isWrapperFor(Class<?> type) {
    return type.isInstance(this);
  }
}
