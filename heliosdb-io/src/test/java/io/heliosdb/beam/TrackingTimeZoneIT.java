package io.heliosdb.beam;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.heliosdb.beam.testing.DatabaseKind;
import io.heliosdb.beam.testing.StreamCollector;
import io.heliosdb.beam.testing.TestDatabase;
import io.heliosdb.beam.testing.TestDatabases;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.IntStream;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Tracking columns without zone written by sessions in a zone other than the server's (UTC) and
 * the reader's (the suite's JVM zone, Europe/Berlin): with {@link
 * IncrementalOptions#withTrackingTimeZone} the commit delay protects a row whose transaction
 * commits after rows with later values; without it the cutoff is hours ahead of the writers'
 * clock and that row is missed.
 */
@ExtendWith(TestPipelineExtension.class)
class TrackingTimeZoneIT {
  private static final Duration WAIT = Duration.ofSeconds(60);

  /** Writers in New York (PostgreSQL) or at UTC-05:00 (MariaDB, which has no zone tables here). */
  private record Writers(TestDatabase db, String setZone, ZoneId zone, String columnType,
      String now) {
    static Writers of(DatabaseKind kind) {
      TestDatabase db = TestDatabases.get(kind);
      return db.isPostgres()
          ? new Writers(db, "SET TIME ZONE 'America/New_York'", ZoneId.of("America/New_York"),
              "TIMESTAMP(6)", "clock_timestamp()::timestamp")
          : new Writers(db, "SET time_zone = '-05:00'", ZoneOffset.ofHours(-5), "DATETIME(6)",
              "NOW(6)");
    }

    Connection connect() throws SQLException {
      Connection connection = db.connect();
      try (Statement statement = connection.createStatement()) {
        statement.execute(setZone);
      }
      return connection;
    }

    void insert(Connection connection, String table, int id) throws SQLException {
      try (Statement statement = connection.createStatement()) {
        statement.execute(
            "INSERT INTO " + table + " VALUES (" + id + ", " + id + ", " + now + ")");
      }
    }
  }

  /**
   * Once the reader polls (it has read row 0, of the year 2000), a writer's transaction takes its
   * tracking value (row 1), then rows 2..5 with later values commit, and the transaction commits
   * once {@code commitWhen} holds. Returns the rows read a few polls later.
   */
  private static List<String> readWithALateCommit(
      Writers writers, TestPipeline pipeline, IncrementalOptions options,
      Predicate<List<String>> commitWhen, int expectedRows)
      throws Exception {
    String table = IncrementalReadIT.createTable(writers.db(), "inc_zone", writers.columnType());
    writers.db().execute("INSERT INTO " + table + " VALUES (0, 0, '2000-01-01 00:00:00')");
    StreamCollector collector = new StreamCollector();
    collector.collectRows(pipeline.apply(
        IncrementalReadIT.incremental(writers.db(), table, options)), "id", "v");
    PipelineResult result = IncrementalReadIT.start(pipeline);
    try (Connection late = writers.connect(); Connection others = writers.connect()) {
      await().atMost(WAIT).until(() -> collector.values().contains("0:0"));
      late.setAutoCommit(false);
      writers.insert(late, table, 1);
      Thread.sleep(300);
      for (int id = 2; id < 6; id++) {
        writers.insert(others, table, id); // later values, committed first
      }
      await().atMost(WAIT).until(() -> commitWhen.test(collector.values()));
      late.commit();
      await().atMost(WAIT).until(() -> collector.values().size() >= expectedRows);
      Thread.sleep(3_000); // a few more polls
      return collector.values();
    } finally {
      result.cancel();
      writers.db().dropQuietly(table);
    }
  }

  /** Commits 2.5 s after the later rows: polls ran while the transaction was open. */
  private static Predicate<List<String>> afterPolls() {
    long[] firstAsked = {0};
    return read -> {
      if (firstAsked[0] == 0) {
        firstAsked[0] = System.currentTimeMillis();
      }
      return System.currentTimeMillis() >= firstAsked[0] + 2_500;
    };
  }

  /** Commits once rows 2..5 were read: the cursor is past row 1's value. */
  private static Predicate<List<String>> afterTheLaterRows() {
    return read -> read.containsAll(rows(2, 6));
  }

  private static IncrementalOptions options() {
    return IncrementalReadIT.fastPolls(5_000);
  }

  private static List<String> rows(int from, int to) {
    return IntStream.range(0, to).filter(i -> i == 0 || i >= from).mapToObj(i -> i + ":" + i)
        .toList(); // with row 0
  }

  @ParameterizedTest
  @EnumSource(value = DatabaseKind.class, names = {"POSTGRES", "MYSQL"})
  void aLateRowIsReadOnceWithTheWritersZoneStated(DatabaseKind kind, TestPipeline pipeline)
      throws Exception {
    Writers writers = Writers.of(kind);
    assertThat(readWithALateCommit(
            writers, pipeline, options().withTrackingTimeZone(writers.zone()), afterPolls(), 6))
        .containsExactlyInAnyOrderElementsOf(rows(1, 6));
  }

  /**
   * The control: without the zone the cutoff is the reading session's clock (PostgreSQL: the
   * JVM's zone, Berlin, 6 h ahead of New York; MariaDB: the server's UTC, 5 h ahead of the
   * writers' sessions), rows 2..5 are read at once, and row 1, committed later with an earlier
   * value, is behind the cursor: missed, which is why the option exists.
   */
  @ParameterizedTest
  @EnumSource(value = DatabaseKind.class, names = {"POSTGRES", "MYSQL"})
  void withoutTheZoneTheLateRowIsMissed(DatabaseKind kind, TestPipeline pipeline)
      throws Exception {
    assertThat(readWithALateCommit(Writers.of(kind), pipeline, options(), afterTheLaterRows(), 5))
        .containsExactlyInAnyOrderElementsOf(rows(2, 6));
  }
}
