package io.heliosdb.faults;

import io.heliosdb.beam.testing.DatabaseKind;
import io.heliosdb.beam.testing.TestDatabase;
import io.heliosdb.beam.testing.TestDatabases;
import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Faults done to the local database servers of the fault-injection suite: restarting a server
 * (PostgreSQL with {@code pg_ctlcluster ... restart}, MariaDB with {@code mariadb-admin shutdown}
 * and {@code start-stop-daemon}), killing server sessions ({@link SessionKiller}), and making sure
 * both servers accept connections again after a test ({@link #ensureBothUp()}).
 *
 * <p>Restarts need the local servers (run as root, as {@code runners-it/bench.sh faults} does);
 * callers hold {@code /tmp/heliosdb-db.lock} so that no other test runs against them meanwhile.
 */
final class ServerControl {
  private static final long START_TIMEOUT_MILLIS = 90_000;

  private ServerControl() {}

  /** When a restart began (the server going down) and when it accepted connections again. */
  record Restart(long began, long back) {
    long downMillis() {
      return back - began;
    }
  }

  /** Restarts the server of {@code db} and waits until it accepts connections. */
  static Restart restart(TestDatabase db) throws Exception {
    long began = System.currentTimeMillis();
    if (db.isPostgres()) {
      run("pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main restart");
    } else {
      run("mariadb-admin -h 127.0.0.1 -P 3306 -u root shutdown");
      // start-stop-daemon --oknodo would take a mariadbd still exiting for a running server
      run("for i in $(seq 1 600); do pidof mariadbd >/dev/null || exit 0; sleep 0.1; done;"
          + " echo 'mariadbd did not exit'; exit 1");
      startMariaDb();
    }
    long back = awaitAccepting(db, START_TIMEOUT_MILLIS);
    System.out.printf("[%s] server restarted: down for %,d ms%n", db, back - began);
    return new Restart(began, back);
  }

  private static void startMariaDb() throws Exception {
    run("mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld"
        + " && start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd");
  }

  /** Whether {@code db} accepts a connection now. */
  static boolean accepts(TestDatabase db) {
    DriverManager.setLoginTimeout(5);
    try (Connection connection = db.connect()) {
      return connection.isValid(5);
    } catch (SQLException e) {
      return false;
    }
  }

  /** Waits until {@code db} accepts connections: the time it did. */
  static long awaitAccepting(TestDatabase db, long timeoutMillis) throws InterruptedException {
    long deadline = System.currentTimeMillis() + timeoutMillis;
    while (!accepts(db)) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError(db + " does not accept connections after " + timeoutMillis
            + " ms");
      }
      Thread.sleep(100);
    }
    return System.currentTimeMillis();
  }

  /**
   * Starts whichever local server does not accept connections (a test that failed mid-restart
   * must not leave a server down for the next test or for other users of the machine).
   */
  static void ensureBothUp() throws Exception {
    for (DatabaseKind kind : List.of(DatabaseKind.POSTGRES, DatabaseKind.MYSQL)) {
      TestDatabase db = TestDatabases.get(kind);
      if (accepts(db)) {
        continue;
      }
      System.err.println("[" + db + "] not accepting connections after the test: starting it");
      if (db.isPostgres()) {
        run("pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start || true");
      } else {
        startMariaDb();
      }
      awaitAccepting(db, START_TIMEOUT_MILLIS);
    }
  }

  /** Runs a shell command, its output to this process's standard error; fails unless it exits 0. */
  static void run(String command) throws IOException, InterruptedException {
    Process process = new ProcessBuilder("bash", "-c", command)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.INHERIT)
        .start();
    if (!process.waitFor(120, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("timed out: " + command);
    }
    if (process.exitValue() != 0) {
      throw new AssertionError("exit " + process.exitValue() + ": " + command);
    }
  }

  /** Sessions running a query that reads {@code table} (not the asking session). */
  static String readersOf(TestDatabase db, String table) {
    return db.isPostgres()
        ? "SELECT pid FROM pg_stat_activity WHERE query LIKE 'SELECT %" + table + "%'"
            + " AND pid <> pg_backend_pid() AND state <> 'idle'"
        : "SELECT id FROM information_schema.processlist WHERE info LIKE 'SELECT %" + table
            + "%' AND id <> CONNECTION_ID()";
  }

  /** PostgreSQL: the walsender streaming replication slot {@code slot}. */
  static String walsenderOf(String slot) {
    return "SELECT active_pid FROM pg_replication_slots WHERE slot_name = '" + slot + "'"
        + " AND active_pid IS NOT NULL";
  }

  /**
   * Kills, every {@code periodMillis}, the server sessions that a query lists ({@code
   * pg_terminate_backend}, MariaDB {@code KILL}), until closed or until {@code maxKills}; records
   * when each kill happened.
   */
  static final class SessionKiller implements AutoCloseable {
    private final AtomicBoolean stop = new AtomicBoolean();
    private final List<Long> kills = new CopyOnWriteArrayList<>();
    private final Thread thread;

    SessionKiller(TestDatabase db, String sessionsQuery, long periodMillis, int maxKills) {
      thread = new Thread(() -> {
        while (!stop.get() && kills.size() < maxKills) {
          try (Connection connection = db.connect(); Statement statement =
              connection.createStatement()) {
            while (!stop.get() && kills.size() < maxKills) {
              Thread.sleep(periodMillis);
              List<Long> sessions = new ArrayList<>();
              try (ResultSet rs = statement.executeQuery(sessionsQuery)) {
                while (rs.next()) {
                  sessions.add(rs.getLong(1));
                }
              }
              for (long session : sessions) {
                try {
                  statement.execute(db.isPostgres()
                      ? "SELECT pg_terminate_backend(" + session + ")" : "KILL " + session);
                  kills.add(System.currentTimeMillis());
                } catch (SQLException gone) {
                  // the session ended by itself meanwhile
                }
              }
            }
          } catch (InterruptedException e) {
            return;
          } catch (SQLException e) {
            System.err.println("session killer: " + e);
          }
        }
      }, "session-killer");
      thread.setDaemon(true);
      thread.start();
    }

    /** When each session was killed. */
    List<Long> kills() {
      return List.copyOf(kills);
    }

    @Override
    public void close() throws InterruptedException {
      stop.set(true);
      thread.interrupt();
      thread.join(10_000);
    }
  }
}
