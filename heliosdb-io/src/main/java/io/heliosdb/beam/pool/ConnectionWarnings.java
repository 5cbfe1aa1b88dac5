package io.heliosdb.beam.pool;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The warnings of a read that waits for connections, which HikariCP itself logs only at debug
 * level: the database refusing new connections (too many connections for the role or user, the
 * server down or restarting), and readers waiting long for one of the pool's connections (fewer
 * connections than readers). Readers wait up to the connect timeout and then retry with backoff,
 * so without these a read could stall for minutes without a word.
 */
final class ConnectionWarnings {
  private static final Logger LOG = LoggerFactory.getLogger(ConnectionWarnings.class);
  /** A wait for a pooled connection at least this long is reported. */
  static final long SLOW_WAIT_MILLIS = 500;
  /** At most one slow-wait warning per pool this often. */
  static final long WAIT_WARNING_INTERVAL_MILLIS = 60_000;
  /** At most one refusal warning per pool this often while the refusals go on. */
  static final long REFUSAL_WARNING_INTERVAL_MILLIS = 10_000;
  private static final Map<String, Long> LAST_WAIT_WARNING = new ConcurrentHashMap<>();

  private ConnectionWarnings() {}

  /**
   * After a reader got a connection from {@code pool} in {@code waitedMillis}: warns, at most once
   * a minute per pool, when that took {@link #SLOW_WAIT_MILLIS} or more, saying whether the pool
   * was full (then the fix is more connections) or the database was slow to accept one.
   *
   * @param stats the pool's counts after the reader got its connection
   */
  static void afterWait(String pool, String description, long waitedMillis,
      PooledDataSource.Stats stats) {
    if (waitedMillis < SLOW_WAIT_MILLIS) {
      return;
    }
    long now = System.currentTimeMillis();
    Long last = LAST_WAIT_WARNING.get(pool);
    if (last != null && now - last < WAIT_WARNING_INTERVAL_MILLIS) {
      return;
    }
    LAST_WAIT_WARNING.put(pool, now);
    if (stats.active() >= stats.max()) {
      LOG.warn("[{}] a reader waited {} ms for a connection: all {} connections of pool {} were"
              + " in use ({} more waiting), so the read runs less parallel than asked; raise"
              + " ConnectionConfiguration.withMaxConnections to at least the read's parallelism",
          description, waitedMillis, stats.max(), pool, stats.pending());
    } else {
      LOG.warn("[{}] a reader waited {} ms for a connection of pool {}: the database did not"
          + " accept a new connection sooner", description, waitedMillis, pool);
    }
  }

  /** {@code driver}, warning when the database refuses a new connection of the pool. */
  static DataSource loggingRefusals(DataSource driver, String description) {
    return new RefusalLogger(driver, description);
  }

  /**
   * Opens the pool's connections through the driver: the first refusal of a run of them is
   * logged as a warning with the database's answer, then at most every {@link
   * #REFUSAL_WARNING_INTERVAL_MILLIS}, and the end of the run at info level.
   */
  private static final class RefusalLogger extends DelegatingDataSource {
    private final String description;
    private long refusedSince;
    private long lastWarning;
    private int refusals;

    RefusalLogger(DataSource driver, String description) {
      super(driver);
      this.description = description;
    }

    @Override
    public Connection getConnection() throws SQLException {
      try {
        return opened(delegate.getConnection());
      } catch (SQLException e) {
        refused(e);
        throw e;
      }
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
      try {
        return opened(delegate.getConnection(username, password));
      } catch (SQLException e) {
        refused(e);
        throw e;
      }
    }

    private Connection opened(Connection connection) {
      long since;
      int count;
      synchronized (this) {
        since = refusedSince;
        count = refusals;
        refusedSince = 0;
        lastWarning = 0;
        refusals = 0;
      }
      if (since != 0) {
        LOG.info("[{}] the database accepts new connections again, after {} refusals over {} ms",
            description, count, System.currentTimeMillis() - since);
      }
      return connection;
    }

    private void refused(SQLException e) {
      long now = System.currentTimeMillis();
      long since;
      synchronized (this) {
        if (refusedSince == 0) {
          refusedSince = now;
        }
        refusals++;
        if (lastWarning != 0 && now - lastWarning < REFUSAL_WARNING_INTERVAL_MILLIS) {
          return;
        }
        lastWarning = now;
        since = refusedSince;
      }
      LOG.warn("[{}] the database refused a new connection (SQLState {}, error {}): {}; readers"
              + " wait for a connection (ConnectionConfiguration.withConnectTimeout), then retry"
              + " with backoff (RetryOptions.withConnectionRetryTime); refused for {} ms so far",
          description, e.getSQLState(), e.getErrorCode(), e.getMessage(), now - since);
    }
  }
}
