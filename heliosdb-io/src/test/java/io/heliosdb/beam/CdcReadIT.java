package io.heliosdb.beam;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.heliosdb.beam.dialect.Dialect;
import io.heliosdb.beam.dialect.Dialects;
import io.heliosdb.beam.testing.StreamCollector;
import io.heliosdb.beam.testing.TestDatabase;
import io.heliosdb.beam.testing.TestDatabases;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.values.Row;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ArgumentsSource;

/** CDC of real PostgreSQL and MariaDB tables, as unbounded pipelines on the Direct runner. */
@ExtendWith(TestPipelineExtension.class)
class CdcReadIT {
  private static final Duration WAIT = Duration.ofSeconds(60);

  /** {@code op:id:before v:after v}, rendered from a change envelope. */
  static String render(Row change) {
    Row before = change.getRow("before");
    Row after = change.getRow("after");
    Row key = after != null ? after : before;
    return change.getString("op") + ":" + key.getValue("id") + ":"
        + (before == null ? "-" : before.getString("v")) + ":"
        + (after == null ? "-" : after.getString("v"));
  }

  static String createTable(TestDatabase db, String prefix) throws Exception {
    String table = TestDatabase.uniqueName(prefix);
    db.execute("CREATE TABLE " + table + " (id BIGINT PRIMARY KEY, v VARCHAR(20) NOT NULL)");
    if (db.isPostgres()) {
      db.execute("ALTER TABLE " + table + " REPLICA IDENTITY FULL");
    }
    return table;
  }

  /**
   * Creates the publication and the slot (PostgreSQL) now, or takes the binlog position (MariaDB),
   * so that the stream sees every later change.
   */
  static CdcOptions cdc(TestDatabase db, String table) throws Exception {
    CdcOptions options = CdcOptions.create().withSlotName(table)
        .withHeartbeatInterval(org.joda.time.Duration.standardSeconds(1));
    if (db.isPostgres()) {
      db.execute("CREATE PUBLICATION " + table + " FOR TABLE " + table,
          "SELECT pg_create_logical_replication_slot('" + table + "', 'pgoutput')");
      return options;
    }
    try (Connection connection = db.connect()) {
      return options.withStartPosition(dialect(db).currentLogPosition(connection));
    }
  }

  static Dialect dialect(TestDatabase db) {
    return Dialects.forJdbcUrl(db.url(), db.url());
  }

  static void dropSlot(TestDatabase db, String slot) {
    if (db.isPostgres()) {
      try {
        db.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots"
            + " WHERE slot_name = '" + slot + "' AND NOT active");
        db.execute("DROP PUBLICATION IF EXISTS " + slot);
      } catch (Exception ignored) {
        // clean-up only
      }
    }
  }

  static PipelineResult start(TestPipeline pipeline) {
    return IncrementalReadIT.start(pipeline);
  }

  /** Waits for {@code condition}, failing at once with the pipeline's error if it failed. */
  static void awaitWhileRunning(PipelineResult result, java.util.concurrent.Callable<Boolean>
      condition) {
    await().atMost(WAIT).until(() -> {
      if (result.getState() == PipelineResult.State.FAILED) {
        result.waitUntilFinish(); // throws the pipeline's error
      }
      return condition.call();
    });
  }

  static HeliosDbIO.Read read(TestDatabase db, String table, CdcOptions options) {
    return HeliosDbIO.read().withConnection(db.connectionConfiguration()).withTable(table)
        .withCdc(options);
  }

  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void streamsInsertsUpdatesAndDeletesWithBeforeAndAfterImages(
      TestDatabase db, TestPipeline pipeline) throws Exception {
    String table = createTable(db, "cdc_ops");
    CdcOptions options = cdc(db, table);
    StreamCollector changes = new StreamCollector();
    StreamCollector positions = new StreamCollector();
    org.apache.beam.sdk.values.PCollection<Row> out = pipeline.apply(read(db, table, options));
    changes.collect(out, CdcReadIT::render);
    positions.collect(out.apply("Positions", org.apache.beam.sdk.transforms.MapElements
        .into(org.apache.beam.sdk.values.TypeDescriptors.strings())
        .via(change -> change.getString("position") + " " + change.getRow("source")
            .getString("table"))), s -> s);
    PipelineResult result = start(pipeline);
    try {
      db.execute("INSERT INTO " + table + " VALUES (1, 'a'), (2, 'b'), (3, 'c')");
      db.execute("UPDATE " + table + " SET v = 'b2' WHERE id = 2");
      db.execute("DELETE FROM " + table + " WHERE id = 3");
      List<String> want = List.of("c:1:-:a", "c:2:-:b", "c:3:-:c", "u:2:b:b2", "d:3:c:-");
      awaitWhileRunning(result, () -> changes.values().size() >= want.size());
      Thread.sleep(1_000);
      assertThat(changes.values()).containsExactlyElementsOf(want); // commit order
      assertThat(positions.values()).allSatisfy(p -> assertThat(p).endsWith(" " + table));
      assertThat(positions.values()).doesNotHaveDuplicates();
    } finally {
      result.cancel();
      dropSlot(db, table);
      db.dropQuietly(table);
    }
  }

  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void badSetupsFailWhenThePipelineIsBuilt(TestDatabase db) throws Exception {
    String table = createTable(db, "cdc_bad");
    try {
      assertThatThrownBy(() -> Pipeline.create().apply(read(db, table + "_missing",
              CdcOptions.create())))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("does not exist");
      assertThatThrownBy(() -> Pipeline.create().apply(read(db, table, CdcOptions.create())
              .withIncremental(IncrementalOptions.trackingColumn("id"))))
          .hasMessageContaining("withIncremental(...) and withCdc(...)");
      if (db.isPostgres()) {
        db.execute("DROP ROLE IF EXISTS heliosdb_cdc_reader",
            "CREATE ROLE heliosdb_cdc_reader LOGIN",
            "GRANT SELECT ON " + table + " TO heliosdb_cdc_reader");
        try {
          assertThatThrownBy(() -> Pipeline.create().apply(HeliosDbIO.read()
                  .withConnection(ConnectionConfiguration.create(db.url())
                      .withUsername("heliosdb_cdc_reader"))
                  .withTable(table).withCdc(CdcOptions.create())))
              .isInstanceOf(IllegalStateException.class)
              .hasMessageContaining("needs the REPLICATION privilege, which user"
                  + " heliosdb_cdc_reader lacks");
        } finally {
          db.execute("DROP OWNED BY heliosdb_cdc_reader", "DROP ROLE heliosdb_cdc_reader");
        }
      } else {
        try {
          db.execute("SET GLOBAL binlog_format = 'STATEMENT'");
          assertThatThrownBy(() -> Pipeline.create().apply(read(db, table, CdcOptions.create())))
              .isInstanceOf(IllegalStateException.class)
              .hasMessageContaining("needs binlog_format = ROW");
        } finally {
          db.execute("SET GLOBAL binlog_format = 'ROW'");
        }
      }
    } finally {
      db.dropQuietly(table);
    }
  }
}
