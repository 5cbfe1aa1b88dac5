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
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Everything that differs between databases. Code outside this package never asks which
 * database it talks to; it asks the dialect. Implementations are stateless and serializable.
 * This interface holds the SQL, the catalog and the type mapping; the change log ({@link
 * ChangeLogDialect}), consistent chunk reads ({@link ConsistentReads}) and error classification
 * ({@link FailureClassification}) each have their own, and so do the libraries its reads load
 * ({@link DatabaseLibraries}).
 */
public interface Dialect
    extends ChangeLogDialect, ConsistentReads, FailureClassification, DatabaseLibraries,
        Serializable {

  /** A short name for logs and display data: {@code postgresql}, {@code mysql}, {@code oracle}. */
  @Override
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
