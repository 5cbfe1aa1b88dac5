package io.heliosdb.beam.dialect;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * How a chunk read maps exactly onto the change log, as snapshot then CDC needs: the read's
 * transaction, what it saw of the log, and the position of its rows. Part of {@link Dialect}.
 */
public interface ConsistentReads {

  /** A short name for logs and messages: {@code postgresql}, {@code mysql}, {@code oracle}. */
  String name();

  /**
   * Whether a chunk read can be mapped exactly onto the log ({@link #beginConsistentRead}), as
   * snapshot-then-CDC needs.
   */
  default boolean supportsConsistentReads() {
    return false;
  }

  /**
   * Begins the transaction of one chunk read so that the rows it reads are exactly the table as
   * of a point of the log, and returns that point as a token for {@link #changeVisibility}
   * (PostgreSQL: the transaction's snapshot; MariaDB: the binlog position of a consistent
   * snapshot). {@link Dialect#endStreaming} ends the transaction.
   */
  default String beginConsistentRead(Connection connection) throws SQLException {
    throw new UnsupportedOperationException(name() + " cannot map a chunk read onto its log");
  }

  /**
   * Checks, when the pipeline is built, that this server maps chunk reads onto its log: begins
   * one consistent read ({@link #beginConsistentRead}) and rolls it back.
   *
   * @throws IllegalStateException naming the server and what it lacks
   */
  default void checkConsistentReads(Connection connection) throws SQLException {
    beginConsistentRead(connection);
    connection.rollback();
  }

  /** Which changes of the log the chunk read of {@code token} already saw. */
  default ChangeVisibility changeVisibility(String token) {
    throw new UnsupportedOperationException(name() + " cannot map a chunk read onto its log");
  }

  /**
   * The position of the snapshot rows of a chunk read under {@code token}, as {@link
   * ChangeLogDialect#positionOf} writes positions: not after any change the stream emits for its keys.
   *
   * @param streamStart the position where the stream starts
   */
  default String snapshotPosition(String token, String streamStart) {
    return streamStart;
  }
}
