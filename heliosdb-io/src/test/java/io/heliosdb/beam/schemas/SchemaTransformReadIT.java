package io.heliosdb.beam.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.heliosdb.beam.dialect.Dialects;
import io.heliosdb.beam.testing.StreamCollector;
import io.heliosdb.beam.testing.TestDatabase;
import io.heliosdb.beam.testing.TestDatabases;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.StreamingOptions;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionRowTuple;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ArgumentsSource;

/**
 * Both schema transforms, configured from rows of their configuration schemas, reading the real
 * local PostgreSQL and MariaDB on the Direct runner in every mode.
 */
@ExtendWith(TestPipelineExtension.class)
class SchemaTransformReadIT {
  private static final Duration WAIT = Duration.ofSeconds(60);

  static String createTable(TestDatabase db, String name) throws Exception {
    db.execute("CREATE TABLE " + name
        + " (id BIGINT PRIMARY KEY, v VARCHAR(20) NOT NULL, seq BIGINT NOT NULL)");
    if (db.isPostgres()) {
      db.execute("ALTER TABLE " + name + " REPLICA IDENTITY FULL");
    }
    return name;
  }

  /** Inserts rows {@code from} to {@code to - 1}, with {@code v = "v<id>"} and {@code seq = id}. */
  static void insert(TestDatabase db, String table, int from, int to) throws Exception {
    db.insert(table, "id, v, seq", IntStream.range(from, to)
        .mapToObj(i -> new Object[] {(long) i, "v" + i, (long) i}).toList());
  }

  static List<String> rendered(int from, int to) {
    return IntStream.range(from, to).mapToObj(i -> i + ":v" + i).toList();
  }

  static PCollection<String> render(PCollection<Row> rows, String name) {
    return rows.apply(name, MapElements.into(TypeDescriptors.strings())
        .via(row -> row.getInt64("id") + ":" + row.getString("v")));
  }

  /** {@code op:id:before v:after v} of a change envelope. */
  static String renderChange(Row change) {
    Row before = change.getRow("before");
    Row after = change.getRow("after");
    Row key = after != null ? after : before;
    return change.getString("op") + ":" + key.getValue("id") + ":"
        + (before == null ? "-" : before.getString("v")) + ":"
        + (after == null ? "-" : after.getString("v"));
  }

  static PCollectionRowTuple apply(TestPipeline pipeline, ConfigRows config) {
    return PCollectionRowTuple.empty(pipeline).apply(config.transform());
  }

  static PipelineResult startStreaming(TestPipeline pipeline) {
    pipeline.getOptions().as(StreamingOptions.class).setStreaming(true);
    pipeline.getOptions().as(DirectOptions.class).setBlockOnRun(false);
    return pipeline.run();
  }

  /** Waits until {@code collector} holds {@code count} values, failing with the pipeline's error. */
  static void awaitValues(PipelineResult result, StreamCollector collector, int count) {
    await().atMost(WAIT).until(() -> {
      result.waitUntilFinish(org.joda.time.Duration.millis(1)); // throws the pipeline's failure
      return collector.values().size() >= count;
    });
  }

  /**
   * Makes the stream of {@code config} start at the log's current end: creates the publication
   * of {@code tables} and the slot, both named {@code slot} (PostgreSQL), or sets the binlog's
   * current position as start_position (MariaDB).
   */
  static ConfigRows startAtLogEnd(TestDatabase db, ConfigRows config, String slot,
      String... tables) throws Exception {
    config.set("slot_name", slot);
    if (db.isPostgres()) {
      db.execute("CREATE PUBLICATION " + slot + " FOR TABLE " + String.join(", ", tables),
          "SELECT pg_create_logical_replication_slot('" + slot + "', 'pgoutput')");
      return config.set("publication_name", slot);
    }
    try (Connection connection = db.connect()) {
      return config.set("start_position",
          Dialects.forJdbcUrl(db.url(), db.url()).currentLogPosition(connection));
    }
  }

  /**
   * Stops a streaming pipeline, then drops its slot and publication (PostgreSQL; none if {@code
   * slot} is null) and tables.
   */
  static void stopAndDrop(PipelineResult result, TestDatabase db, @Nullable String slot,
      String... tables) throws Exception {
    result.cancel();
    if (slot != null && db.isPostgres()) {
      db.dropSlotAndPublication(slot);
    }
    for (String table : tables) {
      db.dropQuietly(table);
    }
  }

  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void snapshotModeReadsEveryRowAsOutput(TestDatabase db, TestPipeline pipeline)
      throws Exception {
    String table = createTable(db, TestDatabase.uniqueName("stx_snap"));
    try {
      insert(db, table, 0, 25);
      PCollectionRowTuple out = apply(pipeline, ConfigRows.read().connection(db)
          .set("table", table).set("mode", "snapshot").set("parallelism", 3)
          .set("chunk_size", 4).set("fetch_size", 5).set("split_column", "id")
          .set("columns", List.of("v", "id")));
      assertThat(out.getAll().keySet()).containsExactly("output");
      assertThat(out.get("output").getSchema().getFieldNames()).containsExactly("v", "id");
      PAssert.that(render(out.get("output"), "Render"))
          .containsInAnyOrder(rendered(0, 25));
      pipeline.run().waitUntilFinish();
    } finally {
      db.dropQuietly(table);
    }
  }

  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void incrementalModePollsNewAndUpdatedRows(TestDatabase db, TestPipeline pipeline)
      throws Exception {
    String table = createTable(db, TestDatabase.uniqueName("stx_inc"));
    insert(db, table, 0, 3);
    StreamCollector rows = new StreamCollector();
    rows.collectRows(apply(pipeline, ConfigRows.read().connection(db).set("table", table)
        .set("mode", "incremental").set("tracking_column", "seq")
        .set("poll_interval_seconds", 1L).set("commit_delay_seconds", 0L)
        .set("fetch_size", 100)).get("output"), "id", "v");
    PipelineResult result = startStreaming(pipeline);
    try {
      awaitValues(result, rows, 3);
      insert(db, table, 3, 5);
      db.execute("UPDATE " + table + " SET v = 'v1b', seq = 10 WHERE id = 1");
      awaitValues(result, rows, 6);
      Thread.sleep(2_000); // more polls: nothing more may arrive
      assertThat(rows.values()).containsExactlyInAnyOrder(
          "0:v0", "1:v1", "2:v2", "3:v3", "4:v4", "1:v1b");
    } finally {
      stopAndDrop(result, db, null, table);
    }
  }

  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void cdcModeStreamsChangeEnvelopes(TestDatabase db, TestPipeline pipeline) throws Exception {
    String table = createTable(db, TestDatabase.uniqueName("stx_cdc"));
    ConfigRows config = startAtLogEnd(db, ConfigRows.read().connection(db).set("table", table)
        .set("mode", "cdc").set("heartbeat_seconds", 1L), table, table);
    StreamCollector changes = new StreamCollector();
    PCollection<Row> out = apply(pipeline, config).get("output");
    assertThat(out.getSchema().getFieldNames()).contains("op", "before", "after", "position");
    changes.collect(out, SchemaTransformReadIT::renderChange);
    PipelineResult result = startStreaming(pipeline);
    try {
      db.execute("INSERT INTO " + table + " VALUES (1, 'a', 1), (2, 'b', 2)");
      db.execute("UPDATE " + table + " SET v = 'b2' WHERE id = 2");
      db.execute("DELETE FROM " + table + " WHERE id = 1");
      awaitValues(result, changes, 4);
      Thread.sleep(1_000);
      assertThat(changes.values()).containsExactly("c:1:-:a", "c:2:-:b", "u:2:b:b2", "d:1:a:-");
    } finally {
      stopAndDrop(result, db, table, table);
    }
  }

  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void snapshotThenCdcModeReadsTheRowsThenTheirChanges(TestDatabase db, TestPipeline pipeline)
      throws Exception {
    String table = createTable(db, TestDatabase.uniqueName("stx_stc"));
    insert(db, table, 0, 5);
    StreamCollector changes = new StreamCollector();
    changes.collect(apply(pipeline, ConfigRows.read().connection(db).set("table", table)
        .set("mode", "snapshot_then_cdc").set("slot_name", table).set("parallelism", 2)
        .set("chunk_size", 2).set("heartbeat_seconds", 1L)).get("output"),
        SchemaTransformReadIT::renderChange);
    PipelineResult result = startStreaming(pipeline);
    try {
      awaitValues(result, changes, 5);
      db.execute("INSERT INTO " + table + " VALUES (9, 'v9', 9)");
      db.execute("UPDATE " + table + " SET v = 'x' WHERE id = 0");
      awaitValues(result, changes, 7);
      Thread.sleep(1_000);
      assertThat(changes.values()).containsExactlyInAnyOrder(
          "r:0:-:v0", "r:1:-:v1", "r:2:-:v2", "r:3:-:v3", "r:4:-:v4", "c:9:-:v9", "u:0:v0:x");
    } finally {
      stopAndDrop(result, db, table, table);
    }
  }

  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void readTablesSnapshotOutputsOneCollectionPerTable(TestDatabase db, TestPipeline pipeline)
      throws Exception {
    String base = TestDatabase.uniqueName("stx_rt");
    String first = createTable(db, base + "_a");
    String second = createTable(db, base + "_b");
    try {
      insert(db, first, 0, 7);
      insert(db, second, 100, 103);
      PCollectionRowTuple out = apply(pipeline, ConfigRows.readTables().connection(db)
          .set("table_pattern", ".*\\." + base + "_[ab]").set("parallelism", 2)
          .set("chunk_size", 3));
      Map<String, PCollection<Row>> byTable = new java.util.TreeMap<>();
      out.getAll().forEach((name, rows) -> byTable.put(name.substring(name.indexOf('.') + 1),
          rows));
      assertThat(out.getAll().keySet()).allMatch(name -> name.matches("\\w+\\." + base + "_[ab]"));
      assertThat(byTable.keySet()).containsExactly(first, second);
      PAssert.that(render(byTable.get(first), "Render a")).containsInAnyOrder(rendered(0, 7));
      PAssert.that(render(byTable.get(second), "Render b"))
          .containsInAnyOrder(rendered(100, 103));
      pipeline.run().waitUntilFinish();
    } finally {
      db.dropQuietly(first);
      db.dropQuietly(second);
    }
  }

  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void readTablesIncrementalPollsEveryListedTable(TestDatabase db, TestPipeline pipeline)
      throws Exception {
    String base = TestDatabase.uniqueName("stx_rti");
    String first = createTable(db, base + "_a");
    String second = createTable(db, base + "_b");
    insert(db, first, 0, 2);
    insert(db, second, 10, 12);
    PCollectionRowTuple out = apply(pipeline, ConfigRows.readTables().connection(db)
        .set("tables", List.of(first, second)).set("mode", "incremental")
        .set("tracking_column", "seq").set("poll_interval_seconds", 1L)
        .set("commit_delay_seconds", 0L));
    assertThat(out.getAll()).hasSize(2);
    StreamCollector rows = new StreamCollector();
    out.getAll().forEach((name, collection) -> rows.collect(collection.apply(name,
        MapElements.into(TypeDescriptors.strings()).via(row -> name.substring(
            name.indexOf('.') + 1) + "/" + row.getInt64("id"))), s -> s));
    PipelineResult result = startStreaming(pipeline);
    try {
      awaitValues(result, rows, 4);
      insert(db, first, 2, 3);
      insert(db, second, 12, 13);
      awaitValues(result, rows, 6);
      Thread.sleep(2_000);
      assertThat(rows.values()).containsExactlyInAnyOrder(
          first + "/0", first + "/1", first + "/2", second + "/10", second + "/11",
          second + "/12");
    } finally {
      stopAndDrop(result, db, null, first, second);
    }
  }

  /** Collects {@code table/op:id:before v:after v} from every output of a read of tables. */
  static StreamCollector collectChanges(PCollectionRowTuple out) {
    StreamCollector changes = new StreamCollector();
    out.getAll().forEach((name, collection) -> changes.collect(collection.apply(name,
        MapElements.into(TypeDescriptors.strings()).via(change -> name.substring(
            name.indexOf('.') + 1) + "/" + renderChange(change))), s -> s));
    return changes;
  }

  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void readTablesCdcStreamsEveryTableToItsOwnOutput(TestDatabase db, TestPipeline pipeline)
      throws Exception {
    String base = TestDatabase.uniqueName("stx_rtc");
    String first = createTable(db, base + "_a");
    String second = createTable(db, base + "_b");
    ConfigRows config = startAtLogEnd(db, ConfigRows.readTables().connection(db)
        .set("tables", List.of(first, second)).set("mode", "cdc").set("heartbeat_seconds", 1L),
        base, first, second);
    PCollectionRowTuple out = apply(pipeline, config);
    assertThat(out.getAll()).hasSize(2);
    StreamCollector changes = collectChanges(out);
    PipelineResult result = startStreaming(pipeline);
    try {
      db.execute("INSERT INTO " + first + " VALUES (1, 'a', 1)",
          "INSERT INTO " + second + " VALUES (2, 'b', 2)",
          "UPDATE " + second + " SET v = 'b2' WHERE id = 2",
          "DELETE FROM " + first + " WHERE id = 1");
      awaitValues(result, changes, 4);
      Thread.sleep(1_000);
      assertThat(changes.values()).containsExactlyInAnyOrder(first + "/c:1:-:a",
          second + "/c:2:-:b", second + "/u:2:b:b2", first + "/d:1:a:-");
    } finally {
      stopAndDrop(result, db, base, first, second);
    }
  }

  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void readTablesSnapshotThenCdcReadsEveryTableThenItsChanges(
      TestDatabase db, TestPipeline pipeline) throws Exception {
    String base = TestDatabase.uniqueName("stx_rts");
    String first = createTable(db, base + "_a");
    String second = createTable(db, base + "_b");
    insert(db, first, 0, 3);
    insert(db, second, 10, 12);
    StreamCollector changes = collectChanges(apply(pipeline, ConfigRows.readTables()
        .connection(db).set("table_pattern", ".*\\." + base + "_[ab]")
        .set("mode", "snapshot_then_cdc").set("slot_name", base).set("parallelism", 2)
        .set("chunk_size", 2).set("heartbeat_seconds", 1L)));
    PipelineResult result = startStreaming(pipeline);
    try {
      awaitValues(result, changes, 5);
      db.execute("INSERT INTO " + first + " VALUES (9, 'v9', 9)",
          "UPDATE " + second + " SET v = 'x' WHERE id = 10");
      awaitValues(result, changes, 7);
      Thread.sleep(1_000);
      assertThat(changes.values()).containsExactlyInAnyOrder(
          first + "/r:0:-:v0", first + "/r:1:-:v1", first + "/r:2:-:v2",
          second + "/r:10:-:v10", second + "/r:11:-:v11",
          first + "/c:9:-:v9", second + "/u:10:v10:x");
    } finally {
      stopAndDrop(result, db, base, first, second);
    }
  }
}
