package io.heliosdb.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.heliosdb.beam.CdcOptions;
import io.heliosdb.beam.HeliosDbIO;
import io.heliosdb.beam.dialect.Dialects;
import io.heliosdb.beam.testing.DatabaseKind;
import io.heliosdb.beam.testing.StreamCollector;
import io.heliosdb.beam.testing.TestDatabase;
import io.heliosdb.beam.testing.TestDatabases;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.values.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * CDC as an unbounded pipeline on the Direct runner and on the Flink runner (embedded local
 * cluster, streaming, checkpointing every second), against the real PostgreSQL and MariaDB
 * servers: inserts, updates and deletes with before and after images, and (PostgreSQL) the slot
 * acknowledged once the runner committed.
 */
class CdcRunnersIT {
  private static final Duration WAIT = Duration.ofSeconds(120);

  static Stream<Arguments> runnersAndDatabases() {
    return SnapshotRunnersIT.runnersAndDatabases();
  }

  static String render(Row change) {
    Row before = change.getRow("before");
    Row after = change.getRow("after");
    Row key = after != null ? after : before;
    return change.getString("op") + ":" + key.getValue("id") + ":"
        + (before == null ? "-" : before.getString("v")) + ":"
        + (after == null ? "-" : after.getString("v"));
  }

  static long confirmedFlushLsn(TestDatabase db, String slot) throws Exception {
    try (Connection connection = db.connect();
        ResultSet rs = connection.createStatement().executeQuery(
            "SELECT confirmed_flush_lsn - '0/0' FROM pg_replication_slots WHERE slot_name = '"
                + slot + "'")) {
      return rs.next() ? rs.getLong(1) : -1;
    }
  }

  @ParameterizedTest(name = "{0} on {1}")
  @MethodSource("runnersAndDatabases")
  void streamsChangesWithBeforeAndAfterAndAcknowledgesCommittedOnes(
      String runner, DatabaseKind kind) throws Exception {
    TestDatabase db = TestDatabases.get(kind);
    String table = TestDatabase.uniqueName("it_cdc");
    db.execute("CREATE TABLE " + table + " (id BIGINT PRIMARY KEY, v VARCHAR(20) NOT NULL)");
    CdcOptions options = CdcOptions.create().withSlotName(table)
        .withHeartbeatInterval(org.joda.time.Duration.standardSeconds(1));
    if (db.isPostgres()) {
      db.execute("ALTER TABLE " + table + " REPLICA IDENTITY FULL");
      db.createPublicationAndSlot(table);
    } else {
      try (Connection connection = db.connect()) {
        options = options.withStartPosition(
            Dialects.forJdbcUrl(db.url(), db.url()).currentLogPosition(connection));
      }
    }
    Pipeline pipeline = IncrementalRunnersIT.streamingPipeline(runner);
    StreamCollector changes = new StreamCollector();
    changes.collect(pipeline.apply(HeliosDbIO.read().withConnection(db.connectionConfiguration())
        .withTable(table).withCdc(options)), CdcRunnersIT::render);
    PipelineResult result = pipeline.run();
    try {
      long startLsn = db.isPostgres() ? confirmedFlushLsn(db, table) : 0;
      List<String> want = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        db.execute("INSERT INTO " + table + " VALUES (" + i + ", 'v" + i + "')");
        want.add("c:" + i + ":-:v" + i);
      }
      db.execute("UPDATE " + table + " SET v = 'w' WHERE id < 10",
          "DELETE FROM " + table + " WHERE id >= 190");
      for (int i = 0; i < 10; i++) {
        want.add("u:" + i + ":v" + i + ":w");
      }
      for (int i = 190; i < 200; i++) {
        want.add("d:" + i + ":v" + i + ":-");
      }
      await().atMost(WAIT).until(() -> changes.values().size() >= want.size());
      Thread.sleep(2_000);
      assertThat(changes.values()).containsExactlyInAnyOrderElementsOf(want);
      if (db.isPostgres()) { // acknowledged after the runner committed (Flink: a checkpoint)
        await().atMost(WAIT).until(() -> confirmedFlushLsn(db, table) > startLsn);
      }
    } finally {
      result.cancel();
      changes.clear();
      if (db.isPostgres()) {
        db.dropSlotAndPublication(table);
      }
      db.dropQuietly(table);
    }
  }

  /**
   * On Flink the slot is acknowledged only after a checkpoint completes. Flink starts the first
   * checkpoint at a random moment between the minimum pause and the interval after the job
   * starts, here 25 to 40 s: the changes arrive downstream long before, the slot's confirmed LSN
   * stays put until then and moves after. Acknowledging in {@code process} fails this test.
   */
  @Test
  void flinkAcknowledgesTheSlotOnlyAfterACheckpointCompletes() throws Exception {
    TestDatabase db = TestDatabases.get(DatabaseKind.POSTGRES);
    String table = TestDatabase.uniqueName("it_cdc_ack");
    db.execute("CREATE TABLE " + table + " (id BIGINT PRIMARY KEY, v VARCHAR(20) NOT NULL)");
    db.createPublicationAndSlot(table);
    Pipeline pipeline = Pipeline.create(PipelineOptionsFactory.fromArgs("--runner=FlinkRunner",
        "--streaming=true", "--parallelism=1", "--attachedMode=false",
        "--checkpointingInterval=40000", "--minPauseBetweenCheckpoints=25000").create());
    StreamCollector changes = new StreamCollector();
    changes.collect(pipeline.apply(HeliosDbIO.read().withConnection(db.connectionConfiguration())
        .withTable(table).withCdc(CdcOptions.create().withSlotName(table)
            .withHeartbeatInterval(org.joda.time.Duration.standardSeconds(1)))),
        CdcRunnersIT::render);
    long start = confirmedFlushLsn(db, table);
    long started = System.currentTimeMillis();
    PipelineResult result = pipeline.run();
    try {
      db.execute("INSERT INTO " + table + " VALUES (1, 'a')", "INSERT INTO " + table
          + " VALUES (2, 'b')");
      await().atMost(WAIT).until(() -> changes.values().size() >= 2);
      long arrived = System.currentTimeMillis() - started;
      // the first checkpoint comes 25 to 40 s after the job started
      org.junit.jupiter.api.Assumptions.assumeTrue(arrived < 20_000,
          "changes arrived too late (" + arrived + " ms) to tell acknowledgement from checkpoint");
      Thread.sleep(2_000);
      assertThat(confirmedFlushLsn(db, table)).as("slot acknowledged before any checkpoint")
          .isEqualTo(start);
      await().atMost(WAIT).until(() -> confirmedFlushLsn(db, table) > start);
      assertThat(System.currentTimeMillis() - started).isGreaterThan(25_000);
    } finally {
      result.cancel();
      changes.clear();
      db.dropSlotAndPublication(table);
      db.dropQuietly(table);
    }
  }

  @Test
  void refusesFlinkWithoutCheckpointingBecauseNothingWouldBeAcknowledged() throws Exception {
    TestDatabase db = TestDatabases.get(DatabaseKind.POSTGRES);
    String table = TestDatabase.uniqueName("it_cdc_flink");
    db.execute("CREATE TABLE " + table + " (id BIGINT PRIMARY KEY)");
    try {
      Pipeline pipeline = Pipeline.create(PipelineOptionsFactory.fromArgs(
          "--runner=FlinkRunner", "--streaming=true").create());
      assertThatThrownBy(() -> pipeline.apply(HeliosDbIO.read()
              .withConnection(db.connectionConfiguration()).withTable(table)
              .withCdc(CdcOptions.create())))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("on the Flink runner needs checkpointing")
          .hasMessageContaining("--checkpointingInterval");
    } finally {
      db.dropQuietly(table);
    }
  }
}
