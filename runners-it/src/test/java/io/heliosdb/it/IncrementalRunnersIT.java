package io.heliosdb.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.heliosdb.beam.HeliosDbIO;
import io.heliosdb.beam.IncrementalOptions;
import io.heliosdb.beam.testing.DatabaseKind;
import io.heliosdb.beam.testing.StreamCollector;
import io.heliosdb.beam.testing.TestDatabase;
import io.heliosdb.beam.testing.TestDatabases;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Incremental mode as an unbounded pipeline on the Direct runner and on the Flink runner (embedded
 * local cluster, streaming, checkpointing every second), against the real PostgreSQL and MariaDB
 * servers: existing rows, a tie of many rows across pages and runner checkpoints, later inserts
 * and updates, and a transaction that commits late.
 */
class IncrementalRunnersIT {
  private static final Duration WAIT = Duration.ofSeconds(120);

  static Stream<Arguments> runnersAndDatabases() {
    return SnapshotRunnersIT.runnersAndDatabases();
  }

  static Pipeline streamingPipeline(String runner) {
    List<String> args = new ArrayList<>(List.of("--runner=" + runner, "--streaming=true"));
    if (runner.equals("FlinkRunner")) {
      // without checkpointing Flink re-invokes unbounded SDFs in a busy loop (RUNNER-FACTS)
      args.addAll(List.of("--parallelism=2", "--attachedMode=false",
          "--checkpointingInterval=1000"));
    } else {
      args.add("--blockOnRun=false");
    }
    return Pipeline.create(PipelineOptionsFactory.fromArgs(args.toArray(String[]::new)).create());
  }

  @ParameterizedTest(name = "{0} on {1}")
  @MethodSource("runnersAndDatabases")
  void pollsExistingTiedNewUpdatedAndLateRowsExactlyOnce(String runner, DatabaseKind kind)
      throws Exception {
    TestDatabase db = TestDatabases.get(kind);
    String table = TestDatabase.uniqueName("it_incremental");
    String type = db.isPostgres() ? "TIMESTAMPTZ" : "DATETIME(6)";
    String now = db.isPostgres() ? "clock_timestamp()" : "NOW(6)";
    db.execute("CREATE TABLE " + table + " (id BIGINT PRIMARY KEY, v INT NOT NULL, updated_at "
            + type + " NOT NULL)",
        "CREATE INDEX " + table + "_upd ON " + table + " (updated_at, id)");
    int tied = 25_000; // more than Flink's 10,000 outputs per call: runner checkpoints in the tie
    Object sameTime = db.isPostgres()
        ? java.time.OffsetDateTime.parse("2026-01-01T00:00:00Z")
        : java.time.LocalDateTime.parse("2026-01-01T00:00:00");
    db.insert(table, "id, v, updated_at",
        IntStream.range(0, tied).mapToObj(i -> new Object[] {(long) i, i, sameTime}).toList());

    Pipeline pipeline = streamingPipeline(runner);
    StreamCollector collector = new StreamCollector();
    collector.collectRows(
        pipeline.apply(HeliosDbIO.read()
            .withConnection(db.connectionConfiguration())
            .withTable(table)
            .withFetchSize(1_000) // pages of 1,000 rows inside the tie
            .withIncremental(IncrementalOptions.trackingColumn("updated_at")
                .withPollInterval(org.joda.time.Duration.standardSeconds(1))
                .withCommitDelay(org.joda.time.Duration.standardSeconds(4)))),
        "id", "v");
    PipelineResult result = pipeline.run();
    List<String> want = new ArrayList<>(
        IntStream.range(0, tied).mapToObj(i -> i + ":" + i).toList());
    try (Connection late = db.connect()) {
      await().atMost(WAIT).until(() -> collector.values().size() >= tied);

      // updated rows are emitted again, with their new values (MariaDB: before the late
      // transaction, whose insert would lock the key range the update scans)
      db.execute("UPDATE " + table + " SET v = v + 1000000, updated_at = " + now
          + " WHERE id < 50");
      late.setAutoCommit(false);
      try (Statement statement = late.createStatement()) {
        statement.execute("INSERT INTO " + table + " VALUES (-1, -1, " + now + ")");
      }
      Thread.sleep(200);
      db.execute(IntStream.range(tied, tied + 100)
          .mapToObj(i -> "INSERT INTO " + table + " VALUES (" + i + ", " + i + ", " + now + ")")
          .toArray(String[]::new));
      Thread.sleep(1_500);
      late.commit(); // within the commit delay of its tracking value, after later rows committed
      want.add("-1:-1");
      IntStream.range(tied, tied + 100).forEach(i -> want.add(i + ":" + i));
      IntStream.range(0, 50).forEach(i -> want.add(i + ":" + (i + 1_000_000)));

      await().atMost(WAIT).until(() -> collector.values().size() >= want.size());
      Thread.sleep(3_000); // more polls: nothing else may arrive
      assertThat(collector.duplicates()).isEmpty();
      assertThat(collector.values()).containsExactlyInAnyOrderElementsOf(want);
    } finally {
      result.cancel();
      collector.clear();
      db.dropQuietly(table);
    }
  }
}
