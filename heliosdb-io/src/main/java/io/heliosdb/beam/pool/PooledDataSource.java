package io.heliosdb.beam.pool;

import io.heliosdb.beam.HeliosDbException;
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

  /** A connection from the pool, or a {@link HeliosDbException} that names the database. */
  public Connection getConnection() {
    try {
      return dataSource.getConnection();
    } catch (SQLException e) {
      throw new HeliosDbException(
          "Cannot get a connection to " + description + ": " + e.getMessage(), e);
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
