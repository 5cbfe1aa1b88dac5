package io.heliosdb.bench;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * The 50 tables of the multi-table benchmark ({@link TablesBench}), {@code tb_bench_01} ..
 * {@code tb_bench_50}, each {@code (id BIGINT PRIMARY KEY, v VARCHAR)} with ids 1..size and {@code
 * v = 'row-<id>'}: one of 500,000 rows, four of 50,000, ten of 20,000 and 35 of 2,857 or 2,858,
 * 1,000,000 rows in all.
 *
 * <p>Usage (from bench.sh): {@code BenchTables prepare <postgres|mariadb>} creates the tables that
 * are missing or do not hold their rows (PostgreSQL {@code generate_series}, MariaDB the {@code
 * seq_1_to_N} tables of the Sequence engine, outside the binary log), so that the cases reuse
 * them. Each case puts them back first ({@link #reset}).
 */
public final class BenchTables {
  private BenchTables() {}

  public static final int COUNT = 50;

  /** The prefix of the tables' and the replication slots' names. */
  static final String PREFIX = "tb_bench_";

  /** Ids of the rows the benchmark load inserts start above this; the tables' own are below. */
  static final long INSERT_BASE = 1_000_000_000L;

  /** The table's name, {@code i} from 1 to {@link #COUNT}. */
  static String name(int i) {
    return String.format("%s%02d", PREFIX, i);
  }

  /** The table's rows, {@code i} from 1 to {@link #COUNT}. */
  static long size(int i) {
    if (i == 1) {
      return 500_000;
    } else if (i <= 5) {
      return 50_000;
    } else if (i <= 15) {
      return 20_000;
    }
    return i <= 20 ? 2_858 : 2_857; // 35 tables, 100,000 rows
  }

  /** Rows of the first {@code n} tables. */
  static long rows(int n) {
    long rows = 0;
    for (int i = 1; i <= n; i++) {
      rows += size(i);
    }
    return rows;
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 2 || !args[0].equals("prepare")) {
      System.err.println("usage: BenchTables prepare <postgres|mariadb>");
      System.exit(2);
    }
    prepare(BenchDatabase.parse(args[1]));
  }

  static void prepare(BenchDatabase db) throws SQLException {
    long t0 = System.nanoTime();
    List<String> created = new ArrayList<>();
    try (Connection c = db.connect(); Statement s = c.createStatement()) {
      for (int i = 1; i <= COUNT; i++) {
        if (holdsItsRows(s, i)) {
          continue;
        }
        String t = name(i);
        long n = size(i);
        s.execute("DROP TABLE IF EXISTS " + t);
        if (db.isPostgres()) {
          s.execute("CREATE TABLE " + t + " (id BIGINT PRIMARY KEY, v VARCHAR)");
          s.execute("INSERT INTO " + t + " SELECT g, 'row-' || g FROM generate_series(1, " + n
              + ") g");
          s.execute("VACUUM (ANALYZE) " + t);
        } else {
          s.execute("CREATE TABLE " + t + " (id BIGINT PRIMARY KEY, v VARCHAR(64))");
          s.execute("SET SESSION sql_log_bin = 0");
          s.execute("INSERT INTO " + t + " SELECT seq, CONCAT('row-', seq) FROM seq_1_to_" + n);
          s.execute("SET SESSION sql_log_bin = 1");
          s.execute("ANALYZE TABLE " + t);
        }
        created.add(t);
      }
    }
    BenchSupport.log(String.format("%s: %d tables of %d rows ready (%d created) in %.1f s",
        db.id, COUNT, rows(COUNT), created.size(), (System.nanoTime() - t0) / 1e9));
  }

  private static boolean holdsItsRows(Statement s, int i) {
    try (ResultSet rs =
        s.executeQuery("SELECT count(*) FROM " + name(i) + " WHERE id <= " + size(i))) {
      rs.next();
      return rs.getLong(1) == size(i);
    } catch (SQLException e) {
      return false; // missing
    }
  }

  /**
   * Puts every table back as {@link #prepare} made it: deletes the rows an earlier case inserted
   * and restores the values it updated (MariaDB: outside the binary log).
   */
  static void reset(BenchDatabase db) throws SQLException {
    try (Connection c = db.connect(); Statement s = c.createStatement()) {
      if (!db.isPostgres()) {
        s.execute("SET SESSION sql_log_bin = 0");
      }
      String value = db.isPostgres() ? "'row-' || id" : "CONCAT('row-', id)";
      for (int i = 1; i <= COUNT; i++) {
        s.execute("DELETE FROM " + name(i) + " WHERE id > " + size(i));
        s.execute("UPDATE " + name(i) + " SET v = " + value + " WHERE v <> " + value);
      }
    }
  }
}
