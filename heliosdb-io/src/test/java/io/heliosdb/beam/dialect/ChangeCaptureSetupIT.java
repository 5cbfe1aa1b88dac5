package io.heliosdb.beam.dialect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.heliosdb.beam.testing.DatabaseKind;
import io.heliosdb.beam.testing.TestDatabase;
import io.heliosdb.beam.testing.TestDatabases;
import io.heliosdb.beam.testing.TestDatabases.Use;
import java.sql.Connection;
import java.sql.DriverManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ArgumentsSource;

/** The CDC prerequisite checks and log positions against the real servers. */
@ExtendWith(TestDatabases.class)
class ChangeCaptureSetupIT {

  static Dialect dialect(TestDatabase db) {
    return Dialects.forJdbcUrl(db.url(), db.url());
  }

  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void preparedServersPassAndTheLogPositionAdvances(TestDatabase db) throws Exception {
    String table = TestDatabase.uniqueName("cdc_pos");
    try (Connection connection = db.connect()) {
      Dialect dialect = dialect(db);
      dialect.checkChangeCaptureSetup(connection);
      String before = dialect.currentLogPosition(connection);
      assertThat(before).matches(db.isPostgres() ? "[0-9A-F]+/[0-9A-F]+" : ".+:\\d+");
      db.execute("CREATE TABLE " + table + " (id INT PRIMARY KEY)",
          "INSERT INTO " + table + " VALUES (1)");
      assertThat(dialect.currentLogPosition(connection)).isNotEqualTo(before);
    } finally {
      db.dropQuietly(table);
    }
  }

  @Test
  void aPostgresUserWithoutReplicationIsToldHowToGrantIt(@Use(DatabaseKind.POSTGRES)
      TestDatabase db) throws Exception {
    db.execute("DROP ROLE IF EXISTS heliosdb_no_replication",
        "CREATE ROLE heliosdb_no_replication LOGIN");
    try (Connection connection =
        DriverManager.getConnection(db.url(), "heliosdb_no_replication", "")) {
      assertThatThrownBy(() -> new PostgresDialect().checkChangeCaptureSetup(connection))
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("CDC on PostgreSQL needs the REPLICATION privilege, which user"
              + " heliosdb_no_replication lacks. Run ALTER ROLE \"heliosdb_no_replication\" WITH"
              + " REPLICATION, or connect as a role that has it (on Amazon RDS and Aurora: GRANT"
              + " rds_replication TO \"heliosdb_no_replication\")");
    } finally {
      db.execute("DROP ROLE IF EXISTS heliosdb_no_replication");
    }
  }

  /**
   * REPLICATION held by a role the user is a member of: PostgreSQL does not pass it on, so the
   * check refuses and says why; membership of RDS's {@code rds_replication} (here through another
   * role) is accepted, as RDS and Aurora grant replication through it. The roles are created in
   * a transaction that is rolled back, the check run in it as the user ({@code SET SESSION
   * AUTHORIZATION}), so that no role is left on the server.
   */
  @Test
  void aPostgresRoleMembershipGivesReplicationOnlyThroughTheManagedRoles(
      @Use(DatabaseKind.POSTGRES) TestDatabase db) throws Exception {
    String user = TestDatabase.uniqueName("heliosdb_member");
    String group = TestDatabase.uniqueName("heliosdb_replicators");
    try (Connection connection = db.connect();
        java.sql.Statement statement = connection.createStatement()) {
      connection.setAutoCommit(false);
      try {
        statement.execute("CREATE ROLE " + group + " NOLOGIN REPLICATION");
        statement.execute("CREATE ROLE " + user + " LOGIN IN ROLE " + group);
        statement.execute("SET SESSION AUTHORIZATION " + user);
        assertThatThrownBy(() -> new PostgresDialect().checkChangeCaptureSetup(connection))
            .isInstanceOf(IllegalStateException.class)
            .hasMessage("CDC on PostgreSQL needs the REPLICATION privilege, which user " + user
                + " lacks: it is a member of " + group + ", but PostgreSQL does not pass"
                + " REPLICATION on through role membership. Run ALTER ROLE \"" + user + "\" WITH"
                + " REPLICATION, or connect as a role that has it (on Amazon RDS and Aurora:"
                + " GRANT rds_replication TO \"" + user + "\")");
        statement.execute("RESET SESSION AUTHORIZATION");
        boolean managedRoleExists;
        try (java.sql.ResultSet rs = statement.executeQuery(
            "SELECT 1 FROM pg_roles WHERE rolname = 'rds_replication'")) {
          managedRoleExists = rs.next();
        }
        if (!managedRoleExists) {
          statement.execute("CREATE ROLE rds_replication NOLOGIN");
        }
        statement.execute("GRANT rds_replication TO " + group);
        statement.execute("SET SESSION AUTHORIZATION " + user);
        new PostgresDialect().checkChangeCaptureSetup(connection);
      } finally {
        connection.rollback();
      }
    }
  }

  /**
   * MariaDB rights through a role: accepted once the role is the user's default (which the log
   * reader's session enables), refused before, saying so.
   */
  @Test
  void mariaDbBinlogRightsThroughTheDefaultRole(@Use(DatabaseKind.MYSQL) TestDatabase db)
      throws Exception {
    String user = TestDatabase.uniqueName("heliosdb_binlog");
    String role = user + "_r";
    db.execute("CREATE ROLE " + role,
        "GRANT REPLICATION SLAVE, BINLOG MONITOR ON *.* TO " + role,
        "CREATE USER " + user + "@'%'",
        "GRANT " + role + " TO " + user + "@'%'");
    try {
      try (Connection admin = db.connect()) {
        db.execute("GRANT SELECT ON " + admin.getCatalog() + ".* TO " + user + "@'%'");
      }
      try (Connection connection = DriverManager.getConnection(db.url(), user, "")) {
        assertThatThrownBy(() -> dialect(db).checkChangeCaptureSetup(connection))
            .isInstanceOf(IllegalStateException.class)
            .hasMessageStartingWith("CDC on MySQL/MariaDB needs REPLICATION SLAVE, BINLOG"
                + " MONITOR for user " + user + "@%, which its session lacks (")
            .hasMessageContaining("MariaDB: SET DEFAULT ROLE <role> FOR <user>");
      }
      db.execute("SET DEFAULT ROLE " + role + " FOR " + user + "@'%'");
      try (Connection connection = DriverManager.getConnection(db.url(), user, "")) {
        dialect(db).checkChangeCaptureSetup(connection);
      }
    } finally {
      db.execute("DROP USER " + user + "@'%'", "DROP ROLE " + role);
    }
  }

  /** Changes the server's global settings for a moment, and restores them. */
  @Test
  void aMariaDbBinlogNotInRowFormatIsRejected(@Use(DatabaseKind.MYSQL) TestDatabase db)
      throws Exception {
    try (Connection connection = db.connect()) {
      try {
        db.execute("SET GLOBAL binlog_format = 'MIXED'");
        assertThatThrownBy(() -> dialect(db).checkChangeCaptureSetup(connection))
            .isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("needs binlog_format = ROW, but the server runs with"
                + " binlog_format = MIXED");
      } finally {
        db.execute("SET GLOBAL binlog_format = 'ROW'");
      }
      try {
        db.execute("SET GLOBAL binlog_row_image = 'MINIMAL'");
        assertThatThrownBy(() -> dialect(db).checkChangeCaptureSetup(connection))
            .hasMessageContaining("needs binlog_row_image = FULL");
      } finally {
        db.execute("SET GLOBAL binlog_row_image = 'FULL'");
      }
      dialect(db).checkChangeCaptureSetup(connection);
    }
  }
}
