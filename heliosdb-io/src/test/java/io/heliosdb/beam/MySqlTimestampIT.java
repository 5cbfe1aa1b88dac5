package io.heliosdb.beam;

import static org.assertj.core.api.Assertions.assertThat;

import io.heliosdb.beam.testing.DatabaseKind;
import io.heliosdb.beam.testing.StreamCollector;
import io.heliosdb.beam.testing.TestDatabase;
import io.heliosdb.beam.testing.TestDatabases;
import io.heliosdb.beam.testing.TestDatabases.Use;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.TimeZone;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.values.Row;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * MySQL/MariaDB {@code TIMESTAMP} columns read as the instants they store, and {@code DATETIME}
 * columns as their wall-clock values, in every mode, with the worker JVM in a time zone other than
 * the server's (UTC) and other than UTC: America/New_York, whose DST gap holds one of the values.
 * Each test opens its own pool while that zone is the JVM's default.
 */
@ExtendWith(TestDatabases.class)
class MySqlTimestampIT {
  /**
   * The instants of the rows: 1700000000.123 (the value of the report), more at odd offsets, and
   * 2024-03-10T02:30Z, whose UTC wall-clock time does not exist in New York (spring forward).
   */
  private static final List<Instant> INSTANTS = List.of(
      Instant.ofEpochMilli(1_700_000_000_123L),
      Instant.ofEpochMilli(1_700_000_001_456L),
      Instant.ofEpochMilli(1_700_003_600_789L),
      Instant.parse("2024-03-10T02:30:00Z"),
      Instant.parse("2024-11-03T05:30:00.250Z"),
      Instant.parse("2025-06-01T12:00:00.999Z"));

  private TimeZone saved;

  @BeforeEach
  void jvmInNewYork() {
    saved = TimeZone.getDefault();
    TimeZone.setDefault(TimeZone.getTimeZone("America/New_York"));
  }

  @AfterEach
  void restoreZone() {
    TimeZone.setDefault(saved);
  }

  /**
   * A read of {@code table} through a pool of its own, so that its connections are made while the
   * JVM is in New York.
   */
  private static HeliosDbIO.Read read(TestDatabase db, String table) {
    return HeliosDbIO.read().withConnection(db.connectionConfiguration().withMaxConnections(7))
        .withTable(table);
  }

  /** {@code (ts TIMESTAMP(3) PRIMARY KEY, v, dt DATETIME(3))}, dt the UTC wall clock of ts. */
  private static String createTable(TestDatabase db, String prefix) throws Exception {
    String table = TestDatabase.uniqueName(prefix);
    db.execute("CREATE TABLE " + table + " (ts TIMESTAMP(3) NOT NULL PRIMARY KEY,"
        + " v VARCHAR(20) NOT NULL, dt DATETIME(3) NOT NULL)");
    return table;
  }

  private static String tableWithRows(TestDatabase db, String prefix) throws Exception {
    String table = createTable(db, prefix);
    insertRows(db, table);
    return table;
  }

  /** Inserts the rows through a session in the server's zone (UTC), the values as literals. */
  private static void insertRows(TestDatabase db, String table) throws Exception {
    db.execute(INSTANTS.stream()
        .map(i -> "INSERT INTO " + table + " VALUES ('" + wallClock(i) + "', 'v', '"
            + wallClock(i) + "')")
        .toArray(String[]::new));
  }

  private static String wallClock(Instant instant) {
    return LocalDateTime.ofInstant(instant, ZoneOffset.UTC).toString().replace('T', ' ');
  }

  private static String render(Row row) {
    return row.getValue("ts") + "|" + row.getValue("dt");
  }

  private static List<String> expected() {
    return INSTANTS.stream()
        .map(i -> i + "|" + LocalDateTime.ofInstant(i, ZoneOffset.UTC))
        .toList();
  }

  private static PipelineResult start(TestPipeline pipeline) {
    return IncrementalReadIT.start(pipeline);
  }

  /** What a test does while its streaming pipeline runs. */
  private interface WhileRunning {
    void accept(PipelineResult result) throws Exception;
  }

  /** Starts the streaming pipeline, runs {@code check}, then cancels it and drops the table. */
  private static void runThenDrop(
      TestPipeline pipeline, TestDatabase db, String table, WhileRunning check) throws Exception {
    PipelineResult result = start(pipeline);
    try {
      check.accept(result);
    } finally {
      result.cancel();
      db.dropQuietly(table);
    }
  }

  @Test
  void snapshotChunksAndCdcAfterImagesAreTheStoredInstants(@Use(DatabaseKind.MYSQL) TestDatabase db)
      throws Exception {
    String table = createTable(db, "ts_modes");
    try {
      CdcOptions options = CdcReadIT.cdc(db, table);
      TestPipeline cdcPipeline = CdcReadIT.newPipeline();
      StreamCollector changes = new StreamCollector();
      changes.collect(cdcPipeline.apply(read(db, table).withCdc(options)),
          change -> render(change.getRow("after")));
      PipelineResult result = start(cdcPipeline);
      try {
        insertRows(db, table);
        CdcReadIT.awaitWhileRunning(result, () -> changes.values().size() >= INSTANTS.size());
      } finally {
        result.cancel();
      }

      Pipeline snapshot = Pipeline.create();
      StreamCollector rows = new StreamCollector();
      rows.collect(snapshot.apply(read(db, table)
          .withSnapshot(SnapshotOptions.byPrimaryKey().withChunkSize(2)).withParallelism(2)),
          MySqlTimestampIT::render);
      snapshot.run().waitUntilFinish();

      assertThat(rows.values()).containsExactlyInAnyOrderElementsOf(expected());
      assertThat(changes.values()).containsExactlyInAnyOrderElementsOf(rows.values());
    } finally {
      db.dropQuietly(table);
    }
  }

  @Test
  void incrementalReadsEveryRowOnceWithItsInstant(@Use(DatabaseKind.MYSQL) TestDatabase db)
      throws Exception {
    String table = tableWithRows(db, "ts_inc");
    TestPipeline pipeline = CdcReadIT.newPipeline();
    StreamCollector rows = new StreamCollector();
    rows.collect(pipeline.apply(read(db, table)
        .withIncremental(IncrementalOptions.trackingColumn("ts")
            .withPollInterval(org.joda.time.Duration.standardSeconds(1))
            .withCommitDelay(org.joda.time.Duration.ZERO))), MySqlTimestampIT::render);
    runThenDrop(pipeline, db, table, result -> {
      CdcReadIT.awaitWhileRunning(result, () -> rows.values().size() >= INSTANTS.size());
      Thread.sleep(3_000); // more polls: a row read again would arrive now
      assertThat(rows.values()).containsExactlyInAnyOrderElementsOf(expected());
    });
  }

  @Test
  void snapshotThenCdcRowsAndLaterBeforeImagesAgree(@Use(DatabaseKind.MYSQL) TestDatabase db)
      throws Exception {
    String table = tableWithRows(db, "ts_handoff");
    TestPipeline pipeline = CdcReadIT.newPipeline();
    StreamCollector events = new StreamCollector();
    events.collect(pipeline.apply(read(db, table)
            .withSnapshot(SnapshotOptions.byPrimaryKey().withChunkSize(2)).withParallelism(2)
            .withCdc(CdcOptions.create().withSlotName(table)
                .withHeartbeatInterval(org.joda.time.Duration.standardSeconds(1)))),
        change -> change.getString("op") + "|"
            + (change.getRow("before") == null ? "-" : render(change.getRow("before"))) + "|"
            + (change.getRow("after") == null ? "-" : render(change.getRow("after"))));
    runThenDrop(pipeline, db, table, result -> {
      CdcReadIT.awaitWhileRunning(result, () -> events.values().size() >= INSTANTS.size());
      db.execute("UPDATE " + table + " SET v = 'w'");
      CdcReadIT.awaitWhileRunning(result, () -> events.values().size() >= 2 * INSTANTS.size());
      Thread.sleep(1_000); // a change repeated would arrive now
      assertThat(events.values()).containsExactlyInAnyOrderElementsOf(
          expected().stream().flatMap(row -> List.of("r|-|" + row, "u|" + row + "|" + row)
              .stream()).toList());
    });
  }
}
