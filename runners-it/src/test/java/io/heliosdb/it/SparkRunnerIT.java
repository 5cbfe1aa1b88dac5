package io.heliosdb.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.heliosdb.beam.CdcOptions;
import io.heliosdb.beam.HeliosDbIO;
import io.heliosdb.beam.IncrementalOptions;
import io.heliosdb.beam.SnapshotOptions;
import io.heliosdb.beam.testing.DatabaseKind;
import io.heliosdb.beam.testing.TestDatabase;
import io.heliosdb.beam.testing.TestDatabases;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;
import org.apache.beam.runners.spark.SparkPipelineOptions;
import org.apache.beam.runners.spark.SparkRunner;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.transforms.Count;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.Sum;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * HeliosDbIO on Beam's Spark runner (classic {@code SparkRunner}, Spark 3.5, {@code local[4]}),
 * against the real PostgreSQL and MariaDB servers: a snapshot in a batch pipeline delivers every
 * row exactly once with its content; the streaming modes are refused when the pipeline is built.
 * The snapshot tests of {@link SnapshotRunnersIT} run on the Spark runner too.
 */
class SparkRunnerIT {
  private static final int ROWS = 30_000;
  /** What Spark 3.5 needs on JDK 17, as runners-it's surefire argLine. */
  private static final List<String> SPARK_JVM_OPTIONS = List.of(
      "--add-opens=java.base/java.lang=ALL-UNNAMED",
      "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED",
      "--add-opens=java.base/java.nio=ALL-UNNAMED", "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
      "--add-opens=java.base/java.util=ALL-UNNAMED", "-Dspark.ui.enabled=false");

  static SparkPipelineOptions sparkOptions(String... extra) {
    SparkPipelineOptions options =
        PipelineOptionsFactory.fromArgs(extra).as(SparkPipelineOptions.class);
    options.setRunner(SparkRunner.class);
    options.setSparkMaster("local[4]");
    options.setEnableSparkMetricSinks(false);
    return options;
  }

  /** CRC-32 of a row's columns as text: the same value from a Beam row and a JDBC row. */
  static long checksum(Object id, Object v, Object n, Object amount) {
    String amountText =
        amount == null ? "null" : ((BigDecimal) amount).stripTrailingZeros().toPlainString();
    CRC32 crc = new CRC32();
    crc.update((id + "|" + v + "|" + n + "|" + amountText).getBytes(StandardCharsets.UTF_8));
    return crc.getValue();
  }

  /** The sum of the rows' checksums, read from the table with JDBC. */
  static long tableChecksum(TestDatabase db, String table) throws Exception {
    long sum = 0;
    try (Connection connection = db.connect();
        Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery("SELECT id, v, n, amount FROM " + table)) {
      while (rs.next()) {
        sum += checksum(rs.getLong(1), rs.getString(2), rs.getObject(3), rs.getBigDecimal(4));
      }
    }
    return sum;
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(value = DatabaseKind.class, names = {"POSTGRES", "MYSQL"})
  void snapshotDeliversEveryRowExactlyOnceWithItsContent(DatabaseKind kind) throws Exception {
    TestDatabase db = TestDatabases.get(kind);
    String table = TestDatabase.uniqueName("spark_snapshot");
    db.execute("CREATE TABLE " + table
        + " (id BIGINT PRIMARY KEY, v VARCHAR(40), n INT, amount DECIMAL(12, 2))");
    List<Object[]> rows = new ArrayList<>();
    List<String> ids = new ArrayList<>();
    for (long id : new long[] {Long.MIN_VALUE, -1, 0, Long.MAX_VALUE}) {
      rows.add(new Object[] {id, null, null, null});
      ids.add(String.valueOf(id));
    }
    for (int i = 1; i <= ROWS; i++) {
      rows.add(new Object[] {i * 7L, "v" + i + (i % 3 == 0 ? " é" : ""), i % 1_000,
          BigDecimal.valueOf(i * 37L, 2)});
      ids.add(String.valueOf(i * 7L));
    }
    db.insert(table, "id, v, n, amount", rows);
    long expectedChecksum = tableChecksum(db, table);

    Pipeline pipeline = Pipeline.create(sparkOptions());
    PCollection<Row> out = pipeline.apply(HeliosDbIO.read()
        .withConnection(db.connectionConfiguration()).withTable(table).withParallelism(4)
        .withSnapshot(SnapshotOptions.byPrimaryKey().withChunkSize(2_000)));
    PAssert.that(SnapshotRunnersIT.ids(out, "rows")).containsInAnyOrder(ids);
    PAssert.thatSingleton(out.apply("Count", Count.globally())).isEqualTo((long) ids.size());
    PCollection<Long> checksums = out.apply("Checksum", MapElements.into(TypeDescriptors.longs())
        .via(row -> checksum(row.getValue("id"), row.getValue("v"), row.getValue("n"),
            row.getValue("amount"))));
    PAssert.thatSingleton(checksums.apply("Sum", Sum.longsGlobally()))
        .isEqualTo(expectedChecksum);

    SnapshotRunnersIT.runAndVerify(pipeline, 3);
    db.dropQuietly(table);
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(value = DatabaseKind.class, names = {"POSTGRES", "MYSQL"})
  void streamingModesAreRefusedWhenThePipelineIsBuilt(DatabaseKind kind) throws Exception {
    TestDatabase db = TestDatabases.get(kind);
    String table = TestDatabase.uniqueName("spark_refused");
    db.execute("CREATE TABLE " + table + " (id BIGINT PRIMARY KEY, n INT NOT NULL)");
    HeliosDbIO.Read read =
        HeliosDbIO.read().withConnection(db.connectionConfiguration()).withTable(table);
    CdcOptions cdc = CdcOptions.create().withSlotName(table);
    try {
      for (String streaming : List.of("--streaming=false", "--streaming=true")) {
        assertThatThrownBy(() -> Pipeline.create(sparkOptions(streaming))
                .apply(read.withIncremental(IncrementalOptions.trackingColumn("n"))))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageStartingWith("HeliosDbIO.read() with withIncremental(...) (incremental"
                + " mode) cannot run on the Spark runner (SparkRunner)")
            .hasMessageContaining("Run it on the Flink runner");
        assertThatThrownBy(() -> Pipeline.create(sparkOptions(streaming)).apply(read.withCdc(cdc)))
            .hasMessageStartingWith(
                "HeliosDbIO.read() with withCdc(...) (CDC mode) cannot run on the Spark runner");
        assertThatThrownBy(() -> Pipeline.create(sparkOptions(streaming))
                .apply(read.withSnapshot(SnapshotOptions.byPrimaryKey()).withCdc(cdc)))
            .hasMessageStartingWith("HeliosDbIO.read() with withSnapshot(...).withCdc(...)"
                + " (snapshot then CDC) cannot run on the Spark runner");
        assertThatThrownBy(() -> Pipeline.create(sparkOptions(streaming))
                .apply(HeliosDbIO.readTables().withConnection(db.connectionConfiguration())
                    .withTables(List.of(table))
                    .withIncremental(IncrementalOptions.trackingColumn("n"))))
            .hasMessageStartingWith("HeliosDbIO.readTables() with withIncremental(...)"
                + " (incremental mode) cannot run on the Spark runner");
        assertThatThrownBy(() -> Pipeline.create(sparkOptions(streaming))
                .apply(HeliosDbIO.readTables().withConnection(db.connectionConfiguration())
                    .withTables(List.of(table))
                    .withSnapshot(SnapshotOptions.byPrimaryKey()).withCdc(cdc)))
            .hasMessageStartingWith("HeliosDbIO.readTables() with withSnapshot(...).withCdc(...)"
                + " (snapshot then CDC) cannot run on the Spark runner");
      }
      assertThatThrownBy(() -> Pipeline.create(sparkOptions("--streaming=true"))
              .apply(read.withSnapshot(SnapshotOptions.byPrimaryKey())))
          .hasMessage("HeliosDbIO.read() with withSnapshot(...) cannot run on the Spark runner"
              + " (SparkRunner) in streaming mode: it runs splittable DoFns only in batch"
              + " pipelines. Drop --streaming=true (a snapshot is a bounded read)");
      // the same snapshot in a batch pipeline is built
      assertThat(Pipeline.create(sparkOptions())
              .apply(read.withSnapshot(SnapshotOptions.byPrimaryKey())).isBounded())
          .isEqualTo(PCollection.IsBounded.BOUNDED);
    } finally {
      db.dropQuietly(table);
    }
  }

  /**
   * One split of more rows than the heap holds, in a JVM of its own with a 512 MB heap: the Spark
   * runner would keep a split's rows in memory until the split ends (and fail with {@code
   * OutOfMemoryError}); HeliosDbIO turns on the runner's experiment that streams them on.
   */
  @Test
  void aSplitLargerThanTheHeapStreamsThrough() throws Exception {
    TestDatabase db = TestDatabases.get(DatabaseKind.POSTGRES);
    String table = TestDatabase.uniqueName("spark_large");
    long rows = 2_000_000;
    db.execute("CREATE TABLE " + table + " (id BIGINT PRIMARY KEY, v VARCHAR(200) NOT NULL)");
    db.execute("INSERT INTO " + table + " SELECT g, repeat('x', 120) || g"
        + " FROM generate_series(1, " + rows + ") g");
    Path log = Files.createTempFile("spark-large-split", ".log");
    try {
      List<String> command = new ArrayList<>(List.of(
          Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-Xmx512m", "-XX:+ExitOnOutOfMemoryError"));
      command.addAll(SPARK_JVM_OPTIONS);
      command.addAll(List.of("-cp", System.getProperty("java.class.path"),
          SparkSnapshotMain.class.getName(), DatabaseKind.POSTGRES.name(), table,
          String.valueOf(rows)));
      Process child = new ProcessBuilder(command).redirectErrorStream(true)
          .redirectOutput(log.toFile()).start();
      if (!child.waitFor(5, TimeUnit.MINUTES)) {
        child.destroyForcibly();
      }
      String output = Files.readString(log);
      assertThat(child.exitValue())
          .as("exit code of the Spark pipeline; its output ends:%n%s",
              output.substring(Math.max(0, output.length() - 3_000)))
          .isZero();
      assertThat(output).contains("pipeline finished: DONE");
    } finally {
      Files.deleteIfExists(log);
      db.dropQuietly(table);
    }
  }
}
