package io.heliosdb.beam.dialect;

import io.heliosdb.beam.schema.TableId;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.regex.Pattern;

/**
 * PostgreSQL's exported snapshots: {@code pg_export_snapshot()} in a repeatable-read transaction
 * that stays open, imported with {@code SET TRANSACTION SNAPSHOT}, as parallel {@code pg_dump}
 * does. Sessions are named by their {@code application_name}: {@code heliosdb-io exports
 * snapshot <id>} and, while a read runs, {@code heliosdb-io reads snapshot <id>}.
 */
final class PostgresSnapshotExport implements SnapshotExport {
  /**
   * A snapshot identifier as the server writes it ({@code 00000003-0000001B-1}): hex digits and
   * dashes only, so that it can be written into {@code SET TRANSACTION SNAPSHOT}, which takes no
   * parameters.
   */
  private static final Pattern SNAPSHOT_ID =
      Pattern.compile("[0-9A-F]{1,16}(-[0-9A-F]{1,16}){1,3}");

  /**
   * How long the server lets the exporting session sit idle in its transaction before ending it:
   * its holder checks in far more often, so only a holder that stopped (a hung worker) lets this
   * happen.
   */
  static final String EXPORTER_IDLE_LIMIT = "5min";

  private final Dialect dialect;

  PostgresSnapshotExport(Dialect dialect) {
    this.dialect = dialect;
  }

  @Override
  public ExportedSnapshot export(Connection connection, TableId table) throws SQLException {
    connection.setAutoCommit(true);
    try (Statement statement = connection.createStatement()) {
      statement.execute("SET idle_in_transaction_session_timeout = '" + EXPORTER_IDLE_LIMIT + "'");
    }
    connection.setAutoCommit(false);
    ExportedSnapshot snapshot;
    try (Statement statement = connection.createStatement()) {
      statement.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY");
      try (ResultSet rs = statement.executeQuery(
          "SELECT pg_export_snapshot(), pid,"
              + " CAST(EXTRACT(EPOCH FROM backend_start) * 1000000 AS bigint)"
              + " FROM pg_stat_activity WHERE pid = pg_backend_pid()")) {
        rs.next();
        snapshot = new ExportedSnapshot(checkedId(rs.getString(1)), rs.getInt(2), rs.getLong(3));
      }
      // what pg_dump locks too: TRUNCATE, VACUUM FULL, CLUSTER and rewriting ALTER TABLEs would
      // move or hide the snapshot's rows; reads and writes go on
      statement.execute("LOCK TABLE " + dialect.quoteTable(table) + " IN ACCESS SHARE MODE");
      statement.execute(
          "SET application_name = 'heliosdb-io exports snapshot " + snapshot.id() + "'");
    }
    return snapshot;
  }

  @Override
  public void beginReadIn(Connection connection, ExportedSnapshot snapshot) throws SQLException {
    String id = checkedId(snapshot.id());
    connection.setAutoCommit(false);
    try (Statement statement = connection.createStatement()) {
      statement.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY;"
          + " SET TRANSACTION SNAPSHOT '" + id + "';"
          + " SET LOCAL application_name = '" + readerName(id) + "'");
    }
  }

  /**
   * {@code invalid snapshot identifier} (22023): the exporting transaction ended; {@code could
   * not import the requested snapshot} (55000): it was ending.
   */
  @Override
  public boolean isSnapshotGone(SQLException error) {
    return "22023".equals(error.getSQLState()) || "55000".equals(error.getSQLState());
  }

  @Override
  public long readersOf(Connection connection, ExportedSnapshot snapshot) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      // the activity a transaction sees is fixed at its first look unless cleared
      statement.execute("SELECT pg_stat_clear_snapshot()");
    }
    return CatalogDialect.queryLong(
        connection, "SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = ?", 0,
        readerName(snapshot.id()));
  }

  @Override
  public boolean endExporter(Connection connection, ExportedSnapshot snapshot)
      throws SQLException {
    // in the select list, so that only the session of that pid and start is signalled
    return "t".equals(CatalogDialect.queryString(
        connection,
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid = CAST(? AS integer)"
            + " AND CAST(EXTRACT(EPOCH FROM backend_start) * 1000000 AS bigint)"
            + " = CAST(? AS bigint)",
        String.valueOf(snapshot.exporterPid()),
        String.valueOf(snapshot.exporterStart())));
  }

  private static String readerName(String id) {
    return "heliosdb-io reads snapshot " + id;
  }

  /**
   * The identifier, if it has the server's form.
   *
   * @throws IllegalArgumentException otherwise
   */
  static String checkedId(String id) {
    if (id == null || !SNAPSHOT_ID.matcher(id).matches()) {
      throw new IllegalArgumentException(
          "not a PostgreSQL snapshot identifier: " + (id == null ? null : "\"" + id + "\""));
    }
    return id;
  }
}
