package io.heliosdb.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.heliosdb.beam.HeliosDbIO;
import io.heliosdb.beam.SnapshotOptions;
import io.heliosdb.beam.testing.DatabaseKind;
import io.heliosdb.beam.testing.TestDatabase;
import io.heliosdb.beam.testing.TestDatabases;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.MetricNameFilter;
import org.apache.beam.sdk.metrics.MetricQueryResults;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.transforms.Count;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionRowTuple;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The snapshot integration tests on the Direct runner, on the Flink runner (an embedded local
 * cluster) and on the Spark runner (classic SparkRunner, local master, batch), against the real
 * PostgreSQL and MariaDB servers.
 */
class SnapshotRunnersIT {

  static Stream<Arguments> runnersAndDatabases() {
    List<Arguments> cases = new ArrayList<>();
    for (String runner : List.of("DirectRunner", "FlinkRunner")) {
      for (DatabaseKind kind : List.of(DatabaseKind.POSTGRES, DatabaseKind.MYSQL)) {
        cases.add(Arguments.of(runner, kind));
      }
    }
    return cases.stream();
  }

  /** The runners of the snapshot tests: those above and the Spark runner (batch). */
  static Stream<Arguments> snapshotRunnersAndDatabases() {
    return Stream.concat(runnersAndDatabases(), Stream.of(
        Arguments.of("SparkRunner", DatabaseKind.POSTGRES),
        Arguments.of("SparkRunner", DatabaseKind.MYSQL)));
  }

  /**
   * A batch pipeline on the runner with the given parallelism: the Direct runner's target
   * parallelism, the embedded Flink cluster's parallelism, or Spark's local[parallelism] master.
   */
  static Pipeline pipeline(String runner, int parallelism) {
    String parallelismArg = switch (runner) {
      case "FlinkRunner" -> "--parallelism=" + parallelism;
      case "SparkRunner" -> "--sparkMaster=local[" + parallelism + "]";
      default -> "--targetParallelism=" + parallelism;
    };
    PipelineOptions options =
        PipelineOptionsFactory.fromArgs("--runner=" + runner, parallelismArg).create();
    return Pipeline.create(options);
  }

  /** Runs the pipeline and checks that it finished and that every PAssert really ran. */
  static void runAndVerify(Pipeline pipeline, int assertions) {
    PipelineResult result = pipeline.run();
    assertThat(result.waitUntilFinish()).isEqualTo(PipelineResult.State.DONE);
    MetricQueryResults metrics =
        result.metrics().queryMetrics(MetricsFilter.builder()
            .addNameFilter(MetricNameFilter.named(PAssert.class, PAssert.SUCCESS_COUNTER))
            .build());
    long successes = 0;
    for (MetricResult<Long> counter : metrics.getCounters()) {
      successes += counter.getAttempted();
    }
    assertThat(successes).as("successful PAssert checks").isEqualTo(assertions);
  }

  static PCollection<String> ids(PCollection<Row> rows, String name) {
    return rows.apply("Ids " + name, MapElements.into(TypeDescriptors.strings())
        .via(row -> String.valueOf((Object) row.getValue("id"))));
  }

  @ParameterizedTest(name = "{0} on {1}")
  @MethodSource("snapshotRunnersAndDatabases")
  void readsWholeTablesInParallelExactlyOnce(String runner, DatabaseKind kind) throws Exception {
    TestDatabase db = TestDatabases.get(kind);
    String keyed = TestDatabase.uniqueName("it_keyed");
    String strings = TestDatabase.uniqueName("it_strings");
    db.execute("CREATE TABLE " + keyed + " (id BIGINT PRIMARY KEY, v VARCHAR(20))",
        "CREATE TABLE " + strings + " (id VARCHAR(20) PRIMARY KEY)");
    List<Object[]> keyedRows = new ArrayList<>();
    List<String> keyedIds = new ArrayList<>();
    for (long id : new long[] {Long.MIN_VALUE, -1, 0, Long.MAX_VALUE}) {
      keyedRows.add(new Object[] {id, "edge"});
      keyedIds.add(String.valueOf(id));
    }
    for (long i = 1; i <= 20_000; i++) {
      keyedRows.add(new Object[] {i * 11, "v" + i});
      keyedIds.add(String.valueOf(i * 11));
    }
    db.insert(keyed, "id, v", keyedRows);
    List<String> stringIds = new ArrayList<>();
    for (int i = 0; i < 3_000; i++) {
      stringIds.add("s" + Integer.toString(i * 7_919, 36));
    }
    db.insert(strings, "id", stringIds.stream().map(s -> new Object[] {s}).toList());

    Pipeline pipeline = pipeline(runner, 4);
    PCollection<Row> keyedOut = pipeline.apply("Read keyed", HeliosDbIO.read()
        .withConnection(db.connectionConfiguration()).withTable(keyed).withParallelism(4)
        .withSnapshot(SnapshotOptions.byPrimaryKey().withChunkSize(1_000)));
    PCollection<Row> stringOut = pipeline.apply("Read strings", HeliosDbIO.read()
        .withConnection(db.connectionConfiguration()).withTable(strings).withParallelism(3)
        .withSnapshot(SnapshotOptions.byPrimaryKey().withChunkSize(200)));
    PAssert.that(ids(keyedOut, "keyed")).containsInAnyOrder(keyedIds);
    PAssert.thatSingleton(keyedOut.apply("Count keyed", Count.globally()))
        .isEqualTo((long) keyedIds.size());
    PAssert.that(ids(stringOut, "strings")).containsInAnyOrder(stringIds);

    runAndVerify(pipeline, 3);
    db.dropQuietly(keyed);
    db.dropQuietly(strings);
  }

  @ParameterizedTest(name = "{0} on {1}")
  @MethodSource("snapshotRunnersAndDatabases")
  void readsKeylessTables(String runner, DatabaseKind kind) throws Exception {
    TestDatabase db = TestDatabases.get(kind);
    String table = TestDatabase.uniqueName("it_keyless");
    db.execute("CREATE TABLE " + table + " (id INT, ref INT UNIQUE)");
    List<Object[]> rows = new ArrayList<>();
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 5_000; i++) {
      rows.add(new Object[] {i, i % 10 == 0 ? null : i});
      ids.add(String.valueOf(i));
    }
    db.insert(table, "id, ref", rows);

    Pipeline pipeline = pipeline(runner, 2);
    PCollection<Row> out = pipeline.apply(HeliosDbIO.read()
        .withConnection(db.connectionConfiguration()).withTable(table).withSplitColumn("ref")
        .withSnapshot(SnapshotOptions.byPrimaryKey().withChunkSize(500)));
    PAssert.that(ids(out, "keyless")).containsInAnyOrder(ids);

    runAndVerify(pipeline, 1);
    db.dropQuietly(table);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"DirectRunner", "FlinkRunner", "SparkRunner"})
  void readsPostgresTablesWithoutKeyByPagesInOneSnapshot(String runner) throws Exception {
    TestDatabase db = TestDatabases.get(DatabaseKind.POSTGRES);
    String table = TestDatabase.uniqueName("it_pages");
    db.execute("CREATE TABLE " + table + " (id INT, note TEXT)",
        "INSERT INTO " + table + " SELECT g, 'n' || g FROM generate_series(0, 4999) g",
        "ANALYZE " + table);
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 5_000; i++) {
      ids.add(String.valueOf(i));
    }

    Pipeline pipeline = pipeline(runner, 2);
    PCollection<Row> out = pipeline.apply(HeliosDbIO.read()
        .withConnection(db.connectionConfiguration()).withTable(table).withParallelism(3)
        .withSnapshot(SnapshotOptions.byPrimaryKey().withChunkSize(400)));
    PAssert.that(ids(out, "pages")).containsInAnyOrder(ids);

    runAndVerify(pipeline, 1);
    // the session that exported the readers' snapshot ended with the read
    try (Connection connection = db.connect();
        Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery("SELECT COUNT(*) FROM pg_stat_activity"
            + " WHERE application_name LIKE 'heliosdb-io exports snapshot %'")) {
      rs.next();
      assertThat(rs.getLong(1)).as("sessions still exporting a snapshot").isZero();
    }
    db.dropQuietly(table);
  }

  @ParameterizedTest(name = "{0} on {1}")
  @MethodSource("snapshotRunnersAndDatabases")
  void readsASetOfTablesThroughSharedReaders(String runner, DatabaseKind kind) throws Exception {
    TestDatabase db = TestDatabases.get(kind);
    String prefix = TestDatabase.uniqueName("it_set");
    List<String> tables = List.of(prefix + "_large", prefix + "_small", prefix + "_empty");
    int[] sizes = {12_000, 10, 0};
    for (int t = 0; t < tables.size(); t++) {
      db.execute("CREATE TABLE " + tables.get(t) + " (id BIGINT PRIMARY KEY, v VARCHAR(20))");
      List<Object[]> rows = new ArrayList<>();
      for (long i = 0; i < sizes[t]; i++) {
        rows.add(new Object[] {i * 3, "v" + i});
      }
      db.insert(tables.get(t), "id, v", rows);
    }

    Pipeline pipeline = pipeline(runner, 4);
    PCollectionRowTuple out = pipeline.apply(HeliosDbIO.readTables()
        .withConnection(db.connectionConfiguration()).withTablePattern(".*\\." + prefix + "_.*")
        .withParallelism(4).withSnapshot(SnapshotOptions.byPrimaryKey().withChunkSize(1_000)));
    assertThat(out.getAll()).hasSize(3);
    for (int t = 0; t < tables.size(); t++) {
      String table = tables.get(t);
      String name = out.getAll().keySet().stream()
          .filter(key -> key.endsWith("." + table)).findFirst().orElseThrow();
      List<String> ids = new ArrayList<>();
      for (long i = 0; i < sizes[t]; i++) {
        ids.add(String.valueOf(i * 3));
      }
      PAssert.that(ids(out.get(name), name)).containsInAnyOrder(ids);
    }

    runAndVerify(pipeline, 3);
    tables.forEach(db::dropQuietly);
  }
}
