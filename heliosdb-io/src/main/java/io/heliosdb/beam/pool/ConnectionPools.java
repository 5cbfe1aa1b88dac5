package io.heliosdb.beam.pool;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.util.DriverDataSource;
import io.heliosdb.beam.ConnectionConfiguration;
import io.heliosdb.beam.metrics.PoolMetricsTracker;
import io.heliosdb.beam.metrics.SourceMetrics;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
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
      SharedPool pool = POOLS.computeIfAbsent(key, k -> new SharedPool(create(config)));
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
    HikariDataSource toClose = null;
    synchronized (POOLS) {
      SharedPool pool = POOLS.get(key);
      if (pool != null && --pool.references == 0) {
        POOLS.remove(key);
        toClose = pool.dataSource;
      }
    }
    if (toClose != null) {
      LOG.info("[{}] closing pool {}", key, toClose.getPoolName());
      toClose.close();
    }
  }

  private static HikariDataSource create(ConnectionConfiguration config) {
    HikariConfig hikari = new HikariConfig();
    hikari.setPoolName("heliosdb-" + POOL_IDS.incrementAndGet());
    hikari.setJdbcUrl(config.getJdbcUrl());
    hikari.setUsername(config.getUsername());
    hikari.setPassword(config.password());
    hikari.setMinimumIdle(config.getMinConnections());
    hikari.setMaximumPoolSize(config.getMaxConnections());
    hikari.setConnectionTimeout(config.getConnectTimeout().getMillis());
    hikari.setIdleTimeout(config.getIdleTimeout().getMillis());
    hikari.setMaxLifetime(config.getMaxLifetime().getMillis());
    // fail on first use, not here: a worker starting while the database restarts must not die
    hikari.setInitializationFailTimeout(-1);
    // HikariCP logs refused connections at debug level only: warn, with the database's answer
    // each new connection then runs the session's init statements (SessionInit)
    Properties properties = new Properties();
    properties.putAll(config.getConnectionProperties());
    // the driver by class, not through DriverManager, which on a cluster's worker may know only
    // the drivers of another class loader (DirectConnections#connect)
    java.sql.Driver driver;
    try {
      driver = DirectConnections.driverFor(config.getJdbcUrl());
    } catch (java.sql.SQLException e) {
      driver = null;
    }
    hikari.setDataSource(SessionInit.running(ConnectionWarnings.loggingRefusals(
        new DriverDataSource(config.getJdbcUrl(), driver == null ? null : driver.getClass().getName(),
            properties, config.getUsername(), config.password()),
        PoolKey.of(config).toString()), config));
    hikari.setMetricsTrackerFactory(PoolMetricsTracker.factory(SourceMetrics.databaseOf(config)));
    LOG.info(
        "[{}] opening pool {} ({}..{} connections)",
        config.getRedactedUrl(),
        hikari.getPoolName(),
        config.getMinConnections(),
        config.getMaxConnections());
    return new HikariDataSource(hikari);
  }

  private static final class SharedPool {
    final HikariDataSource dataSource;
    int references;

    SharedPool(HikariDataSource dataSource) {
      this.dataSource = dataSource;
    }
  }
}
