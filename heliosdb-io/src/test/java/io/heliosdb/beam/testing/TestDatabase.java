package io.heliosdb.beam.testing;

import io.heliosdb.beam.CdcOptions;
import io.heliosdb.beam.ConnectionConfiguration;
import io.heliosdb.beam.dialect.Dialects;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.UUID;

/** A database handed to tests by {@link TestDatabases}, with helpers to set up tables. */
public final class TestDatabase {
  private final DatabaseKind kind;
  private final String url;
  private final String user;
  private final String password;

  TestDatabase(DatabaseKind kind, String url, String user, String password) {
    this.kind = kind;
    this.url = url;
    this.user = user;
    this.password = password;
  }

  public DatabaseKind kind() {
    return kind;
  }

  public boolean isPostgres() {
    return kind == DatabaseKind.POSTGRES;
  }

  public String url() {
    return url;
  }

  public String user() {
    return user;
  }

  public String password() {
    return password;
  }

  /** The configuration a pipeline uses to read this database. */
  public ConnectionConfiguration connectionConfiguration() {
    ConnectionConfiguration config = ConnectionConfiguration.create(url);
    if (user != null) {
      config = config.withUsername(user);
    }
    return password == null ? config : config.withPassword(password);
  }

  public Connection connect() throws SQLException {
    return DriverManager.getConnection(url, user, password);
  }

  /** Runs statements in one connection, in order, with autocommit. */
  public void execute(String... statements) throws SQLException {
    try (Connection connection = connect();
        Statement statement = connection.createStatement()) {
      for (String sql : statements) {
        statement.execute(sql);
      }
    }
  }

  /**
   * Inserts rows with a batched prepared statement ({@code ?} per column), committing every 10,000
   * rows.
   */
  public void insert(String table, String columns, Iterable<Object[]> rows) throws SQLException {
    int count = columns.split(",").length;
    String sql =
        "INSERT INTO " + table + " (" + columns + ") VALUES ("
            + String.join(", ", java.util.Collections.nCopies(count, "?")) + ")";
    try (Connection connection = connect();
        java.sql.PreparedStatement statement = connection.prepareStatement(sql)) {
      connection.setAutoCommit(false);
      int pending = 0;
      for (Object[] row : rows) {
        for (int i = 0; i < row.length; i++) {
          statement.setObject(i + 1, row[i]);
        }
        statement.addBatch();
        if (++pending == 10_000) {
          statement.executeBatch();
          connection.commit();
          pending = 0;
        }
      }
      statement.executeBatch();
      connection.commit();
    }
  }

  /** A table name no other test or run uses: {@code prefix_} and random hex, lower case. */
  public static String uniqueName(String prefix) {
    return (prefix + "_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12))
        .toLowerCase(Locale.ROOT);
  }

  /** Drops a table if it exists, ignoring errors (for test clean-up). */
  public void dropQuietly(String table) {
    try {
      execute("DROP TABLE IF EXISTS " + table);
    } catch (SQLException ignored) {
      // clean-up only
    }
  }

  /** PostgreSQL: the publication of {@code table} and a pgoutput slot, both named as the table. */
  public void createPublicationAndSlot(String table) throws SQLException {
    execute("CREATE PUBLICATION " + table + " FOR TABLE " + table,
        "SELECT pg_create_logical_replication_slot('" + table + "', 'pgoutput')");
  }

  /**
   * CDC of {@code table} from now on, with one-second heartbeats: PostgreSQL gets a full replica
   * identity, a publication and a slot named as the table (drop them with {@link
   * #dropSlotAndPublication}); MySQL and MariaDB start at the current binlog position.
   */
  public CdcOptions cdcFromNow(String table) throws SQLException {
    CdcOptions options = CdcOptions.create().withSlotName(table)
        .withHeartbeatInterval(org.joda.time.Duration.standardSeconds(1));
    if (isPostgres()) {
      execute("ALTER TABLE " + table + " REPLICA IDENTITY FULL");
      createPublicationAndSlot(table);
      return options;
    }
    try (Connection connection = connect()) {
      return options.withStartPosition(
          Dialects.forJdbcUrl(url, url).currentLogPosition(connection));
    }
  }

  /**
   * PostgreSQL: drops the slot, waiting up to 30 s for a cancelled pipeline to release it (a
   * leftover slot keeps WAL forever), then the publication of the same name.
   */
  public void dropSlotAndPublication(String name) {
    for (int attempt = 0; attempt < 60; attempt++) {
      try {
        execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots"
            + " WHERE slot_name = '" + name + "'");
        execute("DROP PUBLICATION IF EXISTS " + name);
        return;
      } catch (SQLException stillActive) {
        try {
          Thread.sleep(500);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
    System.err.println("could not drop replication slot " + name + " within 30 s");
  }

  @Override
  public String toString() {
    return kind.name().toLowerCase(Locale.ROOT);
  }
}
