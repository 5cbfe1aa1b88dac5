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
              + " REPLICATION, or connect as a role that has it");
    } finally {
      db.execute("DROP ROLE IF EXISTS heliosdb_no_replication");
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
