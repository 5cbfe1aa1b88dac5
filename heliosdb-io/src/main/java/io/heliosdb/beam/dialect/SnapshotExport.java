package io.heliosdb.beam.dialect;

import io.heliosdb.beam.schema.TableId;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * A database whose sessions can read in a snapshot that another session exported and keeps open
 * (PostgreSQL's {@code pg_export_snapshot()}, as parallel {@code pg_dump} uses it), so that
 * readers in separate transactions, connections and processes all see a table as of one moment.
 */
public interface SnapshotExport {

  /**
   * Begins, on a connection of its own, a read-only transaction that exports its snapshot and
   * holds a lock that keeps the rows of {@code table} where they are (no rewrite of the table
   * until it ends) without blocking reads or writes. The connection must stay in this transaction
   * while readers import the snapshot.
   */
  ExportedSnapshot export(Connection connection, TableId table) throws SQLException;

  /**
   * Begins on {@code connection} a read-only transaction that reads in {@code snapshot}; {@link
   * Dialect#endStreaming} ends it.
   *
   * @throws SQLException for which {@link #isSnapshotGone} holds if the exporting transaction
   *     ended
   */
  void beginReadIn(Connection connection, ExportedSnapshot snapshot) throws SQLException;

  /** Whether {@link #beginReadIn} failed because the snapshot no longer exists. */
  boolean isSnapshotGone(SQLException error);

  /**
   * How many sessions read in {@code snapshot} at this moment, asked on the exporting {@code
   * connection}.
   */
  long readersOf(Connection connection, ExportedSnapshot snapshot) throws SQLException;

  /**
   * Ends the session that exports {@code snapshot}, from another connection of the same user.
   *
   * @return whether that session was still there
   */
  boolean endExporter(Connection connection, ExportedSnapshot snapshot) throws SQLException;
}
