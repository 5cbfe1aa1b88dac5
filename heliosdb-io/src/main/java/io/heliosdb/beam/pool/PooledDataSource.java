package io.heliosdb.beam.pool;

import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.HikariPoolMXBean;
import io.heliosdb.beam.HeliosDbException;
import java.sql.Connection;
import java.sql.SQLException;

/** A reference to a shared pool; {@link #close()} gives the reference back exactly once. */
public final class PooledDataSource implements AutoCloseable {
  private final HikariDataSource dataSource;
  private final String description;
  private Runnable release;

  PooledDataSource(HikariDataSource dataSource, String description, Runnable release) {
    this.dataSource = dataSource;
    this.description = description;
    this.release = release;
  }

  /** Connection counts of the pool at one moment. */
  public record Stats(int active, int idle, int pending, int max) {}

  /**
   * A connection from the pool.
   *
   * @throws SQLException naming the database, with the SQLState and vendor code of the cause
   */
  public Connection getConnection() throws SQLException {
    long asked = System.currentTimeMillis();
    try {
      Connection connection = dataSource.getConnection();
      long waited = System.currentTimeMillis() - asked;
      if (waited >= ConnectionWarnings.SLOW_WAIT_MILLIS) {
        ConnectionWarnings.afterWait(dataSource.getPoolName(), description, waited, stats());
      }
      return connection;
    } catch (SQLException e) {
      // HikariCP's time-out names only the pool; the driver's reason is in its causes
      throw new SQLException(
          "Cannot get a connection to " + description + ": " + HeliosDbException.describe(e),
          e.getSQLState(), e.getErrorCode(), e);
    }
  }

  /** The pool's connections in use, idle, and threads waiting for one, and its maximum size. */
  public Stats stats() {
    HikariPoolMXBean pool = dataSource.getHikariPoolMXBean();
    int max = dataSource.getMaximumPoolSize();
    if (pool == null) {
      return new Stats(0, 0, 0, max);
    }
    return new Stats(
        pool.getActiveConnections(), pool.getIdleConnections(),
        pool.getThreadsAwaitingConnection(), max);
  }

  @Override
  public synchronized void close() {
    if (release != null) {
      release.run();
      release = null;
    }
  }
}
