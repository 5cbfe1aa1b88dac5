package io.heliosdb.bench;

import io.heliosdb.beam.schema.MillisecondTimestamps;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.Schema.FieldType;
import org.apache.beam.sdk.schemas.logicaltypes.SqlTypes;

/**
 * The snapshot benchmark's table, {@code bench_snapshot}: its DDL on PostgreSQL and MariaDB, the
 * server-side fill, and the Beam schema HeliosDbIO detects for it (which the JdbcIO cases and the
 * plain JDBC loop build by hand, so that every case produces the same Rows).
 *
 * <p>Usage (from bench.sh): {@code SnapshotTable prepare <postgres|mariadb> <rows>} creates the
 * table unless it already exists with the expected columns and row count, then reads it once so
 * that every case starts with a warm cache.
 */
public final class SnapshotTable {
  private SnapshotTable() {}

  public static final long DEFAULT_ROWS = 1_000_000L;

  /** Column names in table order; the mappers read them by position. */
  public static final List<String> COLUMNS =
      List.of("id", "qty", "amount", "code", "note", "created_at", "updated_at");

  /**
   * All columns are NOT NULL, so the detected fields are not nullable: id bigint→INT64, qty
   * int→INT32, amount numeric(12,2)→DECIMAL, code varchar(16)→STRING, note text→STRING,
   * created_at timestamp/datetime→DATETIME (LocalDateTime), updated_at timestamptz/timestamp→
   * TIMESTAMP (Instant).
   */
  public static final Schema SCHEMA =
      Schema.builder()
          .addField("id", FieldType.INT64)
          .addField("qty", FieldType.INT32)
          .addField("amount", FieldType.DECIMAL)
          .addField("code", FieldType.STRING)
          .addField("note", FieldType.STRING)
          .addField("created_at", FieldType.logicalType(SqlTypes.DATETIME))
          .addField("updated_at", FieldType.logicalType(SqlTypes.TIMESTAMP))
          .build();

  /** {@link #SCHEMA} as {@code withMillisecondTimestamps(true)} outputs it. */
  public static final Schema MILLIS_SCHEMA =
      SCHEMA.getFields().stream()
          .map(f -> MillisecondTimestamps.isDateTime(f.getType())
              ? Schema.Field.of(f.getName(), FieldType.DATETIME.withNullable(f.getType().getNullable()))
              : f)
          .collect(Schema.toSchema());

  /**
   * {@code bench_snapshot} for the standard 1,000,000 rows; {@code bench_snapshot_<rows>} for
   * other sizes, so that a quick check with BENCH_ROWS does not replace the big table.
   */
  public static String tableName(long rows) {
    return rows == DEFAULT_ROWS ? "bench_snapshot" : "bench_snapshot_" + rows;
  }

  public static String selectAll(long rows) {
    return "SELECT " + String.join(", ", COLUMNS) + " FROM " + tableName(rows);
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 3 || !args[0].equals("prepare")) {
      System.err.println("usage: SnapshotTable prepare <postgres|mariadb> <rows>");
      System.exit(2);
    }
    BenchDatabase db = BenchDatabase.parse(args[1]);
    long rows = Long.parseLong(args[2]);
    prepare(db, rows);
  }

  static void prepare(BenchDatabase db, long rows) throws SQLException {
    String table = tableName(rows);
    try (Connection c = db.connect(); Statement s = c.createStatement()) {
      if (isReady(db, s, table, rows)) {
        log(db, table + " already has " + rows + " rows");
      } else {
        long t0 = System.nanoTime();
        if (db.isPostgres()) {
          fillPostgres(s, table, rows);
        } else {
          fillMariaDb(s, table, rows);
        }
        log(db, String.format("created %s with %d rows in %.1f s", table, rows, secondsSince(t0)));
        if (!isReady(db, s, table, rows)) {
          throw new IllegalStateException(table + " does not have " + rows + " rows after filling");
        }
      }
      // Warm the cache: every case then reads from memory, including the first one.
      long t0 = System.nanoTime();
      try (ResultSet rs =
          s.executeQuery(
              "SELECT count(*), sum(length(note)), sum(qty) FROM " + table)) {
        rs.next();
      }
      log(db, String.format("warm-up scan of %s in %.1f s", table, secondsSince(t0)));
    }
  }

  private static boolean isReady(BenchDatabase db, Statement s, String table, long rows)
      throws SQLException {
    List<String> columns = new ArrayList<>();
    try (ResultSet rs =
        s.executeQuery(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = '"
                + db.namespace
                + "' AND table_name = '"
                + table
                + "' ORDER BY ordinal_position")) {
      while (rs.next()) {
        columns.add(rs.getString(1).toLowerCase(java.util.Locale.ROOT));
      }
    }
    if (!columns.equals(COLUMNS)) {
      if (!columns.isEmpty()) {
        log(db, table + " has columns " + columns + "; recreating it");
      }
      return false;
    }
    try (ResultSet rs = s.executeQuery("SELECT count(*) FROM " + table)) {
      rs.next();
      long count = rs.getLong(1);
      if (count != rows) {
        log(db, table + " has " + count + " rows instead of " + rows + "; recreating it");
        return false;
      }
      return true;
    }
  }

  private static void fillPostgres(Statement s, String table, long rows) throws SQLException {
    s.execute("DROP TABLE IF EXISTS " + table);
    s.execute(
        "CREATE TABLE "
            + table
            + " (id bigint NOT NULL, qty integer NOT NULL, amount numeric(12,2) NOT NULL,"
            + " code varchar(16) NOT NULL, note text NOT NULL, created_at timestamp NOT NULL,"
            + " updated_at timestamptz NOT NULL)");
    s.execute(
        "INSERT INTO "
            + table
            + " SELECT g, ((g * 7919) % 100000)::int, ((g * 104729) % 10000000) / 100.0,"
            + " 'C-' || lpad(to_hex(g), 12, '0'),"
            + " md5(g::text) || left(md5((g + 1)::text), 18),"
            + " timestamp '2020-01-01 00:00:00' + g * interval '1 second'"
            + " + (g % 1000) * interval '1 millisecond',"
            + " timestamptz '2020-01-01 00:00:00+00' + g * interval '37 seconds'"
            + " + (g % 997) * interval '1 microsecond'"
            + " FROM generate_series(1::bigint, "
            + rows
            + "::bigint) AS g");
    // The key index is built once, after the load (faster than maintaining it row by row).
    s.execute("ALTER TABLE " + table + " ADD PRIMARY KEY (id)");
    // Sets hint bits and the visibility map now, so no case pays for them, and gathers stats.
    s.execute("VACUUM (ANALYZE) " + table);
  }

  private static void fillMariaDb(Statement s, String table, long rows) throws SQLException {
    s.execute("DROP TABLE IF EXISTS " + table);
    s.execute(
        "CREATE TABLE "
            + table
            + " (id bigint NOT NULL PRIMARY KEY, qty int NOT NULL, amount decimal(12,2) NOT NULL,"
            + " code varchar(16) NOT NULL, note text NOT NULL, created_at datetime NOT NULL,"
            + " updated_at timestamp NOT NULL) ENGINE=InnoDB");
    // A bulk load of benchmark data: keep it out of the binary log, so CDC readers of this
    // server (tests, demos) do not have to wade through a million row events.
    try {
      s.execute("SET SESSION sql_log_bin = 0");
    } catch (SQLException e) {
      log(BenchDatabase.MARIADB, "cannot turn off the binary log for the load: " + e.getMessage());
    }
    s.execute("SET SESSION time_zone = '+00:00'");
    String select =
        " SELECT seq, (seq * 7919) % 100000, ((seq * 104729) % 10000000) / 100,"
            + " CONCAT('C-', LPAD(LOWER(HEX(seq)), 12, '0')),"
            + " CONCAT(MD5(seq), LEFT(MD5(seq + 1), 18)),"
            + " TIMESTAMP'2020-01-01 00:00:00' + INTERVAL seq SECOND,"
            + " TIMESTAMP'2020-01-01 00:00:00' + INTERVAL (seq * 37) SECOND";
    boolean sequenceEngine;
    try (ResultSet rs = s.executeQuery("SELECT count(*) FROM seq_1_to_2")) {
      sequenceEngine = rs.next() && rs.getLong(1) == 2;
    } catch (SQLException e) {
      sequenceEngine = false;
    }
    if (sequenceEngine) {
      // MariaDB's Sequence engine generates the numbers on the server.
      s.execute("INSERT INTO " + table + select + " FROM seq_1_to_" + rows);
    } else {
      s.execute("SET SESSION max_recursive_iterations = " + (rows + 1));
      s.execute(
          "INSERT INTO "
              + table
              + " WITH RECURSIVE nums(seq) AS (SELECT 1 UNION ALL SELECT seq + 1 FROM nums"
              + " WHERE seq < "
              + rows
              + ")"
              + select
              + " FROM nums");
    }
    s.execute("ANALYZE TABLE " + table);
  }

  private static double secondsSince(long t0) {
    return (System.nanoTime() - t0) / 1e9;
  }

  private static void log(BenchDatabase db, String message) {
    System.err.println("[bench] " + db.id + ": " + message);
  }
}
