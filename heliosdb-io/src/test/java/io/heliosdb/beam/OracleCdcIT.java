package io.heliosdb.beam;

import static org.assertj.core.api.Assertions.assertThat;

import io.heliosdb.beam.testing.DatabaseKind;
import io.heliosdb.beam.testing.StreamCollector;
import io.heliosdb.beam.testing.TestDatabase;
import io.heliosdb.beam.testing.TestDatabases;
import io.heliosdb.beam.testing.TestDatabases.Use;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.testing.TestPipeline;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * CDC on Oracle through LogMiner; runs only where {@code HELIOSDB_TEST_ORACLE_URL} names a
 * database in ARCHIVELOG mode with supplemental logging, and is skipped, visibly, elsewhere.
 */
@ExtendWith(TestDatabases.class)
class OracleCdcIT {

  @Test
  void streamsInsertsUpdatesAndDeletes(@Use(DatabaseKind.ORACLE) TestDatabase db)
      throws Exception {
    String table = TestDatabase.uniqueName("cdc_ora").toUpperCase(java.util.Locale.ROOT);
    db.execute("CREATE TABLE " + table + " (ID NUMBER(18) PRIMARY KEY, V VARCHAR2(20) NOT NULL)",
        "ALTER TABLE " + table + " ADD SUPPLEMENTAL LOG DATA (ALL) COLUMNS");
    TestPipeline pipeline = CdcReadIT.newPipeline();
    StreamCollector changes = new StreamCollector();
    changes.collect(pipeline.apply(HeliosDbIO.read().withConnection(db.connectionConfiguration())
            .withTable(table).withCdc(CdcOptions.create())),
        change -> change.getString("op") + ":" + (change.getRow("after") == null
            ? change.getRow("before").getValue("ID") : change.getRow("after").getValue("ID")));
    PipelineResult result = CdcReadIT.start(pipeline);
    try {
      Thread.sleep(10_000); // LogMiner starts slowly
      db.execute("INSERT INTO " + table + " VALUES (1, 'a')",
          "UPDATE " + table + " SET V = 'b' WHERE ID = 1", "DELETE FROM " + table + " WHERE ID = 1");
      CdcReadIT.awaitWhileRunning(result, () -> changes.values().size() >= 3);
      assertThat(changes.values()).containsExactly("c:1", "u:1", "d:1");
    } finally {
      result.cancel();
      db.dropQuietly(table);
    }
  }
}
