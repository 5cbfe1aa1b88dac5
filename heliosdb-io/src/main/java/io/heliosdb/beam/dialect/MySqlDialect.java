package io.heliosdb.beam.dialect;

import io.heliosdb.beam.schema.ColumnInfo;
import io.heliosdb.beam.schema.ColumnMapping;
import io.heliosdb.beam.schema.Mappings;
import io.heliosdb.beam.schema.TableId;
import io.heliosdb.beam.schema.TableMetadata;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.Optional;
import java.util.UUID;

/**
 * MySQL and MariaDB, through MariaDB Connector/J ({@code jdbc:mariadb:}) or MySQL Connector/J
 * ({@code jdbc:mysql:}). Columns come from {@code information_schema}, whose {@code column_type}
 * tells signedness, {@code tinyint(1)} booleans and {@code set} members alike for both drivers.
 */
public final class MySqlDialect extends CatalogDialect {
  private static final long serialVersionUID = 1L;

  private final boolean mysqlDriver;

  /**
   * @param mysqlDriver true for MySQL Connector/J, which streams only with a fetch size of {@link
   *     Integer#MIN_VALUE}; MariaDB Connector/J streams with any positive fetch size
   */
  public MySqlDialect(boolean mysqlDriver) {
    super('`');
    this.mysqlDriver = mysqlDriver;
  }

  @Override
  public String name() {
    return "mysql";
  }

  @Override
  String foldUnquoted(String identifier) {
    return identifier;
  }

  @Override
  String currentNamespace(Connection connection) throws SQLException {
    return connection.getCatalog();
  }

  @Override
  public TableMetadata describeTable(Connection connection, TableId table) throws SQLException {
    String where =
        " WHERE table_schema = ? AND CAST(table_name AS BINARY) = CAST(? AS BINARY)";
    List<ColumnInfo> columns = new ArrayList<>();
    forEachRow(
        connection,
        "SELECT column_name, data_type, column_type,"
            + " COALESCE(numeric_precision, character_maximum_length, 0),"
            + " COALESCE(numeric_scale, 0), is_nullable FROM information_schema.columns"
            + where + " ORDER BY ordinal_position",
        rs -> columns.add(
            new ColumnInfo(
                rs.getString(1),
                0,
                rs.getString(2),
                rs.getString(3),
                (int) Math.min(Integer.MAX_VALUE, rs.getLong(4)),
                rs.getInt(5),
                "YES".equals(rs.getString(6)))),
        table.namespace(),
        table.name());
    List<String> key = new ArrayList<>();
    forEachRow(
        connection,
        "SELECT column_name FROM information_schema.key_column_usage" + where
            + " AND constraint_name = 'PRIMARY' ORDER BY ordinal_position",
        rs -> key.add(rs.getString(1)),
        table.namespace(),
        table.name());
    Map<String, List<String>> uniqueIndexes = new TreeMap<>();
    forEachRow(
        connection,
        "SELECT index_name, column_name FROM information_schema.statistics" + where
            + " AND non_unique = 0 ORDER BY index_name, seq_in_index",
        rs -> uniqueIndexes.computeIfAbsent(rs.getString(1), k -> new ArrayList<>())
            .add(rs.getString(2)),
        table.namespace(),
        table.name());
    return new TableMetadata(table, columns, key, singleColumns(uniqueIndexes));
  }

  @Override
  public Optional<ColumnMapping> mapColumn(ColumnInfo column) {
    boolean unsigned = column.columnType().contains("unsigned");
    return Optional.ofNullable(
        switch (column.typeName()) {
          case "tinyint" -> column.columnType().startsWith("tinyint(1)")
              ? Mappings.BOOLEAN
              : unsigned ? Mappings.INT16 : Mappings.BYTE;
          case "smallint" -> unsigned ? Mappings.INT32 : Mappings.INT16;
          case "mediumint" -> Mappings.INT32;
          case "int", "integer" -> unsigned ? Mappings.INT64 : Mappings.INT32;
          case "bigint" -> unsigned ? Mappings.DECIMAL : Mappings.INT64;
          case "decimal", "numeric" -> Mappings.DECIMAL;
          case "float" -> Mappings.FLOAT;
          case "double", "real" -> Mappings.DOUBLE;
          case "bit" -> column.precision() == 1 ? Mappings.BOOLEAN : Mappings.INT64;
          case "char",
              "varchar",
              "tinytext",
              "text",
              "mediumtext",
              "longtext",
              "enum",
              "json" -> Mappings.STRING;
          case "set" -> Mappings.STRING_SET;
          case "binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob" ->
              Mappings.BYTES;
          case "date" -> Mappings.LOCAL_DATE;
          case "time" -> Mappings.LOCAL_TIME;
          case "datetime" -> Mappings.LOCAL_DATE_TIME;
          case "timestamp" -> Mappings.INSTANT_FROM_TIMESTAMP;
          case "year" -> Mappings.INT16;
          case "uuid" -> Mappings.UUID_STRING;
          default -> null;
        });
  }

  @Override
  public String limitClause() {
    return "LIMIT ?";
  }

  @Override
  public void configureStreaming(Connection connection, Statement statement, int fetchSize)
      throws SQLException {
    statement.setFetchSize(mysqlDriver ? Integer.MIN_VALUE : fetchSize);
  }

  /** NOW(6) is the session's local time, as TIMESTAMP and DATETIME values are read. */
  @Override
  public String commitCutoffQuery(ColumnInfo trackingColumn) {
    return "SELECT NOW(6) - INTERVAL ? MICROSECOND, UTC_TIMESTAMP(6) - INTERVAL ? MICROSECOND";
  }

  @Override
  public String utcNowExpression() {
    return "UTC_TIMESTAMP(6)";
  }

  @Override
  public boolean hasIndexLeadingWith(Connection connection, TableId table, String column)
      throws SQLException {
    return queryLong(
            connection,
            "SELECT COUNT(*) FROM information_schema.statistics WHERE table_schema = ?"
                + " AND CAST(table_name AS BINARY) = CAST(? AS BINARY) AND seq_in_index = 1"
                + " AND column_name = ?",
            0,
            table.namespace(),
            table.name(),
            column)
        > 0;
  }

  @Override
  public void checkChangeCaptureSetup(Connection connection) throws SQLException {
    String[] settings = new String[3];
    forEachRow(
        connection,
        "SELECT @@GLOBAL.log_bin, @@GLOBAL.binlog_format, @@GLOBAL.binlog_row_image",
        rs -> {
          for (int i = 0; i < 3; i++) {
            settings[i] = rs.getString(i + 1);
          }
        });
    if (!"1".equals(settings[0]) && !"ON".equalsIgnoreCase(settings[0])) {
      throw new IllegalStateException(
          "CDC on MySQL/MariaDB needs the binary log, which is off (log_bin = " + settings[0]
              + "). Start the server with log_bin (log-bin = mysql-bin in my.cnf), binlog_format"
              + " = ROW and binlog_row_image = FULL");
    }
    if (!"ROW".equalsIgnoreCase(settings[1])) {
      throw new IllegalStateException(
          "CDC on MySQL/MariaDB needs binlog_format = ROW, but the server runs with"
              + " binlog_format = " + settings[1] + ". Run SET GLOBAL binlog_format = 'ROW' and"
              + " set binlog_format = ROW in my.cnf");
    }
    if (!"FULL".equalsIgnoreCase(settings[2])) {
      throw new IllegalStateException(
          "CDC on MySQL/MariaDB needs binlog_row_image = FULL for complete before and after"
              + " images, but the server runs with binlog_row_image = " + settings[2]
              + ". Run SET GLOBAL binlog_row_image = 'FULL' and set it in my.cnf");
    }
  }

  /** The binary log's current file and offset, as {@code file:position}. */
  @Override
  public String currentLogPosition(Connection connection) throws SQLException {
    String[] position = {null};
    RowHandler read = rs -> position[0] = rs.getString(1) + ":" + rs.getLong(2);
    try {
      forEachRow(connection, "SHOW MASTER STATUS", read);
    } catch (SQLException e) {
      forEachRow(connection, "SHOW BINARY LOG STATUS", read); // MySQL 8.4 removed the former
    }
    if (position[0] == null) {
      throw new IllegalStateException(
          "CDC on MySQL/MariaDB needs the binary log, which is off: SHOW MASTER STATUS is empty");
    }
    return position[0];
  }

  @Override
  public long estimateRowCount(Connection connection, TableId table) throws SQLException {
    return queryLong(
        connection,
        "SELECT table_rows FROM information_schema.tables"
            + " WHERE table_schema = ? AND table_name = ?",
        -1,
        table.namespace(),
        table.name());
  }

  @Override
  public void bindValue(PreparedStatement statement, int index, Object value)
      throws SQLException {
    if (value instanceof UUID uuid) {
      statement.setString(index, uuid.toString());
    } else if (value instanceof Instant instant) {
      statement.setTimestamp(index, Timestamp.from(instant));
    } else {
      super.bindValue(statement, index, value);
    }
  }
}
