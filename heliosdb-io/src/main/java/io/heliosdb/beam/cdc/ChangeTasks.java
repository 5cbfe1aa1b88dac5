package io.heliosdb.beam.cdc;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running connector tasks of this JVM, at most one per log reader resource ({@link
 * CdcSpec#logReaderKey}: a replication slot, a server id), each owned by the reader instance
 * (DoFn instance) whose calls use it and kept across its calls, so that resuming a restriction
 * where the task stands does not reconnect.
 *
 * <p>A task is used by one call at a time ({@link Lease}) and closed only between calls:
 *
 * <ul>
 *   <li>by its owner, on teardown or after a failure ({@link #release});
 *   <li>when an instance of the same read takes the stream over (the runner moved it): the task
 *       passes to the new owner if it stands where the stream resumes, else it is closed and
 *       the new owner starts its own;
 *   <li>when it was not used for {@link #IDLE_CLOSE_MILLIS}: its stream moved to another worker,
 *       whose reader waits for the resource, or its pipeline ended without a teardown.
 * </ul>
 *
 * <p>An instance of another read of the same resource is refused ({@link
 * LogReaderInUseException}) while the task is in use.
 */
final class ChangeTasks {
  /** How long an unused task keeps its resource. */
  static final long IDLE_CLOSE_MILLIS = 15_000;

  /** How long a task no call uses is taken as left by its reader ({@link #leftUnused}). */
  static final long UNUSED_MILLIS = 2_000;

  private static final Logger LOG = LoggerFactory.getLogger(ChangeTasks.class);
  private static final Map<String, Held> HELD = new ConcurrentHashMap<>();
  private static final Map<String, Object> KEY_LOCKS = new ConcurrentHashMap<>();
  private static final ScheduledExecutorService IDLE_CLOSER =
      Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "heliosdb-idle-log-readers");
        thread.setDaemon(true);
        return thread;
      });

  static {
    IDLE_CLOSER.scheduleWithFixedDelay(
        ChangeTasks::closeIdle, IDLE_CLOSE_MILLIS / 3, IDLE_CLOSE_MILLIS / 3,
        TimeUnit.MILLISECONDS);
  }

  private ChangeTasks() {}

  /** A task checked out for one call of its owner; closing the lease checks it back in. */
  static final class Lease implements AutoCloseable {
    private final Held held;

    private Lease(Held held) {
      this.held = held;
    }

    ChangeTask task() {
      return held.task;
    }

    @Override
    public void close() {
      held.lastUsed = System.currentTimeMillis();
      held.inUse.unlock();
    }
  }

  /** A running task, the read it belongs to ({@link CdcSpec#readId}) and its owner. */
  private static final class Held {
    final ChangeTask task;
    final String read;
    final String label;
    final ReentrantLock inUse = new ReentrantLock();
    volatile String owner;
    volatile long lastUsed = System.currentTimeMillis();

    Held(ChangeTask task, String read, String label, String owner) {
      this.task = task;
      this.read = read;
      this.label = label;
      this.owner = owner;
    }

    boolean idle(long now) {
      return !inUse.isLocked() && now - lastUsed >= IDLE_CLOSE_MILLIS;
    }
  }

  /**
   * Checks out {@code owner}'s task for a call at {@code from}: the read's task if it stands
   * there (taken over from another instance of the read), else a new one started there.
   *
   * @throws LogReaderInUseException if another read of this JVM uses the resource
   */
  static Lease checkOut(CdcSpec spec, String owner, LogPosition from) {
    String key = spec.logReaderKey();
    synchronized (lockOf(key)) {
      Held held = HELD.get(key);
      boolean sameRead = held != null && held.read.equals(spec.readId());
      if (sameRead && held.task.next().offset().equals(from.offset())) {
        held.inUse.lock(); // a previous owner's call ends first
        if (!held.owner.equals(owner)) {
          LOG.debug("[{}] the log reader passes to another reader instance", spec.label());
          held.owner = owner;
        }
        return new Lease(held);
      }
      if (held != null && !sameRead && !held.idle(System.currentTimeMillis())) {
        throw new LogReaderInUseException(
            spec.label() + ": " + spec.logReaderName() + " is in use by another read in this"
                + " JVM, of " + held.label);
      }
      if (held != null) {
        LOG.info("[{}] restarting the log reader at {} (it stood at {})", spec.label(),
            from.describe(), held.task.next().describe());
        close(key, held);
      } else {
        LOG.info("[{}] starting the log reader at {}", spec.label(), from.describe());
      }
      Held started = new Held(
          ChangeTask.start(spec.dialect().changeTaskClass(), spec.taskProperties(), from),
          spec.readId(), spec.label(), owner);
      started.inUse.lock();
      HELD.put(key, started);
      return new Lease(started);
    }
  }

  /**
   * Whether this JVM holds the resource in a task that no call used for {@link #UNUSED_MILLIS}
   * (watched for that long unless a call uses it): a running stream's calls follow each other
   * without pause, so its reader has stopped being called.
   */
  static boolean leftUnused(String key) {
    Held held = HELD.get(key);
    if (held == null) {
      return false;
    }
    long lastUsed = held.lastUsed;
    long until = System.currentTimeMillis() + UNUSED_MILLIS;
    while (System.currentTimeMillis() < until) {
      if (held.inUse.isLocked() || held.lastUsed != lastUsed) {
        return false;
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return true;
  }

  /** Closes {@code owner}'s task of the read's resource, if it owns it, once its call ended. */
  static void release(CdcSpec spec, String owner) {
    String key = spec.logReaderKey();
    synchronized (lockOf(key)) {
      Held held = HELD.get(key);
      if (held != null && held.owner.equals(owner)) {
        close(key, held);
      }
    }
  }

  /** Removes and closes a task, after the call using it (if any) ended. */
  private static void close(String key, Held held) {
    HELD.remove(key, held);
    held.inUse.lock();
    try {
      held.task.close();
    } finally {
      held.inUse.unlock();
    }
  }

  /** Closes the tasks not used for {@link #IDLE_CLOSE_MILLIS}. */
  private static void closeIdle() {
    long now = System.currentTimeMillis();
    HELD.forEach((key, held) -> {
      if (!held.idle(now)) {
        return;
      }
      synchronized (lockOf(key)) {
        if (HELD.get(key) != held || !held.idle(now) || !held.inUse.tryLock()) {
          return;
        }
        try {
          HELD.remove(key, held);
          LOG.info("[{}] closing the log reader, unused for {} s: its stream moved or ended",
              held.label, (now - held.lastUsed) / 1_000);
          held.task.close();
        } catch (RuntimeException e) {
          LOG.warn("[{}] closing the unused log reader failed", held.label, e);
        } finally {
          held.inUse.unlock();
        }
      }
    });
  }

  private static Object lockOf(String key) {
    return KEY_LOCKS.computeIfAbsent(key, k -> new Object());
  }
}
