package io.heliosdb.beam.dialect;

import io.heliosdb.beam.schema.ColumnInfo;
import io.heliosdb.beam.schema.TableId;
import io.heliosdb.beam.schema.TableMetadata;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * What the dialects share: quoting with one quote character, table-name parsing and catalog
 * look-ups through {@link DatabaseMetaData}.
 */
abstract class CatalogDialect implements Dialect {
  private static final long serialVersionUID = 1L;

  private final char quote;

  CatalogDialect(char quote) {
    this.quote = quote;
  }

  @Override
  public String quoteIdentifier(String identifier) {
    String q = String.valueOf(quote);
    return q + identifier.replace(q, q + q) + q;
  }

  /** How the database folds an unquoted identifier. */
  abstract String foldUnquoted(String identifier);

  /** The connection's current schema or database, used when a table name has no namespace. */
  abstract String currentNamespace(Connection connection) throws SQLException;

  @Override
  public TableId resolveTable(Connection connection, String tableName) throws SQLException {
    List<String> parts = TableNameParser.split(tableName, quote, this::foldUnquoted);
    if (parts.size() == 1) {
      return new TableId(currentNamespace(connection), parts.get(0));
    }
    if (parts.size() == 2) {
      return new TableId(parts.get(0), parts.get(1));
    }
    throw new IllegalArgumentException(
        "withTable(\"" + tableName + "\"): expected table or namespace.table");
  }

  /**
   * The query behind {@link #listTables}: namespace and name of each base table, ordered; with
   * one {@code ?} for the namespace if {@code oneNamespace}.
   */
  abstract String listTablesSql(boolean oneNamespace);

  @Override
  public List<TableId> listTables(Connection connection, @Nullable String namespace)
      throws SQLException {
    List<TableId> tables = new ArrayList<>();
    RowHandler add = rs -> tables.add(new TableId(rs.getString(1), rs.getString(2)));
    if (namespace == null) {
      forEachRow(connection, listTablesSql(false), add);
    } else {
      forEachRow(connection, listTablesSql(true), add, namespace);
    }
    return tables;
  }

  /** The catalog and schema arguments of {@link DatabaseMetaData} calls for a table. */
  String[] catalogAndSchema(TableId table) {
    return new String[] {null, table.namespace()};
  }

  @Override
  public TableMetadata describeTable(Connection connection, TableId table) throws SQLException {
    DatabaseMetaData metaData = connection.getMetaData();
    String[] location = catalogAndSchema(table);
    String escape = metaData.getSearchStringEscape();
    List<ColumnInfo> columns = new ArrayList<>();
    try (ResultSet rs =
        metaData.getColumns(
            location[0], escapePattern(location[1], escape), escapePattern(table.name(), escape),
            "%")) {
      while (rs.next()) {
        if (!table.name().equals(rs.getString("TABLE_NAME"))) {
          continue;
        }
        String typeName = rs.getString("TYPE_NAME");
        columns.add(
            new ColumnInfo(
                rs.getString("COLUMN_NAME"),
                rs.getInt("DATA_TYPE"),
                typeName,
                typeName,
                rs.getInt("COLUMN_SIZE"),
                rs.getInt("DECIMAL_DIGITS"),
                rs.getInt("NULLABLE") != DatabaseMetaData.columnNoNulls));
      }
    }
    Map<Short, String> keyColumns = new TreeMap<>();
    try (ResultSet rs = metaData.getPrimaryKeys(location[0], location[1], table.name())) {
      while (rs.next()) {
        keyColumns.put(rs.getShort("KEY_SEQ"), rs.getString("COLUMN_NAME"));
      }
    }
    return new TableMetadata(
        table, columns, new ArrayList<>(keyColumns.values()), uniqueColumns(connection, table));
  }

  /** The columns that alone carry a unique index. */
  List<String> uniqueColumns(Connection connection, TableId table) throws SQLException {
    String[] location = catalogAndSchema(table);
    Map<String, List<String>> uniqueIndexes = new TreeMap<>();
    try (ResultSet rs =
        connection.getMetaData().getIndexInfo(location[0], location[1], table.name(), true,
            true)) {
      while (rs.next()) {
        String index = rs.getString("INDEX_NAME");
        String column = rs.getString("COLUMN_NAME");
        if (index != null && column != null && !rs.getBoolean("NON_UNIQUE")) {
          uniqueIndexes.computeIfAbsent(index, k -> new ArrayList<>()).add(column);
        }
      }
    }
    return singleColumns(uniqueIndexes);
  }

  @Override
  public boolean namespaceExists(Connection connection, String namespace) throws SQLException {
    DatabaseMetaData metaData = connection.getMetaData();
    try (ResultSet rs =
        metaData.getSchemas(null, escapePattern(namespace, metaData.getSearchStringEscape()))) {
      while (rs.next()) {
        if (namespace.equals(rs.getString("TABLE_SCHEM"))) {
          return true;
        }
      }
    }
    return false;
  }

  @Override
  public boolean hasIndexLeadingWith(Connection connection, TableId table, String column)
      throws SQLException {
    String[] location = catalogAndSchema(table);
    try (ResultSet rs =
        connection.getMetaData().getIndexInfo(location[0], location[1], table.name(), false,
            true)) {
      while (rs.next()) {
        if (rs.getInt("ORDINAL_POSITION") == 1 && column.equals(rs.getString("COLUMN_NAME"))) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * The Debezium settings every CDC read shares: the connector, one table, heartbeats, the poll
   * wait, exact decimals, no tombstones, and no retries inside the connector (failures surface to
   * the runner).
   */
  static Map<String, String> changeProperties(
      String connectorClass, ChangeCaptureSettings settings) {
    Map<String, String> properties = new java.util.HashMap<>();
    properties.put("connector.class", connectorClass);
    properties.put("topic.prefix", settings.sourceName());
    properties.put(
        "table.include.list",
        quotedList(settings.tables().stream().map(t -> t.namespace() + "." + t.name()).toList()));
    properties.put("heartbeat.interval.ms", String.valueOf(settings.heartbeatMillis()));
    properties.put("poll.interval.ms", String.valueOf(settings.pollMillis()));
    properties.put("decimal.handling.mode", "precise");
    properties.put("tombstones.on.delete", "false");
    properties.put("errors.max.retries", "0");
    return properties;
  }

  /** A Debezium include list matching exactly these names: quoted patterns, comma-separated. */
  static String quotedList(List<String> names) {
    return names.stream()
        .map(java.util.regex.Pattern::quote)
        .collect(java.util.stream.Collectors.joining(","));
  }

  /**
   * Settings of connectors that keep a schema history (binlog, LogMiner): kept in memory only and
   * rebuilt from the table's current schema at each start, so no history is stored anywhere.
   */
  static void rebuildSchemaHistoryAtStart(Map<String, String> properties) {
    properties.put(
        "schema.history.internal", "io.debezium.relational.history.MemorySchemaHistory");
    properties.put("schema.history.internal.store.only.captured.tables.ddl", "true");
    properties.put("include.schema.changes", "false");
    properties.put("snapshot.mode", "recovery");
  }

  /**
   * Settings of connectors whose changes HeliosDbIO checks and emits in full: truncates as
   * changes of their own ({@code op = "t"}; Debezium skips them by default), and each column's
   * declared type with every change, which {@code RetypedColumns} compares with the output
   * schema.
   */
  static void emitTruncatesAndDeclaredTypes(Map<String, String> properties) {
    properties.put("skipped.operations", "none");
    properties.put("column.propagate.source.type", ".*");
  }

  /** The columns of the indexes that have exactly one. */
  static List<String> singleColumns(Map<String, List<String>> indexes) {
    return indexes.values().stream().filter(c -> c.size() == 1).map(c -> c.get(0)).toList();
  }

  static String escapePattern(String name, String escape) {
    if (name == null || escape == null || escape.isEmpty()) {
      return name;
    }
    return name.replace(escape, escape + escape)
        .replace("_", escape + "_")
        .replace("%", escape + "%");
  }

  /** Handles one row of a catalog query. */
  @FunctionalInterface
  interface RowHandler {
    void accept(ResultSet rs) throws SQLException;
  }

  /** Runs a query with string parameters and hands each row to {@code handler}. */
  static void forEachRow(Connection connection, String sql, RowHandler handler, String... params)
      throws SQLException {
    try (PreparedStatement statement = connection.prepareStatement(sql)) {
      for (int i = 0; i < params.length; i++) {
        statement.setString(i + 1, params[i]);
      }
      try (ResultSet rs = statement.executeQuery()) {
        while (rs.next()) {
          handler.accept(rs);
        }
      }
    }
  }

  /** The text in a query of at most one row, or null if there is none. */
  static String queryString(Connection connection, String sql, String... params)
      throws SQLException {
    String[] value = {null};
    forEachRow(connection, sql, rs -> value[0] = rs.getString(1), params);
    return value[0];
  }

  /** The number in a query of at most one row, or {@code orElse} if there is none or NULL. */
  static long queryLong(Connection connection, String sql, long orElse, String... params)
      throws SQLException {
    long[] value = {orElse};
    forEachRow(
        connection,
        sql,
        rs -> {
          long v = rs.getLong(1);
          value[0] = rs.wasNull() ? orElse : v;
        },
        params);
    return value[0];
  }
}
