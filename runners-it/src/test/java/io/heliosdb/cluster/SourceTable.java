package io.heliosdb.cluster;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A source table of the cluster tests, on PostgreSQL or MariaDB, and its replica table on
 * PostgreSQL, which {@code ReplicateTable} fills: creation, a write load of inserts, updates and
 * deletes, marker rows, and the comparison of the replica with the table. Rows are {@code (id, v,
 * s, amount)}, on PostgreSQL also {@code ts}.
 */
final class SourceTable {
  static final String POSTGRES_URL = System.getenv().getOrDefault(
      "HELIOSDB_TEST_POSTGRES_URL", "jdbc:postgresql://127.0.0.1:5432/heliosdb");
  static final String POSTGRES_USER =
      System.getenv().getOrDefault("HELIOSDB_TEST_POSTGRES_USER", "postgres");
  static final String MARIADB_URL = System.getenv().getOrDefault(
      "HELIOSDB_TEST_MYSQL_URL", "jdbc:mariadb://127.0.0.1:3306/heliosdb");
  static final String MARIADB_USER =
      System.getenv().getOrDefault("HELIOSDB_TEST_MYSQL_USER", "root");

  final String name;
  final boolean postgres;

  private SourceTable(String name, boolean postgres) {
    this.name = name;
    this.postgres = postgres;
  }

  static SourceTable postgres(String name) {
    return new SourceTable(name, true);
  }

  static SourceTable mariadb(String name) {
    return new SourceTable(name, false);
  }

  String db() {
    return postgres ? "postgres" : "mariadb";
  }

  String url() {
    return postgres ? POSTGRES_URL : MARIADB_URL;
  }

  String user() {
    return postgres ? POSTGRES_USER : MARIADB_USER;
  }

  /** The table as {@code ReplicateTable --table} names it. */
  String qualified() {
    return (postgres ? "public." : "heliosdb.") + name;
  }

  String replica() {
    return name + "_replica";
  }

  /**
   * Creates the table with {@code rows} rows and the replica table, a copy of them if {@code
   * copy}, else empty. PostgreSQL tables get a full replica identity.
   */
  void create(long rows, boolean copy) throws SQLException {
    drop();
    try (Connection c = source(); Statement s = c.createStatement()) {
      if (postgres) {
        s.execute("CREATE TABLE " + name + " (id bigint PRIMARY KEY, v bigint NOT NULL, s text,"
            + " amount numeric(12,2), ts timestamptz)");
        s.execute("ALTER TABLE " + name + " REPLICA IDENTITY FULL");
        s.execute("INSERT INTO " + name + " SELECT g, g * 7, 'row ' || g,"
            + " (g % 100000) / 100.0, timestamptz '2026-01-01' + g * interval '1 second'"
            + " FROM generate_series(1, " + rows + ") g");
      } else {
        s.execute("CREATE TABLE " + name + " (id BIGINT PRIMARY KEY, v BIGINT NOT NULL,"
            + " s VARCHAR(100), amount DECIMAL(12,2))");
        s.execute("INSERT INTO " + name + " SELECT seq, seq * 7, CONCAT('row ', seq),"
            + " (seq % 100000) / 100.0 FROM seq_1_to_" + rows);
      }
    }
    try (Connection c = replicaDatabase(); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE " + replica() + " (id bigint PRIMARY KEY, v bigint NOT NULL,"
          + " s text, amount numeric(12,2)" + (postgres ? ", ts timestamptz" : "") + ")");
      if (copy && postgres) {
        s.execute("INSERT INTO " + replica() + " SELECT * FROM " + name);
      } else if (copy) {
        s.execute("INSERT INTO " + replica() + " SELECT g, g * 7, 'row ' || g,"
            + " (g % 100000) / 100.0 FROM generate_series(1, " + rows + ") g");
      }
    }
  }

  /** Drops the table and its replica if they exist. */
  void drop() throws SQLException {
    try (Connection c = source(); Statement s = c.createStatement()) {
      s.execute("DROP TABLE IF EXISTS " + name);
    }
    try (Connection c = replicaDatabase(); Statement s = c.createStatement()) {
      s.execute("DROP TABLE IF EXISTS " + replica());
    }
  }

  /**
   * Inserts, updates and deletes at {@code perSecond} autocommit statements a second while
   * {@code writing}, new rows from {@code firstNewId} on; counts them in {@code writes}, and the
   * deletes also in {@code deletes}.
   */
  void writeLoad(AtomicBoolean writing, AtomicLong writes, AtomicLong deletes, long firstNewId,
      int perSecond) {
    long nextId = firstNewId;
    ThreadLocalRandom random = ThreadLocalRandom.current();
    String now = postgres ? ", now()" : "";
    try (Connection c = source();
        PreparedStatement insert = c.prepareStatement(
            "INSERT INTO " + name + " VALUES (?, ?, 'new', 1.5" + now + ")");
        PreparedStatement update = c.prepareStatement("UPDATE " + name
            + " SET v = v + 1, s = 'updated'" + (postgres ? ", ts = now()" : "")
            + " WHERE id = ?");
        PreparedStatement delete = c.prepareStatement("DELETE FROM " + name + " WHERE id = ?")) {
      long start = System.nanoTime();
      while (writing.get()) {
        int op = random.nextInt(10);
        long id = 1 + random.nextLong(nextId - 1);
        if (op < 4) {
          insert.setLong(1, nextId);
          insert.setLong(2, nextId++);
          insert.executeUpdate();
        } else if (op < 9) {
          update.setLong(1, id);
          update.executeUpdate();
        } else {
          delete.setLong(1, id);
          delete.executeUpdate();
          deletes.incrementAndGet();
        }
        long due = start + writes.incrementAndGet() * 1_000_000_000L / perSecond;
        long sleep = due - System.nanoTime();
        if (sleep > 0) {
          Thread.sleep(sleep / 1_000_000, (int) (sleep % 1_000_000));
        }
      }
    } catch (SQLException | InterruptedException e) {
      throw new IllegalStateException("write load failed", e);
    }
  }

  /** Inserts the marker row {@code id} (negative ids: the load never writes them). */
  void insertMarker(long id) throws SQLException {
    try (Connection c = source(); Statement s = c.createStatement()) {
      s.execute("INSERT INTO " + name + " (id, v, s, amount) VALUES (" + id + ", 0, 'marker', 0)");
    }
  }

  boolean replicaHas(long id) {
    try (Connection c = replicaDatabase(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT 1 FROM " + replica() + " WHERE id = " + id)) {
      return rs.next();
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  long count() throws SQLException {
    return count(source(), name);
  }

  long replicaCount() throws SQLException {
    return count(replicaDatabase(), replica());
  }

  private static long count(Connection connection, String table) throws SQLException {
    try (connection; Statement s = connection.createStatement();
        ResultSet rs = s.executeQuery("SELECT count(*) FROM " + table)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /**
   * Rows of the table missing from (or different in) the replica, and rows only the replica has,
   * compared as text column by column.
   */
  long[] difference() throws SQLException {
    Map<Long, String> table = rowsOf(source(), name);
    Map<Long, String> copy = rowsOf(replicaDatabase(), replica());
    long missing = table.entrySet().stream()
        .filter(e -> !e.getValue().equals(copy.get(e.getKey()))).count();
    long extra = copy.keySet().stream().filter(id -> !table.containsKey(id)).count();
    return new long[] {missing, extra};
  }

  private static Map<Long, String> rowsOf(Connection connection, String table)
      throws SQLException {
    Map<Long, String> rows = new HashMap<>();
    try (connection; Statement s = connection.createStatement();
        ResultSet rs = s.executeQuery("SELECT * FROM " + table)) {
      int columns = rs.getMetaData().getColumnCount();
      while (rs.next()) {
        StringBuilder row = new StringBuilder();
        for (int i = 2; i <= columns; i++) {
          row.append(rs.getString(i)).append('|');
        }
        rows.put(rs.getLong(1), row.toString());
      }
    }
    return rows;
  }

  Connection source() throws SQLException {
    return postgres ? replicaDatabase() : DriverManager.getConnection(MARIADB_URL, MARIADB_USER,
        System.getenv("HELIOSDB_TEST_MYSQL_PASSWORD"));
  }

  /** The PostgreSQL database of the replica tables (and of PostgreSQL source tables). */
  static Connection replicaDatabase() throws SQLException {
    return DriverManager.getConnection(POSTGRES_URL, POSTGRES_USER,
        System.getenv("HELIOSDB_TEST_POSTGRES_PASSWORD"));
  }
}
