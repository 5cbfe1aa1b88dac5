package io.heliosdb.beam;

import io.heliosdb.beam.dialect.ChangeCaptureSettings;
import io.heliosdb.beam.dialect.Dialect;
import io.heliosdb.beam.pool.DirectConnections;
import io.heliosdb.beam.dialect.ExclusiveLogReader;
import io.heliosdb.beam.schema.TableId;
import io.heliosdb.beam.schema.TableMetadata;
import io.heliosdb.beam.sql.TablePart;
import java.sql.Connection;
import java.sql.SQLException;
import org.checkerframework.checker.nullness.qual.Nullable;
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
    try (Connection connection = connect(config)) {
      TableId id = dialect.resolveTable(connection, table);
      TableMetadata metadata = dialect.describeTable(connection, id);
      if (metadata.columns().isEmpty()) {
        String missing =
            id.namespace() != null && !dialect.namespaceExists(connection, id.namespace())
                ? "schema or database " + id.namespace()
                : "table " + id;
        throw new IllegalArgumentException(
            "withTable(\"" + table + "\"): " + missing + " does not exist in "
                + config.getRedactedUrl() + " or is not visible to user "
                + config.getUsername() + ". Check the name: unquoted parts are folded as the"
                + " database folds identifiers; quote a part (\"My Table\") to keep it as"
                + " written");
      }
      return metadata;
    } catch (SQLException e) {
      throw new HeliosDbException(
          "Cannot read the catalog entry of " + table + " in " + config.getRedactedUrl() + ": "
              + e.getMessage(), e);
    }
  }

  /**
   * Checks that the database accepts {@code filter} on the table, with its parameters bound: runs
   * it once, ANDed with a false condition, so that no row is read.
   *
   * @throws IllegalArgumentException naming the filter, the table and the database's reason
   */
  static void checkRowFilter(
      ConnectionConfiguration config, Dialect dialect, TableMetadata table,
      @Nullable RowFilter filter) {
    if (filter == null) {
      return;
    }
    TablePart part = new TablePart(java.util.List.of(), filter);
    String query = "SELECT 1 FROM " + dialect.quoteTable(table.table()) + part.where("1 = 0");
    try (Connection connection = connect(config);
        java.sql.PreparedStatement statement = connection.prepareStatement(query)) {
      part.bindFilter(dialect, statement, 1);
      statement.executeQuery().close();
    } catch (SQLException e) {
      throw new IllegalArgumentException(
          filter.describe() + ": the database rejects it on table " + table.table() + " ("
              + filter.getParameters().size() + " parameter(s) bound): " + e.getMessage(), e);
    }
  }

  /**
   * The tables a selection names, resolved against the catalog.
   *
   * @throws IllegalArgumentException if the selection selects no table
   */
  static java.util.List<TableId> resolve(
      ConnectionConfiguration config, Dialect dialect, TableSelection selection) {
    try (Connection connection = connect(config)) {
      return selection.resolve(connection, dialect);
    } catch (SQLException e) {
      throw new HeliosDbException(
          "Cannot list the tables of " + selection.describe() + " in " + config.getRedactedUrl()
              + ": " + e.getMessage(), e);
    }
  }

  /**
   * A connection of its own for a catalog read while the pipeline is built. Unlike a pooled one
   * (whose pool retries until its connect timeout, 30 s by default), it fails at once, with the
   * driver's reason, when the credentials or the database are wrong.
   *
   * @throws HeliosDbException naming the URL, the user and the reason, never the password
   */
  private static Connection connect(ConnectionConfiguration config) {
    try {
      return DirectConnections.open(config);
    } catch (SQLException e) {
      String reason = String.valueOf(e.getMessage()); // the password replaced (ConnectionSource)
      throw new HeliosDbException(
          "Cannot connect to " + config.getRedactedUrl() + " as user " + config.getUsername()
              + ": " + ConnectionConfiguration.redact(reason) + ". Check withConnection(...):"
              + " the URL's host, port and database, the user name and the password",
          e);
    }
  }

  /**
   * Logs a warning with the index to create when no index of the table starts with {@code column}:
   * every poll would scan the whole table.
   */
  static void warnIfNotIndexed(
      ConnectionConfiguration config, Dialect dialect, TableMetadata table, String column) {
    try (Connection connection = connect(config)) {
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

  /**
   * Checks that the server maps chunk reads onto its log, as snapshot then CDC needs ({@link
   * Dialect#checkConsistentReads}).
   *
   * @param option the read's options, which start the message
   * @throws IllegalArgumentException naming the option, the database and what it lacks
   */
  static void checkConsistentReads(ConnectionConfiguration config, Dialect dialect, String option) {
    try (Connection connection = connect(config)) {
      dialect.checkConsistentReads(connection);
    } catch (IllegalStateException e) {
      throw new IllegalArgumentException(
          option + ": " + config.getRedactedUrl() + ": " + e.getMessage(), e);
    } catch (SQLException e) {
      throw new HeliosDbException(
          "Cannot begin a consistent read in " + config.getRedactedUrl() + ": " + e.getMessage(),
          e);
    }
  }

  /** The position the database keeps for a CDC read's log reader ({@link Dialect#keptPosition}). */
  static @Nullable String keptPosition(
      ConnectionConfiguration config, Dialect dialect, ChangeCaptureSettings settings) {
    try (Connection connection = connect(config)) {
      return dialect.keptPosition(connection, settings);
    } catch (SQLException e) {
      throw new HeliosDbException(
          "Cannot read the replication slots of " + config.getRedactedUrl() + ": "
              + e.getMessage(), e);
    }
  }

  /** The {@code source} of the table's change envelopes ({@link Dialect#changeSource}). */
  static java.util.List<String> changeSource(
      ConnectionConfiguration config, Dialect dialect, io.heliosdb.beam.schema.TableId table) {
    try (Connection connection = connect(config)) {
      return new java.util.ArrayList<>(dialect.changeSource(connection, table));
    } catch (SQLException e) {
      throw new HeliosDbException(
          "Cannot read the database name of " + config.getRedactedUrl() + ": " + e.getMessage(),
          e);
    }
  }

  /**
   * Checks the database's CDC setup, and what a CDC read of each table needs of it, when the
   * pipeline is built ({@link Dialect#checkChangeCaptureSetup}, {@link
   * Dialect#checkChangeCaptureOf}), and that no other process streams with the read's slot
   * ({@link ExclusiveLogReader#checkLogReaderFree}) if {@code checkLogReaderFree}.
   *
   * @throws IllegalStateException naming the setting, privilege, table or slot at fault
   * @throws IllegalArgumentException if the start position is not in the server's log
   */
  static void checkChangeCapture(
      ConnectionConfiguration config, Dialect dialect, java.util.List<TableMetadata> tables,
      ChangeCaptureSettings settings, @Nullable String startPosition,
      boolean checkLogReaderFree) {
    try (Connection connection = connect(config)) {
      dialect.checkChangeCaptureSetup(connection);
      for (TableMetadata table : tables) {
        dialect.checkChangeCaptureOf(connection, table, settings, startPosition);
      }
      if (checkLogReaderFree && dialect instanceof ExclusiveLogReader exclusive) {
        exclusive.checkLogReaderFree(connection, settings);
      }
    } catch (SQLException e) {
      throw new HeliosDbException(
          "Cannot check the CDC setup of " + config.getRedactedUrl() + ": " + e.getMessage(), e);
    }
  }
}
