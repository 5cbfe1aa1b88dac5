package io.heliosdb.beam;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.heliosdb.beam.testing.DatabaseKind;
import io.heliosdb.beam.testing.TestDatabase;
import io.heliosdb.beam.testing.TestDatabases;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.junit.jupiter.api.Test;

/**
 * Connection properties and init statements on real PostgreSQL: a table under row-level security
 * read as a tenant that only the init statement names.
 */
class ConnectionHooksIT {

  /**
   * Row-level security keeps the rows of the tenant {@code SET app.tenant} names: only an init
   * statement run on every pooled connection gives the readers that setting, and a property
   * names their application.
   */
  @Test
  void everyConnectionRunsTheInitStatementsWithTheProperties() throws Exception {
    TestDatabase db = TestDatabases.get(DatabaseKind.POSTGRES);
    String table = TestDatabase.uniqueName("hooks_rls");
    String role = TestDatabase.uniqueName("hooks_r");
    db.execute(
        "CREATE TABLE " + table + " (id BIGINT PRIMARY KEY, tenant TEXT NOT NULL, v TEXT)",
        "INSERT INTO " + table + " SELECT g, CASE WHEN g % 3 = 0 THEN 'acme' ELSE 'globex' END,"
            + " 'v' || g FROM generate_series(1, 3000) g",
        "ALTER TABLE " + table + " ENABLE ROW LEVEL SECURITY",
        "CREATE POLICY tenant_rows ON " + table
            + " USING (tenant = current_setting('app.tenant', true))",
        "CREATE ROLE " + role + " LOGIN",
        "GRANT SELECT ON " + table + " TO " + role);
    try {
      ConnectionConfiguration connection = ConnectionConfiguration.create(db.url())
          .withUsername(role)
          .withConnectionProperties(Map.of("ApplicationName", "hooks-test"))
          .withConnectionInitSql("SET app.tenant = 'acme'");
      TestPipeline pipeline = TestPipeline.create().enableAbandonedNodeEnforcement(false);
      PCollection<Row> rows = pipeline.apply(HeliosDbIO.read().withConnection(connection)
          .withTable(table).withSnapshot(SnapshotOptions.byPrimaryKey().withChunkSize(200))
          .withParallelism(3));
      PAssert.that(SnapshotReadIT.render(rows, "id", "tenant"))
          .containsInAnyOrder(java.util.stream.IntStream.rangeClosed(1, 3000)
              .filter(i -> i % 3 == 0).mapToObj(i -> i + ":acme").toList());
      pipeline.run().waitUntilFinish();

      // without the init statement the same user reads no row at all
      TestPipeline without = TestPipeline.create().enableAbandonedNodeEnforcement(false);
      PAssert.that(without.apply(HeliosDbIO.read()
              .withConnection(ConnectionConfiguration.create(db.url()).withUsername(role))
              .withTable(table)))
          .empty();
      without.run().waitUntilFinish();

      // a failing init statement fails the build (the table is checked through it), naming it
      assertThatThrownBy(() -> TestPipeline.create().enableAbandonedNodeEnforcement(false).apply(
              HeliosDbIO.read().withConnection(connection.withConnectionInitSql("SET ROLE nobody_x"))
                  .withTable(table)))
          .hasStackTraceContaining("The connection's init statement 'SET ROLE nobody_x' failed");
    } finally {
      db.dropQuietly(table);
      db.execute("DROP ROLE IF EXISTS " + role);
    }
  }

  @Test
  void propertiesAndStatementsAreCheckedAndTheirValuesNeverShown() {
    ConnectionConfiguration config = ConnectionConfiguration.create("jdbc:postgresql://h/db");
    assertThatThrownBy(() -> config.withConnectionProperties(Map.of("password", "x")))
        .hasMessageContaining("set 'password' with withPassword(...)");
    assertThatThrownBy(() -> config.withConnectionProperties(Map.of(" ", "x")))
        .hasMessageContaining("must have a non-blank name");
    assertThatThrownBy(() -> config.withConnectionInitSql("SET a = 1", " "))
        .hasMessageContaining("a statement must not be null or blank");
    ConnectionConfiguration withSecrets = config
        .withConnectionProperties(Map.of("sslpassword", "s3cret", "ApplicationName", "app"))
        .withConnectionInitSql("SET ROLE reader");
    assertThat(withSecrets.toString()).doesNotContain("s3cret");
    org.apache.beam.sdk.transforms.display.DisplayData display =
        org.apache.beam.sdk.transforms.display.DisplayData.from(
            HeliosDbIO.read().withConnection(withSecrets).withTable("t"));
    assertThat(display.toString()).contains("ApplicationName, sslpassword")
        .doesNotContain("s3cret");
    assertThat(withSecrets.getConnectionInitSql()).isEqualTo(List.of("SET ROLE reader"));
  }
}
