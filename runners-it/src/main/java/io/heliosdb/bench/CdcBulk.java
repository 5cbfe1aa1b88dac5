package io.heliosdb.bench;

import static io.heliosdb.bench.BenchSupport.round;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The bulk load of the CDC benchmark and its figures, the same for the HeliosDbIO cases ({@link
 * CdcBench}) and the bare-Debezium cases ({@link DebeziumBulkBench}): {@link #prefill} before the
 * stream starts, {@link #updateAndMeasure} once it is live. Arrivals are counted by {@link
 * CdcBench#recordArrival}, whatever consumes the stream. The fields it adds to the case's line are
 * described in {@link CdcBench}.
 *
 * <p>System properties: {@code bench.bulkRows} (1000000), {@code bench.bulkBatchRows} (100000),
 * {@code bench.bulkStallSeconds} (60), {@code bench.bulkCappedFrom} (reported as {@code
 * capped_from} when set).
 */
final class CdcBulk {
  private CdcBulk() {}

  /**
   * Recreates {@code bench_cdc} and fills it with {@code bench.bulkRows} rows (id 1..N, v 0) in
   * one transaction (PostgreSQL {@code INSERT ... SELECT generate_series} then {@code VACUUM
   * ANALYZE}, MariaDB {@code INSERT ... SELECT seq FROM seq_1_to_N}); sets up the arrival counters
   * for N ids of op {@code u}. Returns N.
   */
  static int prefill(BenchDatabase db, Map<String, Object> line) throws SQLException {
    int rows = Integer.getInteger("bench.bulkRows", 1_000_000);
    line.put("rows", rows);
    line.put("batch_rows", batchRows());
    String cappedFrom = System.getProperty("bench.bulkCappedFrom", "");
    if (!cappedFrom.isEmpty()) {
      line.put("capped_from", Long.parseLong(cappedFrom));
    }
    CdcBench.commits = new AtomicLongArray(1);
    CdcBench.firstArrival = new AtomicLongArray(rows + 1);
    CdcBench.arrivals = new AtomicIntegerArray(rows + 1);
    CdcBench.expectedOp = "u";

    CdcBench.createTable(db);
    long t0 = System.nanoTime();
    String table = CdcBench.TABLE;
    try (Connection c = db.connect(); Statement s = c.createStatement()) {
      if (db.isPostgres()) {
        s.execute("INSERT INTO " + table + " (id, v) SELECT g, 0 FROM generate_series(1, " + rows
            + ") g");
        s.execute("VACUUM ANALYZE " + table);
      } else {
        s.execute("INSERT INTO " + table + " (id, v) SELECT seq, 0 FROM seq_1_to_" + rows);
      }
    }
    double prefill = (System.nanoTime() - t0) / 1e9;
    line.put("prefill_seconds", round(prefill, 1));
    CdcBench.log(String.format("prefilled %d rows in %.1f s", rows, prefill));
    return rows;
  }

  private static int batchRows() {
    return Math.max(1, Integer.getInteger("bench.bulkBatchRows", 100_000));
  }

  /**
   * Updates every row with {@code UPDATE bench_cdc SET v = v + 1 WHERE id BETWEEN ...}, {@code
   * bench.bulkBatchRows} rows per autocommit statement, one after the other on one connection,
   * waits until every id's update arrived (giving up after {@code bench.bulkStallSeconds} without
   * a new arrival once the statements are done) and 2 s more for late duplicates, then puts the
   * figures into {@code line}. {@code running} is called every 5 s and throws if the stream
   * stopped.
   */
  static void updateAndMeasure(
      BenchDatabase db, int rows, Map<String, Object> line, Runnable running) throws Exception {
    int batch = batchRows();
    int stallSeconds = Integer.getInteger("bench.bulkStallSeconds", 60);
    long updateStart = System.currentTimeMillis();
    AtomicReference<Throwable> updateFailure = new AtomicReference<>();
    AtomicLong updateEnd = new AtomicLong();
    Thread updater =
        new Thread(
            () -> {
              try (Connection c = db.connect(); Statement s = c.createStatement()) {
                c.setAutoCommit(true);
                for (long lo = 1; lo <= rows; lo += batch) {
                  long hi = Math.min(rows, lo + batch - 1);
                  long b0 = System.nanoTime();
                  s.executeUpdate("UPDATE " + CdcBench.TABLE + " SET v = v + 1 WHERE id BETWEEN "
                      + lo + " AND " + hi);
                  CdcBench.log(String.format(
                      "UPDATE ids %d..%d committed in %.2f s (%d arrived so far)",
                      lo, hi, (System.nanoTime() - b0) / 1e9, CdcBench.ARRIVED_IDS.get()));
                }
              } catch (Throwable t) {
                updateFailure.set(t);
              } finally {
                updateEnd.set(System.currentTimeMillis());
              }
            },
            "bench-updater");
    updater.setDaemon(true);
    updater.start();

    long lastCount = -1;
    long lastProgress = System.currentTimeMillis();
    long lastReport = 0;
    while (true) {
      long arrived = CdcBench.ARRIVED_IDS.get();
      long now = System.currentTimeMillis();
      if (arrived >= rows && !updater.isAlive()) {
        break;
      }
      if (arrived != lastCount) {
        lastCount = arrived;
        lastProgress = now;
      } else if (!updater.isAlive() && now - lastProgress > stallSeconds * 1000L) {
        CdcBench.log("no new change for " + stallSeconds + " s; giving up with " + arrived + " of "
            + rows);
        break;
      }
      if (updateFailure.get() != null) {
        throw new IllegalStateException("the UPDATE failed", updateFailure.get());
      }
      if (now - lastReport >= 5_000) {
        lastReport = now;
        CdcBench.log(String.format("bulk: %d of %d updates arrived, heap used %d MB (peak %d MB)",
            arrived, rows, BenchSupport.usedHeapMb(), BenchSupport.peakHeapMb()));
        running.run();
      }
      Thread.sleep(20);
    }
    updater.join(10_000);
    if (updateFailure.get() != null) {
      throw new IllegalStateException("the UPDATE failed", updateFailure.get());
    }
    Thread.sleep(2000); // late duplicates
    putFigures(rows, updateStart, updateEnd.get(), line);
  }

  /** changes, changes_per_sec, seconds, lost, duplicates, unexpected and the timings. */
  private static void putFigures(int rows, long updateStart, long updateEnd,
      Map<String, Object> line) {
    long first = Long.MAX_VALUE;
    long last = 0;
    long changes = 0;
    long duplicates = 0;
    for (int id = 1; id <= rows; id++) {
      int n = CdcBench.arrivals.get(id);
      if (n > 0) {
        changes++;
        duplicates += n - 1;
        long a = CdcBench.firstArrival.get(id);
        first = Math.min(first, a);
        last = Math.max(last, a);
      }
    }
    double seconds = changes > 1 ? (last - first) / 1000.0 : 0;
    line.put("changes", changes);
    line.put("changes_per_sec", seconds > 0 ? Math.round(changes / seconds) : null);
    line.put("seconds", round(seconds, 2));
    line.put("lost", rows - changes);
    line.put("duplicates", duplicates);
    line.put("unexpected", CdcBench.UNEXPECTED.get());
    line.put("update_seconds", round((updateEnd - updateStart) / 1000.0, 2));
    if (changes > 0) {
      line.put("end_to_end_seconds", round((last - updateStart) / 1000.0, 2));
      line.put("first_change_ms", first - updateStart);
    }
  }
}
