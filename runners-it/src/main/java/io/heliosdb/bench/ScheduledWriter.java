package io.heliosdb.bench;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * The write load of the snapshot-then-CDC benchmarks: one thread on its own autocommit connection
 * runs single-row transactions on a fixed schedule of {@code rate} slots per second; more than 1
 * s behind it (starved of CPU) it drops the missed slots ({@link #skipped}) instead of catching
 * up in a burst. {@code insertPercent} of the slots, spread evenly, insert a row, the others
 * update one. Transaction number {@code seq} (1, 2, ...) is the slot's; the subclass picks the
 * row ({@link #nextId}) and writes it ({@link #execute}); the time the commit returned is kept
 * per transaction ({@link #commits}). One writer, so on each key the transaction numbers follow
 * the commit order.
 */
abstract class ScheduledWriter {
  private final BenchDatabase db;
  private final long periodNanos;
  private final int insertPercent;
  private final int maxSeq;
  /** The subclass's random numbers, used on the writer thread only. */
  protected final SplittableRandom random = new SplittableRandom(42);

  /** Per transaction number: commit time (ms, 0 = not committed), id written. */
  final AtomicLongArray commits;

  final AtomicLongArray ids;
  final AtomicLong committed = new AtomicLong();
  final AtomicLong inserts = new AtomicLong();
  final AtomicLong updates = new AtomicLong();
  /** Slots of the schedule dropped because the writer was more than 1 s behind. */
  final AtomicLong skipped = new AtomicLong();

  private final AtomicLong highestSeq = new AtomicLong();
  private final AtomicBoolean stop = new AtomicBoolean();
  private final AtomicReference<Throwable> failure = new AtomicReference<>();
  private Thread thread;
  volatile boolean started;
  volatile long startMillis;
  private volatile long endMillis;

  ScheduledWriter(BenchDatabase db, int rate, int insertPercent, int maxSeq) {
    this.db = db;
    this.periodNanos = rate > 0 ? 1_000_000_000L / rate : 0;
    this.insertPercent = insertPercent;
    this.maxSeq = maxSeq;
    this.commits = new AtomicLongArray(maxSeq);
    this.ids = new AtomicLongArray(maxSeq);
  }

  /** Prepares the statements on the writer's connection. */
  protected abstract void open(Connection connection) throws SQLException;

  /** The id transaction {@code seq} writes (a new one for an insert). */
  protected abstract long nextId(int seq, boolean insert);

  /** Writes transaction {@code seq} (autocommit); fails if it changed no row. */
  protected abstract void execute(int seq, long id, boolean insert) throws SQLException;

  /** The highest transaction number started so far. */
  int maxSeq() {
    return (int) highestSeq.get();
  }

  long endMillis() {
    return endMillis != 0 ? endMillis : System.currentTimeMillis();
  }

  void start() {
    started = true;
    startMillis = System.currentTimeMillis();
    thread = new Thread(this::write, "bench-writer");
    thread.setDaemon(true);
    thread.start();
  }

  void stop() throws InterruptedException {
    if (thread == null || stop.getAndSet(true)) {
      return;
    }
    thread.join(30_000);
    endMillis = System.currentTimeMillis();
    BenchSupport.log(String.format("load stopped: %d transactions (%d inserts, %d updates) in"
            + " %.1f s", committed.get(), inserts.get(), updates.get(),
        (endMillis - startMillis) / 1000.0));
    checkFailure();
  }

  void checkFailure() {
    if (failure.get() != null) {
      throw new IllegalStateException("the writer failed", failure.get());
    }
  }

  private void write() {
    try (Connection c = db.connect()) {
      c.setAutoCommit(true);
      open(c);
      long due = System.nanoTime();
      for (long slot = 0; !stop.get(); slot++) {
        int seq = (int) (slot + 1);
        if (seq >= maxSeq) {
          throw new IllegalStateException("the writer ran out of transaction numbers");
        }
        long wait;
        while ((wait = due - System.nanoTime()) > 0 && !stop.get()) {
          LockSupport.parkNanos(Math.min(wait, 50_000_000L));
        }
        if (stop.get()) {
          return;
        }
        long behind = System.nanoTime() - due;
        if (behind > 1_000_000_000L) {
          long missed = behind / periodNanos;
          skipped.addAndGet(missed);
          due += missed * periodNanos;
        }
        due += periodNanos;
        // spread the inserts evenly over the transactions
        boolean insert = (slot + 1) * insertPercent / 100 > slot * insertPercent / 100;
        long id = nextId(seq, insert);
        ids.set(seq, id);
        highestSeq.set(seq);
        execute(seq, id, insert);
        (insert ? inserts : updates).incrementAndGet();
        commits.set(seq, System.currentTimeMillis());
        committed.incrementAndGet();
      }
    } catch (Throwable t) {
      failure.compareAndSet(null, t);
      BenchSupport.log("writer failed: " + t);
    }
  }
}
