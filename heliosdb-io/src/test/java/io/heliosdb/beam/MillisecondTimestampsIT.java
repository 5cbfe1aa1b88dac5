package io.heliosdb.beam;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.heliosdb.beam.testing.StreamCollector;
import io.heliosdb.beam.testing.TestDatabase;
import io.heliosdb.beam.testing.TestDatabases;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.Schema.FieldType;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.joda.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ArgumentsSource;

/**
 * {@code withMillisecondTimestamps(true)}: date-time columns come out as Beam {@code DATETIME}
 * fields (Joda instants of epoch milliseconds), the same in snapshots, CDC images and incremental
 * reads, while cursors keep the database's full precision.
 */
class MillisecondTimestampsIT {
  /** Instants with microseconds; on PostgreSQL also one before 1970, whose digits round down. */
  private static List<Instant> instants(TestDatabase db) {
    List<Instant> instants = new ArrayList<>(List.of(
        Instant.parse("2023-11-14T22:13:20.123456Z"),
        Instant.parse("2024-03-10T02:30:00.000999Z"),
        Instant.parse("2025-06-01T12:00:00.999999Z")));
    if (db.isPostgres()) {
      instants.add(Instant.parse("1969-12-31T23:59:59.999500Z"));
    }
    return instants;
  }

  /** {@code (id, at, local)}: an instant column and a zone-less one holding its UTC wall clock. */
  private static String createTable(TestDatabase db, String prefix) throws Exception {
    String table = TestDatabase.uniqueName(prefix);
    db.execute(db.isPostgres()
        ? "CREATE TABLE " + table + " (id int PRIMARY KEY, at timestamptz(6) NOT NULL,"
            + " local timestamp(6) NOT NULL, ats timestamptz(6)[])"
        : "CREATE TABLE " + table + " (id int PRIMARY KEY, at TIMESTAMP(6) NOT NULL,"
            + " local DATETIME(6) NOT NULL)");
    return table;
  }

  private static void insert(TestDatabase db, String table, int id, Instant at) throws Exception {
    String wallClock = LocalDateTime.ofInstant(at, ZoneOffset.UTC).toString().replace('T', ' ');
    db.execute(db.isPostgres()
        ? "INSERT INTO " + table + " VALUES (" + id + ", '" + at + "', '" + wallClock + "',"
            + " ARRAY['" + at + "'::timestamptz, NULL])"
        : "INSERT INTO " + table + " VALUES (" + id + ", '" + wallClock + "', '" + wallClock
            + "')");
  }

  private static HeliosDbIO.Read read(TestDatabase db, String table) {
    return HeliosDbIO.read().withConnection(db.connectionConfiguration()).withTable(table)
        .withMillisecondTimestamps(true);
  }

  /** A row as text: the values' classes and epoch milliseconds. */
  private static String render(Row row) {
    StringBuilder text = new StringBuilder().append(row.getInt32("id"));
    for (String field : List.of("at", "local")) {
      org.joda.time.Instant value = row.getDateTime(field).toInstant();
      text.append('|').append(field).append('=').append(value.getMillis());
    }
    if (row.getSchema().hasField("ats")) {
      text.append("|ats=").append(row.getArray("ats"));
    }
    return text.toString();
  }

  /** What every mode must output for these rows: each date-time as its floor millisecond. */
  private static List<String> expected(TestDatabase db, List<Instant> instants) {
    List<String> rows = new ArrayList<>();
    for (int id = 0; id < instants.size(); id++) {
      long millis = instants.get(id).toEpochMilli();
      rows.add(id + "|at=" + millis + "|local=" + millis
          + (db.isPostgres() ? "|ats=[" + new org.joda.time.Instant(millis) + ", null]" : ""));
    }
    return rows;
  }

  private static void assertMillisecondFields(Schema schema, TestDatabase db) {
    assertThat(schema.getField("at").getType()).isEqualTo(FieldType.DATETIME);
    assertThat(schema.getField("local").getType()).isEqualTo(FieldType.DATETIME);
    if (db.isPostgres()) {
      assertThat(schema.getField("ats").getType())
          .isEqualTo(FieldType.array(FieldType.DATETIME.withNullable(true)).withNullable(true));
    }
  }

  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void snapshotAndCdcOutputTheSameMillisecondDateTimes(TestDatabase db) throws Exception {
    String table = createTable(db, "ms_modes");
    List<Instant> instants = instants(db);
    try {
      TestPipeline cdcPipeline = CdcReadIT.newPipeline();
      PCollection<Row> changes = cdcPipeline.apply(read(db, table).withCdc(CdcReadIT.cdc(db, table)));
      assertMillisecondFields(changes.getSchema().getField("after").getType().getRowSchema(), db);
      StreamCollector afterImages = new StreamCollector();
      afterImages.collect(changes, change -> render(change.getRow("after")));
      PipelineResult result = CdcReadIT.start(cdcPipeline);
      try {
        for (int id = 0; id < instants.size(); id++) {
          insert(db, table, id, instants.get(id));
        }
        CdcReadIT.awaitWhileRunning(result, () -> afterImages.values().size() >= instants.size());
      } finally {
        result.cancel();
      }

      Pipeline snapshot = Pipeline.create();
      PCollection<Row> rows = snapshot.apply(read(db, table)
          .withSnapshot(SnapshotOptions.byPrimaryKey().withChunkSize(2)).withParallelism(2));
      assertMillisecondFields(rows.getSchema(), db);
      StreamCollector snapshotRows = new StreamCollector();
      snapshotRows.collect(rows, MillisecondTimestampsIT::render);
      snapshot.run().waitUntilFinish();

      assertThat(snapshotRows.values()).containsExactlyInAnyOrderElementsOf(expected(db, instants));
      assertThat(afterImages.values()).containsExactlyInAnyOrderElementsOf(snapshotRows.values());
    } finally {
      CdcReadIT.dropSlot(db, table);
      db.dropQuietly(table);
    }
  }

  /**
   * A zone-less column turned into an instant column while the stream runs stops it, as any
   * retyped column does: both map to the same millisecond field, but the values would shift by
   * the zone the database converted them with.
   */
  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void aDateTimeColumnRetypedToAnInstantStopsTheStream(TestDatabase db) throws Exception {
    String table = createTable(db, "ms_retype");
    try {
      TestPipeline pipeline = CdcReadIT.newPipeline();
      StreamCollector afterImages = new StreamCollector();
      afterImages.collect(pipeline.apply(read(db, table).withCdc(CdcReadIT.cdc(db, table))),
          change -> render(change.getRow("after")));
      PipelineResult result = CdcReadIT.start(pipeline);
      try {
        insert(db, table, 0, Instant.parse("2024-03-10T02:30:00.123456Z"));
        CdcReadIT.awaitWhileRunning(result, () -> afterImages.values().size() >= 1);
        db.execute(db.isPostgres()
            ? "ALTER TABLE " + table + " ALTER COLUMN local TYPE timestamptz(6)"
            : "ALTER TABLE " + table + " MODIFY local TIMESTAMP(6) NOT NULL");
        insert(db, table, 1, Instant.parse("2024-03-10T02:31:00Z"));
        assertThatThrownBy(() -> result.waitUntilFinish(Duration.standardSeconds(30)))
            .hasStackTraceContaining("the table's columns changed during CDC")
            .hasStackTraceContaining("retyped [local: ");
        assertThat(afterImages.values()).hasSize(1);
      } finally {
        result.cancel();
      }
    } finally {
      CdcReadIT.dropSlot(db, table);
      db.dropQuietly(table);
    }
  }

  /**
   * Rows whose tracking values share a millisecond are each read once: the cursor compares the
   * stored microseconds, not the output's milliseconds (which would read the first row again).
   */
  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void incrementalCursorKeepsFullPrecision(TestDatabase db) throws Exception {
    String table = createTable(db, "ms_inc");
    insert(db, table, 0, Instant.parse("2025-01-01T00:00:00.123456Z"));
    TestPipeline pipeline = CdcReadIT.newPipeline();
    PCollection<Row> rows = pipeline.apply(read(db, table)
        .withIncremental(IncrementalOptions.trackingColumn("at")
            .withPollInterval(Duration.standardSeconds(1)).withCommitDelay(Duration.ZERO)));
    assertMillisecondFields(rows.getSchema(), db);
    StreamCollector arrivals = new StreamCollector();
    arrivals.collect(rows, MillisecondTimestampsIT::render);
    PipelineResult result = CdcReadIT.start(pipeline);
    try {
      CdcReadIT.awaitWhileRunning(result, () -> arrivals.values().size() >= 1);
      insert(db, table, 1, Instant.parse("2025-01-01T00:00:00.123789Z"));
      insert(db, table, 2, Instant.parse("2025-01-01T00:00:00.124001Z"));
      CdcReadIT.awaitWhileRunning(result, () -> arrivals.values().size() >= 3);
      Thread.sleep(3_000); // more polls: a row read again would arrive now
      long first = Instant.parse("2025-01-01T00:00:00.123Z").toEpochMilli();
      assertThat(arrivals.values()).map(v -> v.replaceAll("\\|ats=.*", ""))
          .containsExactlyInAnyOrder(
              "0|at=" + first + "|local=" + first,
              "1|at=" + first + "|local=" + first,
              "2|at=" + (first + 1) + "|local=" + (first + 1));
    } finally {
      result.cancel();
      db.dropQuietly(table);
    }
  }

  /**
   * A snapshot split on a date-time key whose rows share milliseconds, in chunks of two rows: the
   * chunk boundaries keep their microseconds, so every row is read once, although the output
   * shows several rows with one millisecond.
   */
  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void chunkBoundariesOnADateTimeKeyKeepTheirMicroseconds(TestDatabase db) throws Exception {
    String table = TestDatabase.uniqueName("ms_split");
    db.execute("CREATE TABLE " + table + " (at " + (db.isPostgres() ? "timestamptz(6)"
        : "TIMESTAMP(6)") + " NOT NULL PRIMARY KEY, v int NOT NULL)");
    List<String> micros = List.of(".123001", ".123002", ".123500", ".123999", ".124000",
        ".124001", ".124999");
    try {
      for (int v = 0; v < micros.size(); v++) {
        db.execute("INSERT INTO " + table + " VALUES ('2024-03-10 02:30:00" + micros.get(v)
            + (db.isPostgres() ? "+00" : "") + "', " + v + ")");
      }
      Pipeline pipeline = Pipeline.create();
      PCollection<Row> rows = pipeline.apply(read(db, table)
          .withSnapshot(SnapshotOptions.byPrimaryKey().withBoundaryChunks().withChunkSize(2))
          .withParallelism(3));
      assertThat(rows.getSchema().getField("at").getType()).isEqualTo(FieldType.DATETIME);
      StreamCollector read = new StreamCollector();
      read.collect(rows, row -> row.getInt32("v") + "@" + row.getDateTime("at").getMillis());
      pipeline.run().waitUntilFinish();
      long base = Instant.parse("2024-03-10T02:30:00.123Z").toEpochMilli();
      assertThat(read.values()).containsExactlyInAnyOrder(
          "0@" + base, "1@" + base, "2@" + base, "3@" + base,
          "4@" + (base + 1), "5@" + (base + 1), "6@" + (base + 1));
    } finally {
      db.dropQuietly(table);
    }
  }

  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void snapshotThenCdcRefusesADateTimeKey(TestDatabase db) throws Exception {
    String table = TestDatabase.uniqueName("ms_key");
    db.execute("CREATE TABLE " + table + " (at " + (db.isPostgres() ? "timestamptz" : "TIMESTAMP(6)")
        + " NOT NULL PRIMARY KEY, v int)");
    try {
      Pipeline pipeline = Pipeline.create();
      assertThatThrownBy(() -> pipeline.apply(read(db, table)
              .withSnapshot(SnapshotOptions.byPrimaryKey())
              .withCdc(CdcOptions.create().withSlotName(table))))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("withMillisecondTimestamps(true)")
          .hasMessageContaining("[at]");
    } finally {
      db.dropQuietly(table);
    }
  }
}
