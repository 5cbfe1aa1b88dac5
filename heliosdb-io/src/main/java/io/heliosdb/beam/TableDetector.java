package io.heliosdb.beam;

import io.heliosdb.beam.dialect.Dialect;
import io.heliosdb.beam.pool.ConnectionPools;
import io.heliosdb.beam.pool.PooledDataSource;
import io.heliosdb.beam.schema.TableId;
import io.heliosdb.beam.schema.TableMetadata;
import java.sql.Connection;
import java.sql.SQLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Reads a table's catalog entry when the pipeline is built. */
final class TableDetector {
  private static final Logger LOG = LoggerFactory.getLogger(TableDetector.class);

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

  /**
   * Logs a warning with the index to create when no index of the table starts with {@code column}:
   * every poll would scan the whole table.
   */
  static void warnIfNotIndexed(
      ConnectionConfiguration config, Dialect dialect, TableMetadata table, String column) {
    try (PooledDataSource pool = ConnectionPools.acquire(config);
        Connection connection = pool.getConnection()) {
      if (!dialect.hasIndexLeadingWith(connection, table.table(), column)) {
        String columns =
            java.util.stream.Stream.concat(
                    java.util.stream.Stream.of(column),
                    table.primaryKey().stream().filter(c -> !c.equals(column)))
                .map(dialect::quoteIdentifier)
                .collect(java.util.stream.Collectors.joining(", "));
        LOG.warn(
            "Tracking column {} of table {} has no index; each poll scans the whole table."
                + " Create one: CREATE INDEX {} ON {} ({})",
            column, table.table(),
            dialect.quoteIdentifier(table.table().name() + "_" + column + "_idx"),
            dialect.quoteTable(table.table()), columns);
      }
    } catch (SQLException e) {
      LOG.warn("Could not check the indexes of table {}: {}", table.table(), e.getMessage());
    }
  }

  /** The {@code source} of the table's change envelopes ({@link Dialect#changeSource}). */
  static java.util.List<String> changeSource(
      ConnectionConfiguration config, Dialect dialect, io.heliosdb.beam.schema.TableId table) {
    try (PooledDataSource pool = ConnectionPools.acquire(config);
        Connection connection = pool.getConnection()) {
      return new java.util.ArrayList<>(dialect.changeSource(connection, table));
    } catch (SQLException e) {
      throw new HeliosDbException(
          "Cannot read the database name of " + config.getRedactedUrl() + ": " + e.getMessage(),
          e);
    }
  }

  /**
   * Checks the database's CDC setup when the pipeline is built.
   *
   * @throws IllegalStateException naming the setting or privilege at fault
   */
  static void checkChangeCapture(ConnectionConfiguration config, Dialect dialect) {
    try (PooledDataSource pool = ConnectionPools.acquire(config);
        Connection connection = pool.getConnection()) {
      dialect.checkChangeCaptureSetup(connection);
    } catch (SQLException e) {
      throw new HeliosDbException(
          "Cannot check the CDC setup of " + config.getRedactedUrl() + ": " + e.getMessage(), e);
    }
  }
}
