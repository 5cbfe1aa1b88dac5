package io.heliosdb.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.heliosdb.beam.CdcOptions;
import io.heliosdb.beam.HeliosDbIO;
import io.heliosdb.beam.testing.DatabaseKind;
import io.heliosdb.beam.testing.StreamCollector;
import io.heliosdb.beam.testing.TestDatabase;
import io.heliosdb.beam.testing.TestDatabases;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.Statement;
import java.sql.Types;
import java.time.Duration;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.extensions.sql.SqlTransform;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.options.StreamingOptions;
import org.apache.beam.sdk.schemas.transforms.Select;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ArgumentsSource;

/**
 * Beam SQL over HeliosDbIO's rows on real PostgreSQL and MariaDB: snapshot rows queried with
 * {@link SqlTransform} give what the database itself answers to the same query, and change
 * envelopes of a stream are counted per operation, projected and filtered by their nested rows.
 */
class BeamSqlIT {
  private static final int ROWS = 40;
  private static final String DATE_TIME_FILTER = " WHERE due_date >= DATE '2026-06-01'"
      + " AND at_local < TIMESTAMP '2026-11-02 12:00:00' AND clock > TIME '03:00:00'";

  /** One column per type Beam SQL can query once {@link SqlCompatibleRows} has run. */
  static String createTypesTable(TestDatabase db) throws Exception {
    String table = TestDatabase.uniqueName("bsql_types");
    String local = db.isPostgres() ? "TIMESTAMP(6)" : "DATETIME(6)";
    String instant = db.isPostgres() ? "TIMESTAMPTZ(6)" : "TIMESTAMP(6) NULL";
    String dbl = db.isPostgres() ? "DOUBLE PRECISION" : "DOUBLE";
    db.execute("CREATE TABLE " + table + " (id INT PRIMARY KEY, small SMALLINT, big BIGINT,"
        + " amount DECIMAL(12,2), name VARCHAR(20), flag BOOLEAN, ratio " + dbl + ", due_date DATE,"
        + " at_local " + local + ", at_instant " + instant + ", clock TIME)");
    List<Object[]> rows = new ArrayList<>();
    for (int i = 1; i <= ROWS; i++) {
      boolean nulls = i % 10 == 0;
      rows.add(new Object[] {i, (short) (i % 7), 1_000_000_000_000L * i,
          nulls ? null : new BigDecimal(i * 37 % 1000 + "." + String.format("%02d", i % 100)),
          "name" + (i % 4), nulls ? null : i % 3 != 0, i / 8.0,
          nulls ? null : java.sql.Date.valueOf(LocalDate.of(2026, 1 + i % 12, 1 + i % 28)),
          nulls ? null : java.sql.Timestamp.valueOf(
              LocalDateTime.of(2026, 1 + i % 12, 2, i % 24, i % 60, 5, i * 1_001_000)),
          nulls ? null : java.sql.Timestamp.valueOf(
              LocalDateTime.of(2025, 12, 1 + i % 28, i % 24, 30, 0, (i % 8) * 123_456_000)),
          nulls ? null : java.sql.Time.valueOf(LocalTime.of(i % 24, i % 60, 9))});
    }
    try {
      db.insert(table,
          "id, small, big, amount, name, flag, ratio, due_date, at_local, at_instant, clock", rows);
    } catch (Exception e) {
      db.dropQuietly(table);
      throw e;
    }
    return table;
  }

  /** A value rendered the same way whether Beam SQL or JDBC gave it. */
  static String normalize(Object value) {
    if (value == null) {
      return "null";
    }
    if (value instanceof org.joda.time.ReadableInstant instant) {
      return String.valueOf(instant.getMillis()); // compared with the epoch millis JDBC gives
    }
    if (value instanceof Number number) {
      return new BigDecimal(number.toString()).stripTrailingZeros().toPlainString();
    }
    return value.toString();
  }

  static String render(Row row) {
    List<String> values = new ArrayList<>();
    for (int i = 0; i < row.getFieldCount(); i++) {
      values.add(normalize(row.getValue(i)));
    }
    return String.join("|", values);
  }

  /** The rows the database itself returns for {@code sql}, rendered as {@link #render}. */
  static List<String> databaseAnswer(TestDatabase db, String sql) throws Exception {
    List<String> rows = new ArrayList<>();
    try (Connection connection = db.connect(); Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery(sql)) {
      ResultSetMetaData meta = rs.getMetaData();
      while (rs.next()) {
        List<String> values = new ArrayList<>();
        for (int i = 1; i <= meta.getColumnCount(); i++) {
          Object value = switch (meta.getColumnType(i)) {
            case Types.DATE -> rs.getObject(i, LocalDate.class);
            case Types.TIME -> rs.getObject(i, LocalTime.class);
            // Beam SQL's TIMESTAMP holds milliseconds: it drops a date-time's microseconds
            case Types.TIMESTAMP -> truncatedToMillis(rs.getObject(i, LocalDateTime.class));
            default -> rs.getObject(i);
          };
          values.add(normalize(value));
        }
        rows.add(String.join("|", values));
      }
    }
    return rows;
  }

  static LocalDateTime truncatedToMillis(LocalDateTime value) {
    return value == null ? null : value.truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
  }

  /** Epoch milliseconds of an instant column, as the database computes them. */
  static String epochMillis(TestDatabase db, String column) {
    return db.isPostgres()
        ? "FLOOR(EXTRACT(EPOCH FROM " + column + ") * 1000)"
        : "FLOOR(UNIX_TIMESTAMP(" + column + ") * 1000)";
  }

  static Pipeline newPipeline() {
    return Pipeline.create(PipelineOptionsFactory.create());
  }

  static HeliosDbIO.Read read(TestDatabase db, String table) {
    return HeliosDbIO.read().withConnection(db.connectionConfiguration()).withTable(table);
  }

  /** Asserts that Beam SQL over the snapshot and the database answer {@code query} alike. */
  static void assertSameAnswer(TestDatabase db, String table, String beamSql, String databaseSql)
      throws Exception {
    List<String> want = databaseAnswer(db, databaseSql.replace("$T", table));
    assertThat(want).isNotEmpty();
    Pipeline pipeline = newPipeline();
    PCollection<String> got = QueryTableWithSql.query(pipeline, read(db, table), beamSql)
        .apply(MapElements.into(TypeDescriptors.strings()).via(BeamSqlIT::render));
    PAssert.that(got).containsInAnyOrder(want);
    pipeline.run().waitUntilFinish();
  }

  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void aggregatesGroupedAndFilteredSnapshotRowsAsTheDatabaseDoes(TestDatabase db)
      throws Exception {
    String table = createTypesTable(db);
    try {
      assertSameAnswer(db, table,
          "SELECT name, COUNT(*) AS n, SUM(amount) AS total, MIN(big) AS lo, MAX(small) AS hi,"
              + " SUM(ratio) AS ratios, COUNT(due_date) AS days FROM PCOLLECTION"
              + " WHERE flag AND amount > 100 GROUP BY name",
          "SELECT name, COUNT(*), SUM(amount), MIN(big), MAX(small), SUM(ratio), COUNT(due_date)"
              + " FROM $T WHERE flag AND amount > 100 GROUP BY name");
      assertSameAnswer(db, table,
          "SELECT EXTRACT(YEAR FROM due_date) AS y, EXTRACT(MONTH FROM due_date) AS m,"
              + " COUNT(*) AS n, MAX(at_local) AS latest FROM PCOLLECTION"
              + " WHERE due_date IS NOT NULL"
              + " GROUP BY EXTRACT(YEAR FROM due_date), EXTRACT(MONTH FROM due_date)",
          "SELECT EXTRACT(YEAR FROM due_date), EXTRACT(MONTH FROM due_date), COUNT(*),"
              + " MAX(at_local) FROM $T WHERE due_date IS NOT NULL"
              + " GROUP BY EXTRACT(YEAR FROM due_date), EXTRACT(MONTH FROM due_date)");
    } finally {
      db.dropQuietly(table);
    }
  }

  /**
   * Dates and times project as they are; local date-times and instants (with time zone) as
   * milliseconds: Beam SQL drops their microseconds.
   */
  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void projectsDateAndTimeColumnsAsTheDatabaseHoldsThem(TestDatabase db) throws Exception {
    String table = createTypesTable(db);
    try {
      assertSameAnswer(db, table,
          "SELECT id, due_date, at_local, at_instant, clock FROM PCOLLECTION"
              + DATE_TIME_FILTER,
          "SELECT id, due_date, at_local, " + epochMillis(db, "at_instant") + ", clock FROM $T"
              + DATE_TIME_FILTER);
    } finally {
      db.dropQuietly(table);
    }
  }

  /**
   * Changes of a stream through Beam SQL: counted per operation in one-second windows of their
   * commit time, projected from their {@code after} rows and filtered by their {@code source}.
   */
  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void queriesChangeEnvelopesOfAStream(TestDatabase db) throws Exception {
    String table = TestDatabase.uniqueName("bsql_cdc");
    db.execute("CREATE TABLE " + table + " (id BIGINT PRIMARY KEY, v VARCHAR(20) NOT NULL, at "
        + (db.isPostgres() ? "TIMESTAMPTZ" : "TIMESTAMP(6) NULL") + ")");
    PipelineResult result = null;
    try {
      Pipeline pipeline = newPipeline();
      pipeline.getOptions().as(StreamingOptions.class).setStreaming(true);
      pipeline.getOptions().as(DirectOptions.class).setBlockOnRun(false);
      PCollection<Row> changes = pipeline
          .apply(read(db, table).withCdc(db.cdcFromNow(table)))
          .apply(SqlCompatibleRows.create());
      StreamCollector counts = new StreamCollector();
      StreamCollector afters = new StreamCollector();
      StreamCollector deletes = new StreamCollector();
      counts.collectRows(changes.apply("Count per op", SqlTransform.query(
          "SELECT op, COUNT(*) AS n FROM PCOLLECTION"
              + " GROUP BY op, TUMBLE(commit_time, INTERVAL '1' SECOND)")), "op", "n");
      afters.collectRows(changes.apply("After images", SqlTransform.query(
          "SELECT t.op, t.after.id AS id, t.after.v AS v, t.after.`at` AS changed_at,"
              + " t.`position` AS pos FROM PCOLLECTION t WHERE t.after IS NOT NULL")),
          "op", "id", "v", "changed_at");
      deletes.collectRows(changes.apply("Deletes of the table", SqlTransform.query(
          "SELECT t.before.id AS id, t.source.`table` AS tbl FROM PCOLLECTION t"
              + " WHERE t.op = 'd' AND t.source.`table` = '" + table + "'")), "id", "tbl");
      PipelineResult running = pipeline.run();
      result = running;
      db.execute("INSERT INTO " + table + " VALUES (1, 'a', NULL), (2, 'b', NULL),"
          + " (3, 'c', TIMESTAMP '2026-12-02 10:11:12.345678')");
      db.execute("UPDATE " + table + " SET v = 'b2' WHERE id = 2");
      db.execute("DELETE FROM " + table + " WHERE id = 3");
      Map<String, Long> want = Map.of("c", 3L, "d", 1L, "u", 1L);
      await().atMost(Duration.ofSeconds(90)).until(() -> {
        running.waitUntilFinish(org.joda.time.Duration.millis(1)); // throws if it failed
        return sum(counts.values()).equals(want)
            && afters.values().size() >= 4 && deletes.values().size() >= 1;
      });
      Thread.sleep(2_000); // nothing more may come
      assertThat(sum(counts.values())).isEqualTo(want);
      String at = new org.joda.time.Instant(
          java.time.Instant.parse("2026-12-02T10:11:12.345Z").toEpochMilli()).toString();
      assertThat(afters.values()).containsExactlyInAnyOrder(
          "c:1:a:null", "c:2:b:null", "c:3:c:" + at, "u:2:b2:null");
      assertThat(deletes.values()).containsExactly("3:" + table);
    } finally {
      if (result != null) {
        result.cancel();
      }
      if (db.isPostgres()) {
        db.dropSlotAndPublication(table);
      }
      db.dropQuietly(table);
    }
  }

  /**
   * PostgreSQL {@code uuid} and array columns: the planner refuses rows with an instant or a UUID
   * field outright, whichever columns the query names; once rewritten, UUIDs are text and arrays
   * are indexed (from 1) and counted.
   */
  @Test
  @ExtendWith(TestDatabases.class)
  void queriesUuidAndArrayColumnsOfPostgresql(@TestDatabases.Use(DatabaseKind.POSTGRES)
      TestDatabase db) throws Exception {
    String table = TestDatabase.uniqueName("bsql_pg");
    db.execute("CREATE TABLE " + table + " (id INT PRIMARY KEY, key UUID, at TIMESTAMPTZ,"
        + " tags TEXT[], scores INT[])",
        "INSERT INTO " + table + " VALUES (1, 'a81bc81b-dead-4e5d-abff-90865d1e13b1',"
            + " '2026-12-02 10:00:00+00', ARRAY['x', 'y'], ARRAY[3, 4, 5]),"
            + " (2, NULL, NULL, ARRAY[]::TEXT[], NULL)");
    try {
      PCollection<Row> raw = newPipeline().apply(read(db, table));
      assertThatThrownBy(() -> raw.apply(SqlTransform.query("SELECT id FROM PCOLLECTION")))
          .hasStackTraceContaining("Cannot find a matching Calcite SqlTypeName for Beam logical"
              + " type: beam:logical_type:uuid:v1");
      PCollection<Row> instants = raw.apply(Select.fieldNames("id", "at"));
      assertThatThrownBy(() -> instants.apply(SqlTransform.query("SELECT id FROM PCOLLECTION")))
          .hasStackTraceContaining("Cannot find a matching Calcite SqlTypeName for Beam logical"
              + " type: beam:logical_type:micros_instant:v1");
      assertSameAnswer(db, table,
          "SELECT id, key, CARDINALITY(tags) AS n, tags[1] AS first_tag, scores[3] AS third"
              + " FROM PCOLLECTION WHERE key IS NULL OR key LIKE 'a81b%'",
          "SELECT id, key::text, CARDINALITY(tags), tags[1], scores[3] FROM $T");
    } finally {
      db.dropQuietly(table);
    }
  }

  /** Sums {@code op:n} counts of all windows per operation. */
  static Map<String, Long> sum(List<String> counts) {
    Map<String, Long> sums = new TreeMap<>();
    for (String count : counts) {
      String[] parts = count.split(":");
      sums.merge(parts[0], Long.parseLong(parts[1]), Long::sum);
    }
    return sums;
  }
}
