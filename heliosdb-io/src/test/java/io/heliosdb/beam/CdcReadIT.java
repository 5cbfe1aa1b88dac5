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
      db.createPublicationAndSlot(table);
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
      db.dropSlotAndPublication(slot);
    }
  }

  static PipelineResult start(TestPipeline pipeline) {
    return IncrementalReadIT.start(pipeline);
  }

  /** Waits for {@code condition}, failing at once with the pipeline's error if it failed. */
  static void awaitWhileRunning(PipelineResult result, java.util.concurrent.Callable<Boolean>
      condition) {
    await().atMost(WAIT).until(() -> {
      // the Direct runner reports a failure through waitUntilFinish, which throws it
      result.waitUntilFinish(org.joda.time.Duration.millis(1));
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

  /** Runs a CDC pipeline, collecting rendered changes and their positions, until stopped. */
  static final class Run implements AutoCloseable {
    final StreamCollector changes = new StreamCollector();
    final StreamCollector positions = new StreamCollector();
    final PipelineResult result;

    Run(TestPipeline pipeline, HeliosDbIO.Read read) {
      org.apache.beam.sdk.values.PCollection<Row> out = pipeline.apply(read);
      changes.collect(out, CdcReadIT::render);
      positions.collect(out, change -> render(change) + "@" + change.getString("position"));
      result = start(pipeline);
    }

    void awaitChanges(int count) {
      awaitWhileRunning(result, () -> changes.values().size() >= count);
    }

    /** The position of the first change rendered as {@code rendered}. */
    String positionOf(String rendered) {
      return positions.values().stream().filter(p -> p.startsWith(rendered + "@")).findFirst()
          .orElseThrow().substring(rendered.length() + 1);
    }

    @Override
    public void close() throws java.io.IOException {
      result.cancel();
    }
  }

  static TestPipeline newPipeline() {
    return TestPipeline.create().enableAbandonedNodeEnforcement(false);
  }

  /** Many transactions of many rows, hot keys updated in each: per key, the commit order. */
  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void keepsTheCommitOrderOfEveryKeyAcrossManyTransactions(TestDatabase db, TestPipeline pipeline)
      throws Exception {
    String table = createTable(db, "cdc_order");
    CdcOptions options = cdc(db, table);
    try (Run run = new Run(pipeline, read(db, table, options))) {
      List<String> want = new java.util.ArrayList<>();
      try (Connection connection = db.connect()) {
        connection.setAutoCommit(false);
        try (java.sql.Statement statement = connection.createStatement()) {
          for (int tx = 0; tx < 20; tx++) {
            for (int i = 0; i < 100; i++) {
              long id = tx * 100L + i;
              statement.addBatch("INSERT INTO " + table + " VALUES (" + id + ", 'v" + id + "')");
              want.add("c:" + id + ":-:v" + id);
            }
            for (int hot = 0; hot < 5; hot++) { // keys 0..4 updated by every transaction
              statement.addBatch("UPDATE " + table + " SET v = 't" + tx + "' WHERE id = " + hot);
              want.add("u:" + hot + ":" + (tx == 0 ? "v" + hot : "t" + (tx - 1)) + ":t" + tx);
            }
            statement.executeBatch();
            connection.commit();
          }
        }
      }
      run.awaitChanges(want.size());
      Thread.sleep(1_000);
      // every change once; per key, in commit order by position (Beam does not keep the order
      // of elements between the source and a downstream step)
      assertThat(run.changes.values()).containsExactlyInAnyOrderElementsOf(want);
      java.util.Map<String, List<String>> byKey = new java.util.TreeMap<>();
      run.positions.values().stream()
          .sorted(java.util.Comparator.comparing(
              p -> p.substring(p.indexOf('@') + 1), io.heliosdb.beam.cdc.PositionOrder.INSTANCE))
          .forEach(p -> byKey.computeIfAbsent(p.split(":")[1], k -> new java.util.ArrayList<>())
              .add(p.substring(0, p.indexOf('@'))));
      java.util.Map<String, List<String>> wantByKey = new java.util.TreeMap<>();
      want.forEach(w -> wantByKey.computeIfAbsent(w.split(":")[1], k -> new java.util.ArrayList<>())
          .add(w));
      assertThat(byKey).isEqualTo(wantByKey);
    } finally {
      dropSlot(db, table);
      db.dropQuietly(table);
    }
  }

  /**
   * A stream started at the position of a change emits exactly the changes after it; a stream
   * restarted after a stop (PostgreSQL: from the slot's acknowledged position) loses nothing.
   */
  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void resumesFromAPositionAndAfterAStopWithoutLoss(TestDatabase db) throws Exception {
    String table = createTable(db, "cdc_resume");
    String second = table + "_b";
    CdcOptions first = cdc(db, table);
    CdcOptions later = first.withSlotName(second).withPublicationName(table).withServerId(4242);
    if (db.isPostgres()) {
      db.execute("SELECT pg_create_logical_replication_slot('" + second + "', 'pgoutput')");
    }
    String position;
    try (Run run = new Run(newPipeline(), read(db, table, first))) {
      for (int i = 1; i <= 5; i++) {
        db.execute("INSERT INTO " + table + " VALUES (" + i + ", 'v" + i + "')");
      }
      run.awaitChanges(5);
      position = run.positionOf("c:2:-:v2");
      if (db.isPostgres()) { // the slot was acknowledged once the bundles committed
        long start = lsn(db, "SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE"
            + " slot_name = '" + second + "'");
        await().atMost(WAIT).until(() -> lsn(db, "SELECT confirmed_flush_lsn FROM"
            + " pg_replication_slots WHERE slot_name = '" + table + "'") > start);
      }
    }
    db.execute("INSERT INTO " + table + " VALUES (6, 'v6')", // while no pipeline runs
        "UPDATE " + table + " SET v = 'w1' WHERE id = 1");
    try (Run fromPosition = new Run(newPipeline(),
        read(db, table, later.withStartPosition(position)))) {
      List<String> want = List.of("c:3:-:v3", "c:4:-:v4", "c:5:-:v5", "c:6:-:v6", "u:1:v1:w1");
      fromPosition.awaitChanges(want.size());
      Thread.sleep(1_000);
      assertThat(fromPosition.changes.values()).containsExactlyElementsOf(want);
    }
    if (db.isPostgres()) { // restart on the first slot, from what it acknowledged
      try (Run restarted = new Run(newPipeline(), read(db, table, first.withServerId(4343)))) {
        restarted.awaitChanges(2);
        Thread.sleep(1_000);
        assertThat(restarted.changes.values()).contains("c:6:-:v6", "u:1:v1:w1")
            .doesNotContain("c:1:-:v1"); // at-least-once, but nothing acknowledged comes again
      }
    }
    dropSlot(db, second);
    dropSlot(db, table);
    db.dropQuietly(table);
  }

  /** A sortable form of a position: the LSN (PostgreSQL), file, offset, event and row (MariaDB). */
  static long lsn(TestDatabase db, String query) throws Exception {
    try (Connection connection = db.connect();
        java.sql.ResultSet rs = connection.createStatement().executeQuery(
            query.replace("SELECT confirmed_flush_lsn", "SELECT confirmed_flush_lsn - '0/0'"))) {
      return rs.next() ? rs.getLong(1) : -1;
    }
  }

  /** A column added during CDC stops the stream with a message naming the table and column. */
  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void aSchemaChangeFailsFastNamingTheTableAndTheChange(TestDatabase db, TestPipeline pipeline)
      throws Exception {
    String table = createTable(db, "cdc_schema");
    CdcOptions options = cdc(db, table);
    try (Run run = new Run(pipeline, read(db, table, options))) {
      db.execute("INSERT INTO " + table + " VALUES (1, 'a')");
      run.awaitChanges(1);
      db.execute("ALTER TABLE " + table + " ADD COLUMN extra INT",
          "INSERT INTO " + table + " VALUES (2, 'b', 7)");
      assertThatThrownBy(() -> run.result.waitUntilFinish(org.joda.time.Duration.standardSeconds(60)))
          .hasStackTraceContaining("the table's columns changed during CDC (added [extra]")
          .hasStackTraceContaining(table);
      assertThat(run.changes.values()).containsExactly("c:1:-:a");
    } finally {
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
      assertThatThrownBy(() -> Pipeline.create().apply(read(db, table,
              CdcOptions.create().withStartPosition("not a position"))))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("CdcOptions.withStartPosition(\"not a position\")");
      // credentials only in the URL's query: enough for JDBC, never passed to the log reader
      String urlWithUser = db.url() + (db.url().contains("?") ? "&" : "?") + "user=" + db.user()
          + (db.password().isEmpty() ? "" : "&password=" + db.password());
      assertThatThrownBy(() -> Pipeline.create().apply(HeliosDbIO.read()
              .withConnection(ConnectionConfiguration.create(urlWithUser))
              .withTable(table).withCdc(CdcOptions.create())))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("needs the database user from"
              + " ConnectionConfiguration.withUsername(...)");
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
