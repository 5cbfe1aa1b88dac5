package io.heliosdb.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.heliosdb.beam.testing.DatabaseKind;
import io.heliosdb.beam.testing.TestDatabase;
import io.heliosdb.beam.testing.TestDatabases;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Runs the Beam SQL example against a local PostgreSQL table and reads what it printed. */
@ExtendWith(TestDatabases.class)
class QueryTableWithSqlIT {
  @Test
  void printsTheAnswerOfTheQuery(@TestDatabases.Use(DatabaseKind.POSTGRES) TestDatabase db)
      throws Exception {
    String table = TestDatabase.uniqueName("bsql_example");
    db.execute("CREATE TABLE " + table + " (id INT PRIMARY KEY, status VARCHAR(10),"
        + " placed TIMESTAMPTZ)",
        "INSERT INTO " + table + " SELECT i, CASE WHEN i % 3 = 0 THEN 'open' ELSE 'paid' END,"
            + " TIMESTAMPTZ '2026-12-01 00:00:00+00' + i * INTERVAL '1 hour'"
            + " FROM generate_series(1, 30) i");
    PrintStream console = System.out;
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
      QueryTableWithSql.main(new String[] {"--source=" + db.url(), "--username=" + db.user(),
          "--table=" + table, "--query=SELECT status, COUNT(*) AS n, MAX(placed) AS latest"
              + " FROM PCOLLECTION GROUP BY status"});
    } finally {
      System.setOut(console);
      db.dropQuietly(table);
    }
    assertThat(printed.toString(StandardCharsets.UTF_8).lines()
        .filter(line -> line.startsWith("{")))
        .containsExactlyInAnyOrder(
            "{\"status\":\"open\",\"n\":10,\"latest\":\"2026-12-02T06:00:00Z\"}",
            "{\"status\":\"paid\",\"n\":20,\"latest\":\"2026-12-02T05:00:00Z\"}");
  }
}
