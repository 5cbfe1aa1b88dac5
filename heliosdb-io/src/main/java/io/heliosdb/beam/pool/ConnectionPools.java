package io.heliosdb.beam.pool;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.heliosdb.beam.ConnectionConfiguration;
import io.heliosdb.beam.metrics.PoolMetricsTracker;
import io.heliosdb.beam.metrics.SourceMetrics;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One HikariCP pool per worker JVM per distinct {@link ConnectionConfiguration} (credentials are
 * part of the key), shared by every DoFn instance that uses it and closed when the last of them
 * releases it in its {@code @Teardown}.
 */
public final class ConnectionPools {
  private static final Logger LOG = LoggerFactory.getLogger(ConnectionPools.class);
  private static final AtomicInteger POOL_IDS = new AtomicInteger();
  private static final Map<PoolKey, SharedPool> POOLS = new HashMap<>();

  private ConnectionPools() {}

  /** Takes a reference to the pool of {@code config}, creating it if needed. */
  public static PooledDataSource acquire(ConnectionConfiguration config) {
    PoolKey key = PoolKey.of(config);
    synchronized (POOLS) {
      SharedPool pool = POOLS.computeIfAbsent(key, k -> create(config));
      pool.references++;
      return new PooledDataSource(pool.dataSource, key.toString(), () -> release(key));
    }
  }

  /** The number of open pools in this JVM. */
  public static int openPools() {
    synchronized (POOLS) {
      return POOLS.size();
    }
  }

  private static void release(PoolKey key) {
    SharedPool toClose = null;
    synchronized (POOLS) {
      SharedPool pool = POOLS.get(key);
      if (pool != null && --pool.references == 0) {
        POOLS.remove(key);
        toClose = pool;
      }
    }
    if (toClose != null) {
      LOG.info("[{}] closing pool {}", key, toClose.dataSource.getPoolName());
      toClose.dataSource.close();
      toClose.source.close();
    }
  }

  private static SharedPool create(ConnectionConfiguration config) {
    HikariConfig hikari = new HikariConfig();
    hikari.setPoolName("heliosdb-" + POOL_IDS.incrementAndGet());
    hikari.setMinimumIdle(config.getMinConnections());
    hikari.setMaximumPoolSize(config.getMaxConnections());
    hikari.setConnectionTimeout(config.getConnectTimeout().getMillis());
    hikari.setIdleTimeout(config.getIdleTimeout().getMillis());
    hikari.setMaxLifetime(config.getMaxLifetime().getMillis());
    // fail on first use, not here: a worker starting while the database restarts must not die
    hikari.setInitializationFailTimeout(-1);
    // connections come from the driver (the password asked of the configuration for each) or
    // from the provided data source; HikariCP logs refused connections at debug level only, so
    // warn with the database's answer; each new connection then runs the session's init
    // statements (SessionInit)
    ConnectionSource source = new ConnectionSource(config);
    hikari.setDataSource(SessionInit.running(
        ConnectionWarnings.loggingRefusals(source, PoolKey.of(config).toString()), config));
    hikari.setMetricsTrackerFactory(PoolMetricsTracker.factory(SourceMetrics.databaseOf(config)));
    LOG.info(
        "[{}] opening pool {} ({}..{} connections)",
        config.getRedactedUrl(),
        hikari.getPoolName(),
        config.getMinConnections(),
        config.getMaxConnections());
    return new SharedPool(new HikariDataSource(hikari), source);
  }

  private static final class SharedPool {
    final HikariDataSource dataSource;
    final ConnectionSource source;
    int references;

    SharedPool(HikariDataSource dataSource, ConnectionSource source) {
      this.dataSource = dataSource;
      this.source = source;
    }
  }
}
