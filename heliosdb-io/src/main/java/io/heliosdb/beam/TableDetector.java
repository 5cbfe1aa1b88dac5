package io.heliosdb.beam;

import io.heliosdb.beam.dialect.Dialect;
import io.heliosdb.beam.pool.ConnectionPools;
import io.heliosdb.beam.pool.PooledDataSource;
import io.heliosdb.beam.schema.TableId;
import io.heliosdb.beam.schema.TableMetadata;
import java.sql.Connection;
import java.sql.SQLException;

/** Reads a table's catalog entry when the pipeline is built. */
final class TableDetector {
  private TableDetector() {}

  /**
   * The table's columns and key.
   *
   * @throws IllegalArgumentException if the table does not exist
   * @throws HeliosDbException if the database cannot be reached
   */
  static TableMetadata detect(ConnectionConfiguration config, Dialect dialect, String table) {
    try (PooledDataSource pool = ConnectionPools.acquire(config);
        Connection connection = pool.getConnection()) {
      TableId id = dialect.resolveTable(connection, table);
      TableMetadata metadata = dialect.describeTable(connection, id);
      if (metadata.columns().isEmpty()) {
        throw new IllegalArgumentException(
            "withTable(\"" + table + "\"): table " + id + " does not exist in "
                + config.getRedactedUrl() + " or is not visible to user "
                + config.getUsername());
      }
      return metadata;
    } catch (SQLException e) {
      throw new HeliosDbException(
          "Cannot read the catalog entry of " + table + " in " + config.getRedactedUrl() + ": "
              + e.getMessage(), e);
    }
  }
}
