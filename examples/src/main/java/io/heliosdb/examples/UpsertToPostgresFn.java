package io.heliosdb.examples;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.values.Row;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.ReadableInstant;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Writes rows, or change envelopes, into a PostgreSQL table by primary key, so that writing a row
 * twice (a runner's retry, or a restart from a checkpoint) leaves the table as writing it once:
 * a row, or the {@code after} row of an insert, update or snapshot read ({@code c}, {@code u},
 * {@code r}), is upserted ({@code INSERT ... ON CONFLICT (<key>) DO UPDATE}); a delete ({@code d})
 * deletes the {@code before} row's key; a truncate ({@code t}) empties the table. The target
 * table's columns have the names of the rows' fields; its primary key is read from the database.
 * Each bundle is one transaction, committed when the bundle finishes.
 */
class UpsertToPostgresFn extends DoFn<Row, Void> {
  private final String url;
  private final @Nullable String username;
  private final @Nullable String password;
  private final String table;
  private final Counter written = Metrics.counter(ReplicateTable.class, "rows");

  private transient Connection connection;
  private transient List<String> keyColumns;
  private transient PreparedStatement upsert;
  private transient Schema upsertSchema;
  private transient int pending;

  UpsertToPostgresFn(String url, @Nullable String username, @Nullable String password,
      String table) {
    this.url = url;
    this.username = username;
    this.password = password;
    this.table = table;
  }

  @Setup
  public void setup() throws SQLException {
    // A data source, not DriverManager: on a Flink cluster the job's classes (the driver among
    // them) are loaded by a class loader DriverManager does not search, and DriverManager finds
    // the driver only once something else in the same TaskManager happened to load it.
    PGSimpleDataSource dataSource = new PGSimpleDataSource();
    dataSource.setURL(url);
    connection = dataSource.getConnection(username, password);
    connection.setAutoCommit(false);
    keyColumns = primaryKey(connection, table);
  }

  @ProcessElement
  public void processElement(@Element Row element) throws SQLException {
    written.inc();
    if (!element.getSchema().hasField("op") || !element.getSchema().hasField("after")) {
      upsert(element);
      return;
    }
    String op = element.getString("op");
    switch (op) {
      case "c", "u", "r" -> upsert(element.getRow("after"));
      case "d" -> delete(element.getRow("before"));
      case "t" -> {
        flush();
        try (Statement statement = connection.createStatement()) {
          statement.execute("TRUNCATE " + quoteTable(table));
        }
      }
      default -> throw new IllegalArgumentException("Unknown change operation '" + op + "'");
    }
  }

  @FinishBundle
  public void finishBundle() throws SQLException {
    flush();
    connection.commit();
  }

  @Teardown
  public void teardown() throws SQLException {
    if (connection != null) {
      connection.close();
    }
  }

  private void upsert(Row row) throws SQLException {
    if (upsert == null || !row.getSchema().equals(upsertSchema)) {
      flush();
      upsertSchema = row.getSchema();
      upsert = connection.prepareStatement(upsertSql(upsertSchema));
    }
    List<Schema.Field> fields = upsertSchema.getFields();
    for (int i = 0; i < fields.size(); i++) {
      upsert.setObject(i + 1, jdbcValue(row.getValue(i)));
    }
    upsert.addBatch();
    if (++pending >= 500) {
      flush();
    }
  }

  private void delete(Row before) throws SQLException {
    flush();
    String where = keyColumns.stream().map(c -> quote(c) + " = ?")
        .collect(Collectors.joining(" AND "));
    try (PreparedStatement delete =
        connection.prepareStatement("DELETE FROM " + quoteTable(table) + " WHERE " + where)) {
      for (int i = 0; i < keyColumns.size(); i++) {
        delete.setObject(i + 1, jdbcValue(before.getValue(keyColumns.get(i))));
      }
      delete.executeUpdate();
    }
  }

  private void flush() throws SQLException {
    if (pending > 0) {
      upsert.executeBatch();
      pending = 0;
    }
  }

  private String upsertSql(Schema schema) {
    List<String> columns = schema.getFieldNames();
    List<String> updates = new ArrayList<>();
    for (String column : columns) {
      if (!keyColumns.contains(column)) {
        updates.add(quote(column) + " = EXCLUDED." + quote(column));
      }
    }
    return "INSERT INTO " + quoteTable(table)
        + " (" + columns.stream().map(UpsertToPostgresFn::quote).collect(Collectors.joining(", "))
        + ") VALUES (" + columns.stream().map(c -> "?").collect(Collectors.joining(", "))
        + ") ON CONFLICT (" + keyColumns.stream().map(UpsertToPostgresFn::quote)
            .collect(Collectors.joining(", "))
        + ") DO " + (updates.isEmpty() ? "NOTHING" : "UPDATE SET " + String.join(", ", updates));
  }

  private static @Nullable Object jdbcValue(@Nullable Object value) {
    if (value instanceof ReadableInstant instant) {
      return new java.sql.Timestamp(instant.getMillis());
    }
    if (value instanceof java.time.Instant instant) {
      return instant.atOffset(java.time.ZoneOffset.UTC);
    }
    return value;
  }

  static List<String> primaryKey(Connection connection, String table) throws SQLException {
    int dot = table.indexOf('.');
    String schema = dot < 0 ? null : table.substring(0, dot);
    String name = table.substring(dot + 1);
    DatabaseMetaData metaData = connection.getMetaData();
    List<String> key = new ArrayList<>();
    try (ResultSet rs = metaData.getPrimaryKeys(null, schema, name)) {
      while (rs.next()) {
        key.add(rs.getString("COLUMN_NAME"));
      }
    }
    if (key.isEmpty()) {
      throw new IllegalArgumentException(
          "--replicaTable " + table + " does not exist or has no primary key");
    }
    return key;
  }

  static String quote(String identifier) {
    return '"' + identifier.replace("\"", "\"\"") + '"';
  }

  static String quoteTable(String table) {
    int dot = table.indexOf('.');
    return dot < 0 ? quote(table) : quote(table.substring(0, dot)) + "." + quote(table.substring(dot + 1));
  }
}
