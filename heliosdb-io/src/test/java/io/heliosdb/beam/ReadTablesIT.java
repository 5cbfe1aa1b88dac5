package io.heliosdb.beam;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.heliosdb.beam.testing.StreamCollector;
import io.heliosdb.beam.testing.TestDatabase;
import io.heliosdb.beam.testing.TestDatabases;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.IntStream;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.values.PCollectionRowTuple;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ArgumentsSource;

/** Reads of a set of tables (a list, a pattern, a namespace) from real PostgreSQL and MariaDB. */
@ExtendWith(TestPipelineExtension.class)
class ReadTablesIT {

  /** A namespace of its own: a PostgreSQL schema or a MariaDB database. */
  static String createNamespace(TestDatabase db) throws Exception {
    String namespace = TestDatabase.uniqueName("rt");
    db.execute((db.isPostgres() ? "CREATE SCHEMA " : "CREATE DATABASE ") + namespace);
    return namespace;
  }

  static void dropNamespace(TestDatabase db, String namespace) throws Exception {
    db.execute(db.isPostgres()
        ? "DROP SCHEMA " + namespace + " CASCADE" : "DROP DATABASE " + namespace);
  }

  static ReadTables readTables(TestDatabase db) {
    return HeliosDbIO.readTables().withConnection(db.connectionConfiguration());
  }

  /** Fills a table of (key..., v) and returns its rows rendered as "key:v". */
  static List<String> fill(TestDatabase db, String table, String columns, List<Object[]> rows)
      throws Exception {
    db.insert(table, columns, rows);
    List<String> rendered = new ArrayList<>();
    for (Object[] row : rows) {
      rendered.add(row[0] + ":" + row[row.length - 1]);
    }
    return rendered;
  }

  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void snapshotsEveryTableOfANamespaceOnceWithItsOwnSchema(TestDatabase db, TestPipeline pipeline)
      throws Exception {
    String ns = createNamespace(db);
    try {
      db.execute(
          "CREATE TABLE " + ns + ".big (id BIGINT PRIMARY KEY, v VARCHAR(20))",
          "CREATE TABLE " + ns + ".pairs (a INT, b INT, v VARCHAR(20), PRIMARY KEY (a, b))",
          "CREATE TABLE " + ns + ".codes (code VARCHAR(20) PRIMARY KEY, v INT)",
          "CREATE TABLE " + ns + ".keyless (id INT, v VARCHAR(20))",
          "CREATE TABLE " + ns + ".tiny (id INT PRIMARY KEY, v VARCHAR(20))",
          "CREATE TABLE " + ns + ".empty (id INT PRIMARY KEY, v VARCHAR(20))");
      Map<String, List<String>> expected = new TreeMap<>();
      expected.put("big", fill(db, ns + ".big", "id, v", IntStream.range(0, 3_000)
          .mapToObj(i -> new Object[] {(long) i * 7 - 5_000, "b" + i}).toList()));
      expected.put("pairs", fill(db, ns + ".pairs", "a, b, v", IntStream.range(0, 700)
          .mapToObj(i -> new Object[] {i / 10, i % 10, "p" + i}).toList()));
      expected.put("codes", fill(db, ns + ".codes", "code, v", IntStream.range(0, 300)
          .mapToObj(i -> new Object[] {"c" + i, i}).toList()));
      expected.put("keyless", fill(db, ns + ".keyless", "id, v", IntStream.range(0, 400)
          .mapToObj(i -> new Object[] {i, "k" + i}).toList()));
      expected.put("tiny", fill(db, ns + ".tiny", "id, v", IntStream.range(0, 3)
          .mapToObj(i -> new Object[] {i, "t" + i}).toList()));
      expected.put("empty", List.of());
      String[] keyOf = {"big:id", "pairs:a", "codes:code", "keyless:id", "tiny:id", "empty:id"};

      PCollectionRowTuple tables = pipeline.apply(readTables(db).withNamespace(ns)
          .withSnapshot(SnapshotOptions.byPrimaryKey().withChunkSize(100)).withParallelism(3));

      assertThat(tables.getAll().keySet()).containsExactlyInAnyOrderElementsOf(
          expected.keySet().stream().map(t -> ns + "." + t).toList());
      for (String entry : keyOf) {
        String table = entry.split(":")[0];
        PAssert.that(SnapshotReadIT.render(tables.get(ns + "." + table), entry.split(":")[1], "v"))
            .containsInAnyOrder(expected.get(table));
      }
      assertThat(tables.get(ns + ".codes").getSchema().getField("v").getType().getTypeName())
          .isEqualTo(org.apache.beam.sdk.schemas.Schema.TypeName.INT32);
      pipeline.run().waitUntilFinish();
      if (db.isPostgres()) {
        // the keyless table was read by pages in one exported snapshot, ended with its read
        try (java.sql.Connection connection = db.connect();
            java.sql.ResultSet rs = connection.createStatement().executeQuery(
                "SELECT COUNT(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation"
                    + " JOIN pg_namespace n ON n.oid = c.relnamespace"
                    + " WHERE n.nspname = '" + ns + "' AND c.relname = 'keyless'")) {
          rs.next();
          assertThat(rs.getLong(1)).as("sessions still holding the keyless table's snapshot")
              .isZero();
        }
      }
    } finally {
      dropNamespace(db, ns);
    }
  }

  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void selectsTablesByListAndByPattern(TestDatabase db, TestPipeline pipeline) throws Exception {
    String ns = createNamespace(db);
    try {
      for (String table : List.of("orders", "order_lines", "customers")) {
        db.execute("CREATE TABLE " + ns + "." + table + " (id INT PRIMARY KEY, v VARCHAR(20))");
        fill(db, ns + "." + table, "id, v", IntStream.range(0, 20)
            .mapToObj(i -> new Object[] {i, table + i}).toList());
      }
      PCollectionRowTuple listed = pipeline.apply("list",
          readTables(db).withTables(ns + ".customers", ns + ".orders"));
      ReadTables byPattern = readTables(db).withTablePattern(ns + "\\.order.*");
      PCollectionRowTuple matched = pipeline.apply("pattern", byPattern);

      assertThat(listed.getAll().keySet())
          .containsExactlyInAnyOrder(ns + ".customers", ns + ".orders");
      assertThat(matched.getAll().keySet())
          .containsExactlyInAnyOrder(ns + ".orders", ns + ".order_lines");
      assertThat(DisplayData.from(byPattern).items()).anySatisfy(item -> {
        assertThat(item.getKey()).isEqualTo("tables");
        assertThat(item.getValue()).isEqualTo(ns + ".order_lines, " + ns + ".orders");
      });
      PAssert.that(SnapshotReadIT.render(listed.get(ns + ".customers"), "id", "v"))
          .containsInAnyOrder(IntStream.range(0, 20).mapToObj(i -> i + ":customers" + i).toList());
      PAssert.that(SnapshotReadIT.render(matched.get(ns + ".order_lines"), "id", "v"))
          .containsInAnyOrder(IntStream.range(0, 20).mapToObj(i -> i + ":order_lines" + i).toList());
      pipeline.run().waitUntilFinish();
    } finally {
      dropNamespace(db, ns);
    }
  }

  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void refusesSelectionsThatNameNoTableWhenBuilt(TestDatabase db) throws Exception {
    String ns = createNamespace(db);
    try {
      db.execute("CREATE TABLE " + ns + ".present (id INT PRIMARY KEY)");
      assertThatThrownBy(() -> Pipeline.create()
          .apply(readTables(db).withTablePattern(ns + "\\.absent_.*")))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("withTablePattern(\"" + ns + "\\.absent_.*\") matches none");
      assertThatThrownBy(() -> Pipeline.create()
          .apply(readTables(db).withTables(ns + ".present", ns + ".missing")))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("table " + ns + ".missing does not exist");
      assertThatThrownBy(() -> Pipeline.create()
          .apply(readTables(db).withTables(ns + ".present", ns + ".PRESENT".toLowerCase())))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("names table " + ns + ".present twice");
      assertThatThrownBy(() -> Pipeline.create()
          .apply(readTables(db).withNamespace(ns + "_none")))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("withNamespace(\"" + ns + "_none\")")
          .hasMessageContaining("does not exist");
    } finally {
      dropNamespace(db, ns);
    }
  }

  @Test
  void refusesBadSelectionsAtOnce() {
    assertThatThrownBy(() -> HeliosDbIO.readTables().withTablePattern("orders("))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("withTablePattern(\"orders(\"): not a regular expression");
    assertThatThrownBy(() -> HeliosDbIO.readTables().withTables("a").withNamespace("public"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("already selected by withTables([a])");
    assertThatThrownBy(() -> HeliosDbIO.readTables().withTables(List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("withTables(...): name at least one table");
    assertThatThrownBy(() -> Pipeline.create().apply(HeliosDbIO.readTables()
        .withConnection(ConnectionConfiguration.create("jdbc:postgresql://127.0.0.1/heliosdb"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("requires withTables(...), withTablePattern(...) or withNamespace");
  }

  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void pollsEveryTableOfTheSet(TestDatabase db, TestPipeline pipeline) throws Exception {
    String ns = createNamespace(db);
    String type = IncrementalReadIT.timestampType(db);
    List<String> names = List.of("a", "b");
    try {
      // table b tracks another column, named per table
      db.execute(
          "CREATE TABLE " + ns + ".a (id BIGINT PRIMARY KEY, v INT NOT NULL, updated_at " + type
              + " NOT NULL)",
          "CREATE TABLE " + ns + ".b (id BIGINT PRIMARY KEY, v INT NOT NULL, changed " + type
              + " NOT NULL)");
      for (String table : names) {
        IncrementalReadIT.insert(db, ns + "." + table, 0, 30);
      }
      ReadTables read = readTables(db).withNamespace(ns)
          .withIncremental(IncrementalReadIT.fastPolls(500))
          .withIncremental(ns + ".b", IncrementalOptions.trackingColumn("changed")
              .withPollInterval(org.joda.time.Duration.standardSeconds(1))
              .withCommitDelay(org.joda.time.Duration.millis(500)));
      assertThatThrownBy(() -> Pipeline.create().apply(
          read.withIncremental(ns + ".c", IncrementalOptions.trackingColumn("changed"))))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("withIncremental(\"" + ns + ".c\", options): " + ns
              + ".c is not one of the selected tables");
      PCollectionRowTuple tables = pipeline.apply(read);
      Map<String, StreamCollector> collectors = new TreeMap<>();
      for (String table : names) {
        StreamCollector collector = new StreamCollector();
        collector.collectRows(tables.get(ns + "." + table), "id", "v");
        collectors.put(table, collector);
      }
      PipelineResult result = IncrementalReadIT.start(pipeline);
      try {
        IncrementalReadIT.insert(db, ns + ".b", 30, 45);
        await().atMost(Duration.ofSeconds(60)).until(() ->
            collectors.get("a").values().size() >= 30 && collectors.get("b").values().size() >= 45);
        Thread.sleep(2_000); // a few more polls: nothing more may arrive
        assertThat(collectors.get("a").values())
            .containsExactlyInAnyOrderElementsOf(IncrementalReadIT.expected(0, 30));
        assertThat(collectors.get("b").values())
            .containsExactlyInAnyOrderElementsOf(IncrementalReadIT.expected(0, 45));
      } finally {
        result.cancel();
      }
    } finally {
      dropNamespace(db, ns);
    }
  }
}
