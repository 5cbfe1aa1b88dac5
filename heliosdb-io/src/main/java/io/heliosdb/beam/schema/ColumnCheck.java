package io.heliosdb.beam.schema;

import io.heliosdb.beam.HeliosDbException;
import io.heliosdb.beam.dialect.Dialect;
import io.heliosdb.beam.pool.PooledDataSource;
import io.heliosdb.beam.dialect.FailureKind;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fails a read fast, with a message that says so, when its table's columns changed since the
 * pipeline was built (the output schema is fixed then): checked after a read fails permanently
 * (a dropped or renamed column makes the query fail) and, for reads that run for weeks, at most
 * every {@link #INTERVAL_MILLIS} ({@link #periodically}), which also catches added and retyped
 * columns.
 */
public final class ColumnCheck {
  private static final Logger LOG = LoggerFactory.getLogger(ColumnCheck.class);
  /** How often {@link #periodically} looks at the catalog: one query a minute per reader. */
  public static final long INTERVAL_MILLIS = 60_000;

  private final Dialect dialect;
  private final TableMetadata built;
  private final String label;
  /** 0: the first look is at the first call (the table may have changed since the build). */
  private long lastCheck;

  public ColumnCheck(Dialect dialect, TableMetadata built, String label) {
    this.dialect = dialect;
    this.built = built;
    this.label = label;
  }

  /**
   * Compares the table's columns with the built ones if {@link #INTERVAL_MILLIS} passed since the
   * last look.
   *
   * @param where what the read did last, for the message ("incremental polling after ...")
   * @throws HeliosDbException if they differ
   */
  public void periodically(Connection connection, String where) throws SQLException {
    if (System.currentTimeMillis() - lastCheck < INTERVAL_MILLIS) {
      return;
    }
    lastCheck = System.currentTimeMillis();
    check(connection, where, null);
  }

  /**
   * After {@code error}: if the dialect classifies it as permanent and the table's columns
   * changed, throws the schema change instead, with {@code error} as cause. Returns otherwise,
   * also when the catalog cannot be read now.
   */
  public void afterFailure(PooledDataSource pool, SQLException error, String where) {
    if (dialect.classify(error) != FailureKind.PERMANENT) {
      return;
    }
    try (Connection connection = pool.getConnection()) {
      check(connection, where, error);
    } catch (SQLException e) {
      LOG.debug("[{}] could not read the table's columns after a failure: {}", label, e.toString());
    }
  }

  private void check(Connection connection, String where, SQLException cause)
      throws SQLException {
    Optional<ColumnChange> change =
        ColumnChange.between(built.columns(), dialect.describeTable(connection, built.table())
            .columns());
    if (change.isPresent()) {
      throw new HeliosDbException(
          "[" + label + "] the table's columns changed since the pipeline was built ("
              + change.get() + "); " + where + " stopped before reading with them. Restart the"
              + " pipeline to read the new schema",
          cause);
    }
  }
}
