package io.heliosdb.beam.pool;

import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;

/** A reference to a shared pool; {@link #close()} gives the reference back exactly once. */
public final class PooledDataSource implements AutoCloseable {
  private final DataSource dataSource;
  private final String description;
  private Runnable release;

  PooledDataSource(DataSource dataSource, String description, Runnable release) {
    this.dataSource = dataSource;
    this.description = description;
    this.release = release;
  }

  /**
   * A connection from the pool.
   *
   * @throws SQLException naming the database, with the SQLState and vendor code of the cause
   */
  public Connection getConnection() throws SQLException {
    try {
      return dataSource.getConnection();
    } catch (SQLException e) {
      throw new SQLException(
          "Cannot get a connection to " + description + ": " + e.getMessage(), e.getSQLState(),
          e.getErrorCode(), e);
    }
  }

  @Override
  public synchronized void close() {
    if (release != null) {
      release.run();
      release = null;
    }
  }
}
