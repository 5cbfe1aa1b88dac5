package io.heliosdb.beam.dialect;

import io.heliosdb.beam.schema.ColumnInfo;
import io.heliosdb.beam.schema.ColumnMapping;
import io.heliosdb.beam.schema.Mappings;
import io.heliosdb.beam.schema.TableId;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.Optional;

/** PostgreSQL: pgjdbc cursors for streaming, {@code ctid} page ranges for tables without key. */
public final class PostgresDialect extends CatalogDialect {
  private static final long serialVersionUID = 1L;

  public PostgresDialect() {
    super('"');
  }

  @Override
  public String name() {
    return "postgresql";
  }

  @Override
  String foldUnquoted(String identifier) {
    return identifier.toLowerCase(Locale.ROOT);
  }

  @Override
  String currentNamespace(Connection connection) throws SQLException {
    return connection.getSchema();
  }

  @Override
  public Optional<ColumnMapping> mapColumn(ColumnInfo column) {
    String type = column.typeName();
    if (type.startsWith("_")) {
      Optional<ColumnMapping> element =
          scalar(new ColumnInfo(column.name(), 0, type.substring(1), "", 0, 0, true));
      return element.map(Mappings::arrayOf);
    }
    return scalar(column);
  }

  private static Optional<ColumnMapping> scalar(ColumnInfo column) {
    ColumnMapping mapping =
        switch (column.typeName()) {
          case "int2", "smallserial" -> Mappings.INT16;
          case "int4", "serial" -> Mappings.INT32;
          case "int8", "bigserial", "oid" -> Mappings.INT64;
          case "float4" -> Mappings.FLOAT;
          case "float8" -> Mappings.DOUBLE;
          case "numeric" -> Mappings.DECIMAL;
          case "bool" -> Mappings.BOOLEAN;
          case "bit" -> column.precision() == 1 ? Mappings.BOOLEAN : Mappings.STRING;
          case "varbit",
              "char",
              "bpchar",
              "varchar",
              "text",
              "name",
              "citext",
              "json",
              "jsonb",
              "xml",
              "interval",
              "timetz" -> Mappings.STRING;
          case "bytea" -> Mappings.BYTES;
          case "date" -> Mappings.LOCAL_DATE;
          case "time" -> Mappings.LOCAL_TIME;
          case "timestamp" -> Mappings.LOCAL_DATE_TIME;
          case "timestamptz" -> Mappings.INSTANT_FROM_OFFSET;
          case "uuid" -> Mappings.UUID_OBJECT;
          default -> null;
        };
    if (mapping != null) {
      return Optional.of(mapping);
    }
    // user-defined enums are reported as VARCHAR by pgjdbc
    return column.jdbcType() == java.sql.Types.VARCHAR
        ? Optional.of(Mappings.STRING)
        : Optional.empty();
  }

  @Override
  public String limitClause() {
    return "LIMIT ?";
  }

  @Override
  public void configureStreaming(Connection connection, Statement statement, int fetchSize)
      throws SQLException {
    connection.setAutoCommit(false); // pgjdbc uses a cursor only inside a transaction
    statement.setFetchSize(fetchSize);
  }

  @Override
  public String commitCutoffQuery(ColumnInfo trackingColumn) {
    String cutoff = "CURRENT_TIMESTAMP - CAST(? AS bigint) * INTERVAL '1 microsecond'";
    String typed =
        trackingColumn.typeName().equals("timestamptz")
            ? cutoff
            : "LOCALTIMESTAMP - CAST(? AS bigint) * INTERVAL '1 microsecond'";
    return "SELECT " + typed + ", (" + cutoff + ") AT TIME ZONE 'UTC'";
  }

  @Override
  public String utcNowExpression() {
    return "CURRENT_TIMESTAMP AT TIME ZONE 'UTC'";
  }

  @Override
  public void checkChangeCaptureSetup(Connection connection) throws SQLException {
    String walLevel = queryString(connection, "SHOW wal_level");
    if (!"logical".equals(walLevel)) {
      throw new IllegalStateException(
          "CDC on PostgreSQL needs wal_level = logical, but the server runs with wal_level = "
              + walLevel + ". Run ALTER SYSTEM SET wal_level = logical (or set it in"
              + " postgresql.conf) and restart the server");
    }
    String user = connection.getMetaData().getUserName();
    long allowed =
        queryLong(
            connection,
            "SELECT CASE WHEN rolreplication OR rolsuper THEN 1 ELSE 0 END FROM pg_roles"
                + " WHERE rolname = current_user",
            0);
    if (allowed == 0) {
      throw new IllegalStateException(
          "CDC on PostgreSQL needs the REPLICATION privilege, which user " + user
              + " lacks. Run ALTER ROLE " + quoteIdentifier(user) + " WITH REPLICATION, or"
              + " connect as a role that has it");
    }
  }

  @Override
  public String currentLogPosition(Connection connection) throws SQLException {
    return queryString(connection, "SELECT CAST(pg_current_wal_lsn() AS text)");
  }

  @Override
  public long estimateRowCount(Connection connection, TableId table) throws SQLException {
    return queryLong(
        connection,
        "SELECT c.reltuples::bigint FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            + " WHERE n.nspname = ? AND c.relname = ?",
        -1,
        table.namespace(),
        table.name());
  }

  @Override
  public boolean supportsPageRanges() {
    return true;
  }

  @Override
  public long pageCount(Connection connection, TableId table) throws SQLException {
    return queryLong(
        connection,
        "SELECT pg_relation_size(c.oid) / current_setting('block_size')::bigint FROM pg_class c"
            + " JOIN pg_namespace n ON n.oid = c.relnamespace"
            + " WHERE n.nspname = ? AND c.relname = ?",
        0,
        table.namespace(),
        table.name());
  }

  @Override
  public String pageRangePredicate() {
    return "ctid >= CAST(? AS tid) AND ctid < CAST(? AS tid)";
  }

  @Override
  public void bindPageRange(PreparedStatement statement, int index, long from, long to)
      throws SQLException {
    statement.setString(index, "(" + from + ",0)");
    statement.setString(index + 1, "(" + to + ",0)");
  }
}
