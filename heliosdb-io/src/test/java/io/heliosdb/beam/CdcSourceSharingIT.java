package io.heliosdb.beam;

import static io.heliosdb.beam.CdcReadIT.createTable;
import static io.heliosdb.beam.CdcReadIT.newPipeline;
import static io.heliosdb.beam.CdcReadIT.read;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.heliosdb.beam.testing.DatabaseKind;
import io.heliosdb.beam.testing.TestDatabase;
import io.heliosdb.beam.testing.TestDatabases;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.Pipeline;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ArgumentsSource;

/**
 * Two change streams never share a PostgreSQL replication slot or a MySQL/MariaDB server id
 * silently: a read that would is refused, naming the slot or server id and the option to set.
 */
@ExtendWith(TestDatabases.class)
class CdcSourceSharingIT {

  /** A second pipeline on a slot another pipeline streams from fails when it is built. */
  @Test
  void aSecondPipelineOnAnActiveSlotFailsWhenBuilt(@TestDatabases.Use(DatabaseKind.POSTGRES)
      TestDatabase db) throws Exception {
    String table = createTable(db, "cdc_shared");
    String slot = HeliosDbIO.Read.defaultSlotName("public_" + table);
    try (CdcReadIT.Run first = new CdcReadIT.Run(newPipeline(), read(db, table,
        CdcOptions.create().withHeartbeatInterval(org.joda.time.Duration.standardSeconds(1))))) {
      // the stream runs once it has read a change written after it started
      for (int id = 1; first.changes.values().isEmpty(); id++) {
        db.execute("INSERT INTO " + table + " VALUES (" + id + ", 'v')");
        Thread.sleep(500);
        first.result.waitUntilFinish(org.joda.time.Duration.millis(1));
      }
      assertThatThrownBy(() -> Pipeline.create().apply(read(db, table, CdcOptions.create())))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("replication slot " + slot)
          .hasMessageContaining("is in use by")
          .hasMessageContaining("CdcOptions.withSlotName");
    } finally {
      // the cancelled pipeline's reader would keep the slot until it has been unused for 15 s
      db.execute("SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots"
          + " WHERE slot_name = '" + slot + "' AND active");
      db.dropSlotAndPublication(slot);
      db.dropQuietly(table);
    }
  }

  /** Two reads in one pipeline with the same slot (or server id) fail when it is built. */
  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void twoReadsOfOnePipelineWithOneSlotOrServerIdFailWhenBuilt(TestDatabase db)
      throws Exception {
    String table = createTable(db, "cdc_twice");
    try {
      CdcOptions options = db.isPostgres() ? CdcOptions.create() : CdcOptions.create()
          .withServerId(4711);
      Pipeline pipeline = Pipeline.create();
      pipeline.apply("First", read(db, table, options));
      assertThatThrownBy(() -> pipeline.apply("Second", read(db, table, options)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining(db.isPostgres() ? "replication slot heliosdb_public_" + table
              : "server id 4711")
          .hasMessageContaining(db.isPostgres() ? "CdcOptions.withSlotName"
              : "CdcOptions.withServerId");
      // each with its own: accepted
      Pipeline separate = Pipeline.create();
      separate.apply("First", read(db, table, options));
      separate.apply("Second", read(db, table, db.isPostgres()
          ? options.withSlotName(table + "_2") : options.withServerId(4712)));
    } finally {
      db.dropQuietly(table);
    }
  }

  /**
   * Two pipelines with the default options on one MariaDB table both read every change: each
   * read has its own server id unless one is set.
   */
  @Test
  void twoPipelinesWithDefaultServerIdsBothReadEveryChange(
      @TestDatabases.Use(DatabaseKind.MYSQL) TestDatabase db) throws Exception {
    String table = createTable(db, "cdc_two");
    CdcOptions options;
    try (Connection connection = db.connect()) {
      options = CdcOptions.create().withStartPosition(
          CdcReadIT.dialect(db).currentLogPosition(connection));
    }
    try (CdcReadIT.Run first = new CdcReadIT.Run(newPipeline(), read(db, table, options));
        CdcReadIT.Run second = new CdcReadIT.Run(newPipeline(), read(db, table, options))) {
      List<String> want = new ArrayList<>();
      for (int id = 1; id <= 200; id++) {
        db.execute("INSERT INTO " + table + " VALUES (" + id + ", 'v')");
        want.add("c:" + id + ":-:v");
      }
      first.awaitChanges(want.size());
      second.awaitChanges(want.size());
      Thread.sleep(1_000);
      assertThat(first.changes.values()).containsExactlyInAnyOrderElementsOf(want);
      assertThat(second.changes.values()).containsExactlyInAnyOrderElementsOf(want);
    } finally {
      db.dropQuietly(table);
    }
  }
}
