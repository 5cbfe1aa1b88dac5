package io.heliosdb.beam.testing;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Threads that write to a table of {@code (id BIGINT PRIMARY KEY, v VARCHAR)} holding keys
 * {@code [0, rows)} until stopped: transactions of 1–5 statements that update ten hot keys again
 * and again, update, delete and re-insert random keys, and insert new keys above and below the
 * initial range. Failed transactions (deadlocks) are rolled back and counted.
 */
public final class TableWriters implements AutoCloseable {
  private final TestDatabase db;
  private final String table;
  private final long rows;
  private final AtomicBoolean stop = new AtomicBoolean();
  private final AtomicLong transactions = new AtomicLong();
  private final AtomicLong rolledBack = new AtomicLong();
  private final AtomicLong newKeys = new AtomicLong();
  private final List<Thread> threads = new ArrayList<>();
  private final List<Throwable> errors = new java.util.concurrent.CopyOnWriteArrayList<>();

  /**
   * @param pauseMillis pause between transactions of one thread (0: as fast as possible)
   */
  public TableWriters(TestDatabase db, String table, long rows, int threadCount, long pauseMillis) {
    this.db = db;
    this.table = table;
    this.rows = rows;
    for (int i = 0; i < threadCount; i++) {
      int writer = i;
      Thread thread = new Thread(() -> run(writer, pauseMillis), "writer-" + table + "-" + i);
      thread.setDaemon(true);
      threads.add(thread);
      thread.start();
    }
  }

  /** Creates the table with keys {@code [0, rows)}, values {@code v<id>}. */
  public static void createTable(TestDatabase db, String table, long rows) throws SQLException {
    db.execute("CREATE TABLE " + table + " (id BIGINT PRIMARY KEY, v VARCHAR(40) NOT NULL)");
    if (db.isPostgres()) {
      db.execute(
          "ALTER TABLE " + table + " REPLICA IDENTITY FULL",
          "INSERT INTO " + table + " SELECT g, 'v' || g FROM generate_series(0, " + (rows - 1)
              + ") g",
          "ANALYZE " + table);
    } else {
      db.execute(
          "INSERT INTO " + table + " SELECT seq, CONCAT('v', seq) FROM seq_0_to_" + (rows - 1),
          "ANALYZE TABLE " + table);
    }
  }

  private void run(int writer, long pauseMillis) {
    String insert =
        db.isPostgres()
            ? "INSERT INTO " + table + " VALUES (?, ?) ON CONFLICT (id) DO NOTHING"
            : "INSERT IGNORE INTO " + table + " VALUES (?, ?)";
    try (Connection connection = db.connect();
        PreparedStatement update =
            connection.prepareStatement("UPDATE " + table + " SET v = ? WHERE id = ?");
        PreparedStatement delete =
            connection.prepareStatement("DELETE FROM " + table + " WHERE id = ?");
        PreparedStatement add = connection.prepareStatement(insert)) {
      connection.setAutoCommit(false);
      ThreadLocalRandom random = ThreadLocalRandom.current();
      long n = 0;
      while (!stop.get()) {
        try {
          int statements = 1 + random.nextInt(5);
          for (int s = 0; s < statements; s++) {
            String value = "w" + writer + "-" + (n++);
            int dice = random.nextInt(100);
            if (dice < 30) {
              update.setString(1, value);
              update.setLong(2, random.nextInt(10));
              update.executeUpdate();
            } else if (dice < 55) {
              update.setString(1, value);
              update.setLong(2, random.nextLong(rows));
              update.executeUpdate();
            } else if (dice < 70) {
              delete.setLong(1, random.nextLong(10, rows));
              delete.executeUpdate();
            } else if (dice < 85) {
              add.setLong(1, random.nextLong(10, rows));
              add.setString(2, value);
              add.executeUpdate();
            } else {
              long key = newKeys.incrementAndGet();
              add.setLong(1, key % 2 == 0 ? rows + key : -key);
              add.setString(2, value);
              add.executeUpdate();
            }
          }
          connection.commit();
          transactions.incrementAndGet();
        } catch (SQLException e) {
          connection.rollback();
          rolledBack.incrementAndGet();
        }
        if (pauseMillis > 0) {
          Thread.sleep(pauseMillis);
        }
      }
    } catch (Throwable e) {
      errors.add(e);
    }
  }

  public long transactions() {
    return transactions.get();
  }

  public long rolledBack() {
    return rolledBack.get();
  }

  /** Stops the writers and waits for them. */
  @Override
  public void close() {
    stop.set(true);
    for (Thread thread : threads) {
      try {
        thread.join(30_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while stopping the writers", e);
      }
    }
    if (!errors.isEmpty()) {
      throw new IllegalStateException("a writer failed", errors.get(0));
    }
  }

  /** The table as it is: {@code id -> v}. */
  public static Map<Long, String> contents(TestDatabase db, String table) throws SQLException {
    Map<Long, String> rows = new TreeMap<>();
    try (Connection connection = db.connect();
        java.sql.ResultSet rs =
            connection.createStatement().executeQuery("SELECT id, v FROM " + table)) {
      while (rs.next()) {
        rows.put(rs.getLong(1), rs.getString(2));
      }
    }
    return rows;
  }
}
