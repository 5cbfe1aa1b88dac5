package io.heliosdb.beam;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.heliosdb.beam.testing.StreamCollector;
import io.heliosdb.beam.testing.TestDatabase;
import io.heliosdb.beam.testing.TestDatabases;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.StreamingOptions;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.transforms.Count;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.transforms.windowing.IntervalWindow;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ArgumentsSource;

/**
 * Incremental reads of real PostgreSQL and MariaDB tables, as unbounded pipelines on the Direct
 * runner, checked while they run and then cancelled.
 */
@ExtendWith(TestPipelineExtension.class)
class IncrementalReadIT {
  private static final Duration WAIT = Duration.ofSeconds(60);

  /** A table of (id, v, updated_at) with the index the docs ask for. */
  static String createTable(TestDatabase db, String prefix, String timestampType)
      throws Exception {
    String table = TestDatabase.uniqueName(prefix);
    db.execute(
        "CREATE TABLE " + table + " (id BIGINT PRIMARY KEY, v INT NOT NULL, updated_at "
            + timestampType + " NOT NULL)",
        "CREATE INDEX " + table + "_upd ON " + table + " (updated_at, id)");
    return table;
  }

  static String timestampType(TestDatabase db) {
    return db.isPostgres() ? "TIMESTAMPTZ" : "DATETIME(6)";
  }

  static String now(TestDatabase db) {
    return db.isPostgres() ? "clock_timestamp()" : "NOW(6)";
  }

  static void insert(TestDatabase db, String table, int fromId, int toId) throws Exception {
    db.execute(IntStream.range(fromId, toId)
        .mapToObj(i -> "INSERT INTO " + table + " VALUES (" + i + ", " + i + ", " + now(db) + ")")
        .toArray(String[]::new));
  }

  static HeliosDbIO.Read incremental(TestDatabase db, String table, IncrementalOptions options) {
    return HeliosDbIO.read()
        .withConnection(db.connectionConfiguration())
        .withTable(table)
        .withIncremental(options);
  }

  static IncrementalOptions fastPolls(long commitDelayMillis) {
    return IncrementalOptions.trackingColumn("updated_at")
        .withPollInterval(org.joda.time.Duration.standardSeconds(1))
        .withCommitDelay(org.joda.time.Duration.millis(commitDelayMillis));
  }

  /** Runs an unbounded pipeline on the Direct runner without blocking. */
  static PipelineResult start(TestPipeline pipeline) {
    pipeline.getOptions().as(StreamingOptions.class).setStreaming(true);
    pipeline.getOptions().as(DirectOptions.class).setBlockOnRun(false);
    return pipeline.run();
  }

  static List<String> expected(int fromId, int toId) {
    return IntStream.range(fromId, toId).mapToObj(i -> i + ":" + i).toList();
  }

  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void readsExistingRowsThenNewAndUpdatedOnes(TestDatabase db, TestPipeline pipeline)
      throws Exception {
    String local = db.isPostgres() ? "TIMESTAMP" : "TIMESTAMP(6)"; // the other kind of column
    String zoned = createTable(db, "inc_basic", timestampType(db));
    String other = createTable(db, "inc_basic2", local);
    insert(db, zoned, 0, 50);
    insert(db, other, 0, 50);
    StreamCollector first = new StreamCollector();
    StreamCollector second = new StreamCollector();
    first.collectRows(pipeline.apply("a", incremental(db, zoned, fastPolls(500))), "id", "v");
    second.collectRows(pipeline.apply("b", incremental(db, other, fastPolls(500))), "id", "v");
    PipelineResult result = start(pipeline);
    try {
      await().atMost(WAIT).until(() -> first.values().size() >= 50
          && second.values().size() >= 50);
      for (String table : List.of(zoned, other)) {
        insert(db, table, 50, 70);
        db.execute("UPDATE " + table + " SET v = v + 1000, updated_at = " + now(db)
            + " WHERE id < 10");
      }
      List<String> want = new ArrayList<>(expected(0, 70));
      IntStream.range(0, 10).forEach(i -> want.add(i + ":" + (i + 1000)));
      for (StreamCollector collector : List.of(first, second)) {
        await().atMost(WAIT).until(() -> collector.values().size() >= want.size());
        Thread.sleep(2_000); // a few more polls: nothing more may arrive
        assertThat(collector.values()).containsExactlyInAnyOrderElementsOf(want);
      }
    } finally {
      result.cancel();
      db.dropQuietly(zoned);
      db.dropQuietly(other);
    }
  }

  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void readsThousandsOfRowsSharingOneTimestampExactlyOnce(TestDatabase db, TestPipeline pipeline)
      throws Exception {
    String table = createTable(db, "inc_ties", timestampType(db));
    int count = 3_000;
    db.insert(table, "id, v, updated_at", IntStream.range(0, count)
        .mapToObj(i -> new Object[] {(long) i, i,
            java.time.OffsetDateTime.parse("2026-01-01T00:00:00Z")})
        .toList());
    StreamCollector collector = new StreamCollector();
    // batches of 7 rows per claim: many claims and Direct runner checkpoints inside the tie
    collector.collectRows(
        pipeline.apply(incremental(db, table, fastPolls(0)).withOutputBatchSize(7)), "id", "v");
    PipelineResult result = start(pipeline);
    try {
      await().atMost(WAIT).until(() -> collector.values().size() >= count);
      Thread.sleep(2_000);
      assertThat(collector.duplicates()).isEmpty();
      assertThat(collector.values()).containsExactlyInAnyOrderElementsOf(expected(0, count));
    } finally {
      result.cancel();
      db.dropQuietly(table);
    }
  }

  /**
   * A transaction takes its tracking value (row 1), then rows 2..5 with later values commit; the
   * transaction commits once {@code commitWhen} holds. Returns what arrived a few polls later.
   */
  static List<String> readWithALateCommit(
      TestDatabase db, TestPipeline pipeline, long commitDelayMillis,
      java.util.function.Predicate<StreamCollector> commitWhen, int expectedRows)
      throws Exception {
    String table = createTable(db, "inc_late", timestampType(db));
    StreamCollector collector = new StreamCollector();
    collector.collectRows(
        pipeline.apply(incremental(db, table, fastPolls(commitDelayMillis))), "id", "v");
    PipelineResult result = start(pipeline);
    try (Connection late = db.connect()) {
      late.setAutoCommit(false);
      try (Statement statement = late.createStatement()) {
        statement.execute("INSERT INTO " + table + " VALUES (1, 1, " + now(db) + ")");
      }
      Thread.sleep(300);
      insert(db, table, 2, 6); // later tracking values, committed first
      await().atMost(WAIT).until(() -> commitWhen.test(collector));
      late.commit();
      await().atMost(WAIT).until(() -> collector.values().size() >= expectedRows);
      Thread.sleep(3_000); // a few more polls
      return collector.values();
    } finally {
      result.cancel();
      db.dropQuietly(table);
    }
  }

  /**
   * A row whose transaction commits after rows with later tracking values were committed (and
   * several polls ran) is read, once, with a commit delay longer than its transaction.
   */
  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void readsARowCommittedLateOnceTheCommitDelayHasPassed(TestDatabase db, TestPipeline pipeline)
      throws Exception {
    long polledWhileOpen = System.currentTimeMillis() + 2_500;
    List<String> values = readWithALateCommit(
        db, pipeline, 5_000, c -> System.currentTimeMillis() >= polledWhileOpen, 5);
    assertThat(values).containsExactlyInAnyOrderElementsOf(expected(1, 6));
  }

  /**
   * The control for the test above: without a commit delay the late row is missed, which is why
   * the delay exists (and why the docs say to set it above the longest writing transaction).
   */
  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void missesARowCommittedLateWithoutACommitDelay(TestDatabase db, TestPipeline pipeline)
      throws Exception {
    List<String> values =
        readWithALateCommit(db, pipeline, 0, c -> c.values().size() >= 4, 4); // read past row 1
    assertThat(values).containsExactlyInAnyOrderElementsOf(expected(2, 6));
  }

  /**
   * Starts on an empty table; while it stays idle the watermark advances (a window closes with no
   * later row to push it), and rows carry their tracking value as event time.
   */
  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void emptyTableThenARowWhoseWindowClosesWhileIdle(TestDatabase db, TestPipeline pipeline)
      throws Exception {
    String table = createTable(db, "inc_idle", timestampType(db));
    PCollection<Row> rows = pipeline.apply(incremental(db, table, fastPolls(500)));
    StreamCollector arrivals = new StreamCollector();
    arrivals.collectRows(rows, "id");
    StreamCollector windows = new StreamCollector();
    windows.collect(
        rows.apply(Window.into(FixedWindows.of(org.joda.time.Duration.standardSeconds(1))))
            .apply("Ids", ParDo.of(new IdOf()))
            .apply(Count.perElement())
            .apply("Render counts", ParDo.of(new RenderWindowCount())),
        s -> s);
    PipelineResult result = start(pipeline);
    try {
      Thread.sleep(3_000); // empty polls
      assertThat(arrivals.values()).isEmpty();
      insert(db, table, 7, 8);
      await().atMost(WAIT).until(() -> !windows.values().isEmpty());
      long updatedAt;
      try (Connection connection = db.connect();
          ResultSet rs = connection.createStatement().executeQuery(
              "SELECT FLOOR(" + (db.isPostgres() ? "EXTRACT(EPOCH FROM updated_at)"
                  : "UNIX_TIMESTAMP(updated_at)") + " * 1000) FROM " + table)) {
        rs.next();
        updatedAt = rs.getLong(1);
      }
      assertThat(arrivals.arrivals()).singleElement()
          .satisfies(a -> assertThat(a.eventMillis()).isEqualTo(updatedAt));
      assertThat(windows.values()).containsExactly(
          "7 x1 until " + ((updatedAt / 1000 + 1) * 1000));
    } finally {
      result.cancel();
      db.dropQuietly(table);
    }
  }

  /** An auto-increment id as tracking column, with a transaction that commits its id late. */
  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void tracksAnAutoIncrementIdIncludingALateCommit(TestDatabase db, TestPipeline pipeline)
      throws Exception {
    String table = TestDatabase.uniqueName("inc_ids");
    db.execute("CREATE TABLE " + table + " (id "
        + (db.isPostgres() ? "BIGSERIAL" : "BIGINT AUTO_INCREMENT") + " PRIMARY KEY, v INT NOT NULL)");
    db.execute(IntStream.range(0, 20)
        .mapToObj(i -> "INSERT INTO " + table + " (v) VALUES (" + i + ")").toArray(String[]::new));
    StreamCollector collector = new StreamCollector();
    collector.collectRows(
        pipeline.apply(incremental(db, table, IncrementalOptions.trackingColumn("id")
            .withPollInterval(org.joda.time.Duration.standardSeconds(1))
            .withCommitDelay(org.joda.time.Duration.standardSeconds(4)))),
        "v");
    PipelineResult result = start(pipeline);
    try (Connection late = db.connect()) {
      await().atMost(WAIT).until(() -> collector.values().size() >= 20);
      late.setAutoCommit(false);
      try (Statement statement = late.createStatement()) {
        statement.execute("INSERT INTO " + table + " (v) VALUES (100)"); // takes id 21
      }
      db.execute("INSERT INTO " + table + " (v) VALUES (101)", // ids 22, 23 commit first
          "INSERT INTO " + table + " (v) VALUES (102)");
      Thread.sleep(2_000);
      late.commit();
      await().atMost(WAIT).until(() -> collector.values().size() >= 23);
      Thread.sleep(2_000);
      List<String> want = new ArrayList<>(IntStream.range(0, 20).mapToObj(String::valueOf).toList());
      want.addAll(List.of("100", "101", "102"));
      assertThat(collector.values()).containsExactlyInAnyOrderElementsOf(want);
    } finally {
      result.cancel();
      db.dropQuietly(table);
    }
  }

  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void startsFromTheGivenTrackingValue(TestDatabase db, TestPipeline pipeline) throws Exception {
    String table = createTable(db, "inc_start", timestampType(db));
    db.insert(table, "id, v, updated_at", IntStream.range(0, 10)
        .mapToObj(i -> new Object[] {(long) i, i, db.isPostgres()
            ? java.time.OffsetDateTime.parse("2026-01-01T00:00:0" + i + "Z")
            : java.time.LocalDateTime.parse("2026-01-01T00:00:0" + i)})
        .toList());
    StreamCollector collector = new StreamCollector();
    String start = db.isPostgres() ? "2026-01-01T00:00:04Z" : "2026-01-01T00:00:04";
    collector.collectRows(
        pipeline.apply(incremental(db, table, fastPolls(0).withStartFrom(start))), "id", "v");
    PipelineResult result = start(pipeline);
    try {
      await().atMost(WAIT).until(() -> collector.values().size() >= 6);
      Thread.sleep(2_000);
      assertThat(collector.values()).containsExactlyInAnyOrderElementsOf(expected(4, 10));
    } finally {
      result.cancel();
      db.dropQuietly(table);
    }
  }

  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void badTrackingColumnsFailWhenThePipelineIsBuilt(TestDatabase db) throws Exception {
    String table = TestDatabase.uniqueName("inc_bad");
    String keyless = TestDatabase.uniqueName("inc_keyless");
    db.execute(
        "CREATE TABLE " + table + " (id BIGINT PRIMARY KEY, name VARCHAR(20) NOT NULL,"
            + " maybe " + timestampType(db) + " NULL, updated_at " + timestampType(db)
            + " NOT NULL)",
        "CREATE TABLE " + keyless + " (updated_at " + timestampType(db) + " NOT NULL)");
    try {
      assertThatThrownBy(() -> Pipeline.create().apply(incremental(db, table,
              IncrementalOptions.trackingColumn("nope"))))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("IncrementalOptions.trackingColumn(\"nope\")")
          .hasMessageContaining("has no such column");
      assertThatThrownBy(() -> Pipeline.create().apply(incremental(db, table,
              IncrementalOptions.trackingColumn("name"))))
          .hasMessageContaining("column name of table")
          .hasMessageContaining("cannot track changes");
      assertThatThrownBy(() -> Pipeline.create().apply(incremental(db, table,
              IncrementalOptions.trackingColumn("maybe"))))
          .hasMessageContaining("is nullable")
          .hasMessageContaining("withNullTrackingValuesSkipped()");
      Pipeline.create().apply(incremental(db, table,
          IncrementalOptions.trackingColumn("maybe").withNullTrackingValuesSkipped()));
      assertThatThrownBy(() -> Pipeline.create().apply(incremental(db, table,
              IncrementalOptions.trackingColumn("updated_at").withStartFrom("yesterday"))))
          .hasMessageContaining("IncrementalOptions.withStartFrom(\"yesterday\")");
      assertThatThrownBy(() -> Pipeline.create().apply(incremental(db, keyless,
              IncrementalOptions.trackingColumn("updated_at"))))
          .hasMessageContaining("has no primary key");
    } finally {
      db.dropQuietly(table);
      db.dropQuietly(keyless);
    }
  }

  static final class IdOf extends DoFn<Row, Long> {
    @ProcessElement
    public void process(@Element Row row, OutputReceiver<Long> out) {
      out.output((Long) row.getValue("id"));
    }
  }

  static final class RenderWindowCount extends DoFn<KV<Long, Long>, String> {
    @ProcessElement
    public void process(
        @Element KV<Long, Long> count, IntervalWindow window, OutputReceiver<String> out) {
      out.output(count.getKey() + " x" + count.getValue() + " until " + window.end().getMillis());
    }
  }
}
