package io.heliosdb.beam.cdc;

import io.heliosdb.beam.pool.PooledDataSource;
import io.heliosdb.beam.stream.Backlog;
import java.sql.Connection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The log's bytes after a change stream's position, behind the server's log end ({@link
 * io.heliosdb.beam.dialect.ChangeLogDialect#logBytesBehind}): the {@code cdc_lag_bytes} metric
 * and the size the stream reports to the runner. Measured at most every {@code intervalMillis}
 * ({@link Backlog}), on a connection of the read's pool; a failed measurement is logged at debug
 * level and leaves the last value.
 */
final class LogBacklog {
  private static final Logger LOG = LoggerFactory.getLogger(LogBacklog.class);

  private final CdcSpec spec;
  private final PooledDataSource pool;
  private final Backlog backlog;

  LogBacklog(CdcSpec spec, PooledDataSource pool, long intervalMillis) {
    this.spec = spec;
    this.pool = pool;
    this.backlog = new Backlog(intervalMillis, System::currentTimeMillis);
  }

  /** The bytes after {@code position}, as last measured; -1 if never measured. */
  long bytesBehind(LogPosition position) {
    try {
      return backlog.measure(() -> {
        try (Connection connection = pool.getConnection()) {
          return spec.dialect().logBytesBehind(connection, position.offset());
        }
      });
    } catch (Exception e) {
      LOG.debug("[{}] cannot measure the log behind {}: {}", spec.label(), position.describe(),
          e.getMessage());
      return backlog.last();
    }
  }
}
