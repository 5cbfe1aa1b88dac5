package io.heliosdb.beam.dialect;

import io.heliosdb.beam.schema.ColumnInfo;
import io.heliosdb.beam.schema.ColumnMapping;
import io.heliosdb.beam.schema.TableId;
import io.heliosdb.beam.schema.TableMetadata;
import java.io.Serializable;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Throwables;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Everything that differs between databases. Code outside this package never asks which
 * database it talks to; it asks the dialect. Implementations are stateless and serializable.
 */
public interface Dialect extends Serializable {

  /** A short name for logs and display data: {@code postgresql}, {@code mysql}, {@code oracle}. */
  String name();

  /** Quotes an identifier, escaping any quote character inside it. */
  String quoteIdentifier(String identifier);

  /** The quoted, qualified name of a table, for SQL. */
  default String quoteTable(TableId table) {
    return table.namespace() == null
        ? quoteIdentifier(table.name())
        : quoteIdentifier(table.namespace()) + "." + quoteIdentifier(table.name());
  }

  /** {@code SELECT} every column of the table, in catalog order, {@code FROM} the table. */
  default String selectAll(TableMetadata table) {
    StringBuilder sql = new StringBuilder("SELECT ");
    for (int i = 0; i < table.columns().size(); i++) {
      sql.append(i == 0 ? "" : ", ").append(quoteIdentifier(table.columns().get(i).name()));
    }
    return sql.append(" FROM ").append(quoteTable(table.table())).toString();
  }

  /**
   * Resolves a user's table name ({@code orders}, {@code public.orders}, {@code "My Table"}) to
   * the catalog's identifiers: quoted parts are taken as written, unquoted ones folded as the
   * database folds them, and a missing namespace is the connection's current one.
   */
  TableId resolveTable(Connection connection, String tableName) throws SQLException;

  /** The table's columns and primary key; no columns if the table does not exist. */
  TableMetadata describeTable(Connection connection, TableId table) throws SQLException;

  /**
   * Whether a namespace (PostgreSQL schema, MySQL database, Oracle owner) exists and is visible
   * to the connection's user; for the message of a table that does not exist.
   */
  default boolean namespaceExists(Connection connection, String namespace) throws SQLException {
    return true;
  }

  /**
   * The base tables of {@code namespace}, or of every namespace when it is null (the database's
   * own namespaces excluded), that the connection's user can see, ordered by namespace and name.
   * Views are not listed.
   */
  List<TableId> listTables(Connection connection, @Nullable String namespace)
      throws SQLException;

  /** The Beam mapping of a column's type, or empty when this dialect has none. */
  Optional<ColumnMapping> mapColumn(ColumnInfo column);

  /**
   * SQL run once on every new pooled connection before its first use, or null for none (MySQL:
   * the session's time zone).
   */
  default @Nullable String connectionInitSql() {
    return null;
  }

  /**
   * A column as the change log declares it (the type name, length and scale the connector
   * reports with each change), described as {@link #describeTable} describes columns, so that
   * {@link #mapColumn} maps it and its {@link ColumnInfo#describeType} compares with the
   * catalog's.
   *
   * @param length the declared length or precision, 0 if none
   * @param scale the declared scale, 0 if none
   */
  default ColumnInfo columnOfLog(String name, String type, int length, int scale) {
    return new ColumnInfo(name, 0, type, type, length, scale, true);
  }

  /** The clause that limits a query to {@code ?} rows, placed after ORDER BY. */
  String limitClause();

  /**
   * Makes {@code statement} stream its result in batches of about {@code fetchSize} rows instead
   * of loading it whole (PostgreSQL: a cursor, which needs autocommit off).
   */
  void configureStreaming(Connection connection, Statement statement, int fetchSize)
      throws SQLException;

  /** Ends the read-only transaction that {@link #configureStreaming} may have opened. */
  default void endStreaming(Connection connection) throws SQLException {
    if (!connection.getAutoCommit()) {
      connection.commit();
    }
  }

  /** The catalog's estimate of the table's row count, or a value below 1 if it has none. */
  long estimateRowCount(Connection connection, TableId table) throws SQLException;

  /** Binds a Beam field value (for example a chunk boundary) as a statement parameter. */
  default void bindValue(PreparedStatement statement, int index, Object value)
      throws SQLException {
    if (value instanceof byte[] bytes) {
      statement.setBytes(index, bytes);
    } else if (value instanceof Instant instant) {
      statement.setObject(index, instant.atOffset(ZoneOffset.UTC));
    } else {
      statement.setObject(index, value);
    }
  }

  /**
   * A query of one row for incremental reads: the database's current time minus a delay, first as
   * a value of {@code trackingColumn}'s type (compared with the column, read by its mapping), then
   * the same moment as a UTC date-time. Both parameters are the delay in microseconds.
   */
  String commitCutoffQuery(ColumnInfo trackingColumn);

  /** SQL for the database's current time as a UTC date-time (a timestamp without zone). */
  String utcNowExpression();

  /**
   * A query of one row: the greatest value of {@code column} in {@code table}, then the database's
   * current UTC date-time ({@link #utcNowExpression()}).
   */
  default String maxWithClockQuery(TableId table, String column) {
    return "SELECT MAX(" + quoteIdentifier(column) + "), " + utcNowExpression() + " FROM "
        + quoteTable(table);
  }

  /** Whether an index of the table has {@code column} as its first column. */
  boolean hasIndexLeadingWith(Connection connection, TableId table, String column)
      throws SQLException;

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
  default @org.checkerframework.checker.nullness.qual.Nullable String keptPosition(
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
   * Whether an error is worth retrying, by the SQLState (and vendor code) of it and the errors it
   * chains: connection exceptions (class {@code 08}), shutdowns ({@code 57P0x}), too many
   * connections ({@code 53300}) are {@link FailureKind#CONNECTION}; serialization failures and
   * deadlocks ({@code 40001}, {@code 40P01}) and cancelled statements ({@code 57014}) are {@link
   * FailureKind#TRANSIENT}; everything else is {@link FailureKind#PERMANENT}, and so is any error
   * that an authentication ({@code 28}) or missing-database ({@code 3D}) error caused, such as a
   * pool timing out because of it.
   */
  default FailureKind classify(SQLException error) {
    for (Throwable e : Throwables.getCausalChain(error)) {
      // a pool timing out because the credentials or database are wrong: permanent
      if (e instanceof SQLException sql && sql.getSQLState() != null
          && (sql.getSQLState().startsWith("28") || sql.getSQLState().startsWith("3D"))) {
        return FailureKind.PERMANENT;
      }
    }
    FailureKind kind = FailureKind.PERMANENT;
    for (Throwable e : Throwables.getCausalChain(error)) {
      if (e instanceof java.sql.SQLTransientConnectionException
          || e instanceof java.sql.SQLRecoverableException) {
        return FailureKind.CONNECTION;
      }
      if (e instanceof SQLException sql) {
        FailureKind byState = classifyState(sql.getSQLState(), sql.getErrorCode());
        if (byState == FailureKind.CONNECTION) {
          return byState;
        }
        if (byState == FailureKind.TRANSIENT) {
          kind = byState;
        }
      }
    }
    return kind;
  }

  /** {@link #classify} of one error's SQLState (may be null) and vendor code. */
  default FailureKind classifyState(String sqlState, int vendorCode) {
    if (sqlState == null) {
      return FailureKind.PERMANENT;
    }
    if (sqlState.startsWith("08") || sqlState.startsWith("57P") || sqlState.equals("53300")) {
      return FailureKind.CONNECTION;
    }
    if (sqlState.equals("40001") || sqlState.equals("40P01") || sqlState.equals("57014")) {
      return FailureKind.TRANSIENT;
    }
    return FailureKind.PERMANENT;
  }

  /**
   * The {@code source} of the table's change envelopes (database, schema or null, table), as the
   * log names them.
   */
  default java.util.List<String> changeSource(Connection connection, TableId table)
      throws SQLException {
    return java.util.Arrays.asList(connection.getCatalog(), table.namespace(), table.name());
  }

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
   * snapshot). {@link #endStreaming} ends the transaction.
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
   * #positionOf} writes positions: not after any change the stream emits for its keys.
   *
   * @param streamStart the position where the stream starts
   */
  default String snapshotPosition(String token, String streamStart) {
    return streamStart;
  }

  /**
   * Whether tables without a key can be split by physical page ranges (PostgreSQL's {@code
   * ctid}).
   */
  default boolean supportsPageRanges() {
    return false;
  }

  /** The number of pages the table occupies; only if {@link #supportsPageRanges()}. */
  default long pageCount(Connection connection, TableId table) throws SQLException {
    throw new UnsupportedOperationException(name() + " cannot split tables by pages");
  }

  /**
   * A predicate selecting the rows on pages {@code [from, to)}, with two parameters bound by
   * {@link #bindPageRange}; only if {@link #supportsPageRanges()}.
   */
  default String pageRangePredicate() {
    throw new UnsupportedOperationException(name() + " cannot split tables by pages");
  }

  /**
   * How page-range readers share one snapshot of the table, or null if this dialect cannot export
   * snapshots; only if {@link #supportsPageRanges()}.
   */
  default @org.checkerframework.checker.nullness.qual.Nullable SnapshotExport snapshotExport() {
    return null;
  }

  /** Binds the two parameters of {@link #pageRangePredicate()}. */
  default void bindPageRange(PreparedStatement statement, int index, long from, long to)
      throws SQLException {
    throw new UnsupportedOperationException(name() + " cannot split tables by pages");
  }
}
