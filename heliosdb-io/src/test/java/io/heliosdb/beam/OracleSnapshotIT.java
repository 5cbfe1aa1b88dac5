package io.heliosdb.beam;

import io.heliosdb.beam.testing.DatabaseKind;
import io.heliosdb.beam.testing.TestDatabase;
import io.heliosdb.beam.testing.TestDatabases;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Snapshot reads of Oracle. Runs only where {@code HELIOSDB_TEST_ORACLE_URL} names an Oracle
 * database; skipped, visibly, elsewhere (no Oracle server can run on the build machine).
 */
@ExtendWith({TestPipelineExtension.class, TestDatabases.class})
class OracleSnapshotIT {

  @Test
  void readsNumberKeyedTableWithOracleTypes(
      @TestDatabases.Use(DatabaseKind.ORACLE) TestDatabase db, TestPipeline pipeline)
      throws Exception {
    String table = TestDatabase.uniqueName("ORA_SNAP").toUpperCase();
    db.execute("CREATE TABLE " + table + " (ID NUMBER(18) PRIMARY KEY, NAME VARCHAR2(20),"
        + " AMOUNT NUMBER(12,2), CREATED DATE, UPDATED TIMESTAMP WITH TIME ZONE, NOTES CLOB,"
        + " DATA BLOB, CODE RAW(8))");
    db.insert(table, "ID, NAME, AMOUNT",
        IntStream.range(0, 1_000).mapToObj(i -> new Object[] {(long) i * 3 - 100, "n" + i,
            new java.math.BigDecimal(i + ".25")}).toList());

    PCollection<Row> rows = pipeline.apply(HeliosDbIO.read()
        .withConnection(db.connectionConfiguration()).withTable(table)
        .withSnapshot(SnapshotOptions.byPrimaryKey().withChunkSize(100)));

    PAssert.that(SnapshotReadIT.render(rows, "ID", "NAME")).containsInAnyOrder(
        IntStream.range(0, 1_000).mapToObj(i -> (i * 3 - 100) + ":n" + i).toList());
    pipeline.run().waitUntilFinish();
    db.execute("DROP TABLE " + table);
  }

}
