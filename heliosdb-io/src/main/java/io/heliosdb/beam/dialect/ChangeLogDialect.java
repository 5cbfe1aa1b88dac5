package io.heliosdb.beam.dialect;

import io.heliosdb.beam.schema.TableId;
import io.heliosdb.beam.schema.TableMetadata;
import java.sql.Connection;
import java.sql.SQLException;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * What a database's change log needs of HeliosDbIO's CDC: its setup checks, the Debezium
 * connector and its settings, preparing the log for a read (slot, publication, binlog position),
 * and positions, as the user and the output write them. Part of {@link Dialect}.
 */
public interface ChangeLogDialect {

  /** A short name for logs and messages: {@code postgresql}, {@code mysql}, {@code oracle}. */
  String name();

  /**
   * Checks that the database is set up for change data capture by this connection's user.
   *
   * @throws IllegalStateException naming the setting or privilege at fault and how to fix it
   */
  void checkChangeCaptureSetup(Connection connection) throws SQLException;

  /**
   * Checks, when the pipeline is built, what a CDC read of {@code table} needs beyond {@link
   * #checkChangeCaptureSetup} (PostgreSQL: a replica identity, and an existing slot of that name
   * usable; MariaDB: a binlog start position the server still has), so that these fail before
   * anything is created for the stream.
   *
   * @param startPosition the user's start position, already checked by {@link #checkPosition},
   *     or null
   * @throws IllegalStateException naming the table or slot at fault and how to fix it
   * @throws IllegalArgumentException naming {@code CdcOptions.withStartPosition} if the position
   *     is not in the server's log
   */
  default void checkChangeCaptureOf(
      Connection connection, TableMetadata table, ChangeCaptureSettings settings,
      String startPosition)
      throws SQLException {}

  /** The current end of the database's log, as a position string CDC mode accepts. */
  String currentLogPosition(Connection connection) throws SQLException;

  /**
   * How many bytes the server's log holds after {@code offset}, a change task's source offset;
   * -1 if unknown. For the {@code cdc_lag_bytes} metric.
   */
  default long logBytesBehind(Connection connection, java.util.Map<String, ?> offset)
      throws SQLException {
    return -1;
  }

  /** The Debezium connector task that reads this database's log. */
  String changeTaskClass();

  /**
   * The Debezium connector properties of a CDC read, except {@code database.user} and {@code
   * database.password}.
   */
  java.util.Map<String, String> changeTaskProperties(
      String jdbcUrl, String redactedUrl, ChangeCaptureSettings settings);

  /**
   * Prepares the log for a CDC read (PostgreSQL: the tables' publication and the replication slot,
   * created if missing) and returns the connector offset where the stream starts: {@code
   * startPosition} if given, else the slot's confirmed position or the log's current end.
   *
   * @throws IllegalArgumentException if {@code startPosition} is not a position of this database
   */
  java.util.Map<String, Object> prepareChangeCapture(
      Connection connection, ChangeCaptureSettings settings, String startPosition)
      throws SQLException;

  /**
   * The position the database keeps for the read's log reader, where a stream without a start
   * position resumes (PostgreSQL: the replication slot's confirmed position), or null if it keeps
   * none (no such slot; MySQL/MariaDB and Oracle keep none).
   */
  default @Nullable String keptPosition(
      Connection connection, ChangeCaptureSettings settings) throws SQLException {
    return null;
  }

  /**
   * Makes the log publish the read's tables before its reader starts, also when the stream
   * resumes from a checkpoint with another set of tables (PostgreSQL: adds the tables the
   * publication lacks, and drops those the read no longer captures from a publication HeliosDbIO
   * created). Nothing by default: the reader's include list selects the tables.
   */
  default void updateCapturedTables(Connection connection, ChangeCaptureSettings settings)
      throws SQLException {}

  /**
   * Checks the form of a user's start position when the pipeline is built.
   *
   * @throws IllegalArgumentException naming {@code CdcOptions.withStartPosition} and the forms
   *     this database accepts
   */
  void checkPosition(String position);

  /**
   * A change's position, as {@link #prepareChangeCapture} accepts it, from its offset and the
   * offset its stream started at (for what the connector leaves out of its first changes).
   */
  default String positionOf(java.util.Map<String, ?> offset, java.util.Map<String, ?> streamStart) {
    return positionOf(offset);
  }

  /** A change's position, as {@link #prepareChangeCapture} accepts it, from its offset. */
  String positionOf(java.util.Map<String, ?> offset);

  /**
   * The order key of a position of this database's log (of a change or of a snapshot's chunk):
   * fixed-width lowercase hexadecimal whose text order is {@code PositionOrder}'s, so that a sink
   * sorting by it as plain text applies changes in log order. Null where this database's position
   * has no such key.
   *
   * @throws IllegalArgumentException if the position is not one of this database's
   */
  default @Nullable String orderKey(String position) {
    return null;
  }

  /**
   * The order key of a change: {@code orderKey(position)} where {@code position} is {@link
   * #positionOf(java.util.Map, java.util.Map) positionOf(offset, streamStart)}. Dialects compute it
   * from the offset's numbers where they can, instead of parsing the text again for every change.
   */
  default @Nullable String orderKeyOf(
      String position, java.util.Map<String, ?> offset, java.util.Map<String, ?> streamStart) {
    return orderKey(position);
  }

  /**
   * The {@code source} of the table's change envelopes (database, schema or null, table), as the
   * log names them.
   */
  default java.util.List<String> changeSource(Connection connection, TableId table)
      throws SQLException {
    return java.util.Arrays.asList(connection.getCatalog(), table.namespace(), table.name());
  }
}
