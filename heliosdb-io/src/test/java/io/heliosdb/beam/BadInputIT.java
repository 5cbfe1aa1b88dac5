package io.heliosdb.beam;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.heliosdb.beam.dialect.MySqlDialect;
import io.heliosdb.beam.dialect.PostgresDialect;
import io.heliosdb.beam.testing.DatabaseKind;
import io.heliosdb.beam.testing.StreamCollector;
import io.heliosdb.beam.testing.TestDatabase;
import io.heliosdb.beam.testing.TestDatabases;
import io.heliosdb.beam.testing.TestDatabases.Use;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.values.Row;
import org.assertj.core.api.AbstractThrowableAssert;
import org.joda.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ArgumentsSource;

/**
 * Bad inputs, in every read mode they apply to, against the real PostgreSQL and MariaDB: each fails
 * with its own clear error when the pipeline is built or starts (before any row is emitted),
 * naming what is at fault and what to do, and leaves nothing half-done: no table created or
 * dropped, no replication slot or publication left behind. Hostile identifiers are read exactly
 * and harmlessly. Passwords appear in no exception.
 */
@ExtendWith({TestPipelineExtension.class, TestDatabases.class})
class BadInputIT {
  private static final Duration START_FAILURE_WAIT = Duration.standardSeconds(90);

  /** The read modes; each error below is checked in every mode it applies to. */
  enum Mode {
    SNAPSHOT,
    INCREMENTAL,
    CDC,
    SNAPSHOT_THEN_CDC
  }

  /** {@code read} in {@code mode}, tracking {@code updated_at}; CDC on slot {@code slot}. */
  static HeliosDbIO.Read in(Mode mode, HeliosDbIO.Read read, String slot) {
    CdcOptions cdc =
        CdcOptions.create().withSlotName(slot).withHeartbeatInterval(Duration.standardSeconds(1));
    return switch (mode) {
      case SNAPSHOT -> read.withSnapshot(SnapshotOptions.byPrimaryKey());
      case INCREMENTAL -> read.withIncremental(IncrementalOptions.trackingColumn("updated_at"));
      case CDC -> read.withCdc(cdc);
      case SNAPSHOT_THEN_CDC -> read.withSnapshot(SnapshotOptions.byPrimaryKey()).withCdc(cdc);
    };
  }

  static HeliosDbIO.Read read(TestDatabase db, String table) {
    return HeliosDbIO.read().withConnection(db.connectionConfiguration()).withTable(table);
  }

  /** Six random hex digits: short enough for names that must stay within 63 bytes. */
  static String shortId() {
    return TestDatabase.uniqueName("x").substring(2, 8);
  }

  /** A table of (id, v, updated_at NOT NULL), keyed by id unless {@code keyed} is false. */
  static String createTable(TestDatabase db, String prefix, boolean keyed, String extraColumns)
      throws SQLException {
    String table = TestDatabase.uniqueName(prefix);
    db.execute("CREATE TABLE " + table + " (id BIGINT" + (keyed ? " PRIMARY KEY" : "")
        + ", v VARCHAR(40), updated_at " + IncrementalReadIT.timestampType(db) + " NOT NULL"
        + extraColumns + ")");
    return table;
  }

  /** The database of the test URL (MariaDB: the namespace of unqualified tables). */
  static String database(TestDatabase db) {
    return db.url().substring(db.url().lastIndexOf('/') + 1).replaceFirst("\\?.*", "");
  }

  /** The namespace of unqualified table names. */
  static String namespace(TestDatabase db) {
    return db.isPostgres() ? "public" : database(db);
  }

  static String quote(TestDatabase db, String identifier) {
    String q = db.isPostgres() ? "\"" : "`";
    return q + identifier.replace(q, q + q) + q;
  }

  static List<String> strings(TestDatabase db, String sql, String... params) throws SQLException {
    List<String> values = new ArrayList<>();
    try (Connection connection = db.connect();
        PreparedStatement statement = connection.prepareStatement(sql)) {
      for (int i = 0; i < params.length; i++) {
        statement.setString(i + 1, params[i]);
      }
      try (ResultSet rs = statement.executeQuery()) {
        while (rs.next()) {
          values.add(rs.getString(1));
        }
      }
    }
    return values;
  }

  /**
   * The tables, replication slots and publications whose names contain {@code bad_input}: what a
   * failed read must leave exactly as it found.
   */
  static List<String> state(TestDatabase db) throws SQLException {
    List<String> state = new ArrayList<>();
    if (db.isPostgres()) {
      state.addAll(strings(db, "SELECT 'table ' || table_name FROM information_schema.tables"
          + " WHERE table_schema = current_schema() AND strpos(table_name, 'bad_input') > 0"));
      state.addAll(strings(db, "SELECT 'slot ' || slot_name FROM pg_replication_slots"
          + " WHERE strpos(slot_name, 'bad_input') > 0"));
      state.addAll(strings(db, "SELECT 'publication ' || pubname FROM pg_publication"
          + " WHERE strpos(pubname, 'bad_input') > 0"));
    } else {
      state.addAll(strings(db, "SELECT CONCAT('table ', table_name) FROM"
          + " information_schema.tables WHERE table_schema = DATABASE()"
          + " AND LOCATE('bad_input', table_name) > 0"));
    }
    Collections.sort(state);
    return state;
  }

  /** The replication slots and publications of that name (PostgreSQL). */
  static List<String> slotAndPublication(TestDatabase db, String name) throws SQLException {
    List<String> found = new ArrayList<>(strings(db,
        "SELECT 'slot ' || slot_name || ' ' || plugin FROM pg_replication_slots"
            + " WHERE slot_name = ?", name));
    found.addAll(strings(db, "SELECT 'publication ' || pubname FROM pg_publication"
        + " WHERE pubname = ?", name));
    return found;
  }

  /**
   * Builds {@code read} into a new pipeline, which must fail right there with {@code type},
   * leaving the database's tables, slots and publications as they were.
   */
  static AbstractThrowableAssert<?, ? extends Throwable> failsAtConstruction(
      TestDatabase db, HeliosDbIO.Read read, Class<? extends Throwable> type)
      throws SQLException {
    List<String> before = state(db);
    Throwable error = catchThrowable(() -> Pipeline.create().apply(read));
    assertThat(state(db)).as("left behind by a failed construction").isEqualTo(before);
    return assertThat(error).as(String.valueOf(error)).isInstanceOf(type);
  }

  /** Builds {@code read}, which must succeed, creating nothing (slots are made at the start). */
  static void buildsWithoutSideEffects(TestDatabase db, HeliosDbIO.Read read) throws SQLException {
    List<String> before = state(db);
    Pipeline.create().apply(read);
    assertThat(state(db)).as("created by building a pipeline").isEqualTo(before);
  }

  /** The first error of {@code type} in the chain of {@code error}. */
  static <T extends Throwable> T causeOf(Throwable error, Class<T> type) {
    for (Throwable e = error; e != null; e = e.getCause()) {
      if (type.isInstance(e)) {
        return type.cast(e);
      }
    }
    throw new AssertionError("no " + type.getSimpleName() + " in the chain of " + error, error);
  }

  /** {@code secret} appears in no message, cause, suppressed error or toString of {@code error}. */
  static void assertNoSecret(Throwable error, String secret) {
    StringWriter trace = new StringWriter();
    error.printStackTrace(new PrintWriter(trace)); // every cause's and suppressed's toString
    assertThat(trace.toString()).doesNotContain(secret);
    for (Throwable e = error; e != null; e = e.getCause()) {
      assertThat(String.valueOf(e.getMessage())).doesNotContain(secret);
      assertThat(e.toString()).doesNotContain(secret);
    }
  }

  /** Runs {@code pipeline}, which must fail as it starts; returns the failure. */
  static Throwable failsAtStart(TestPipeline pipeline) {
    PipelineResult result = CdcReadIT.start(pipeline);
    try {
      Throwable failure = catchThrowable(() -> result.waitUntilFinish(START_FAILURE_WAIT));
      assertThat(failure).as("the pipeline failed within " + START_FAILURE_WAIT).isNotNull();
      return failure;
    } finally {
      try {
        result.cancel();
      } catch (Exception alreadyFailed) {
        // the failed pipeline is stopped already
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Objects that do not exist

  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void missingTablesSchemasAndColumnsFailAtConstructionInEveryMode(TestDatabase db)
      throws Exception {
    String table = createTable(db, "bad_input_missing", true, "");
    String missing = TestDatabase.uniqueName("bad_input_nosuch");
    String schema = TestDatabase.uniqueName("bad_input_noschema");
    String slot = TestDatabase.uniqueName("bad_input_s");
    try {
      for (Mode mode : Mode.values()) {
        failsAtConstruction(db, in(mode, read(db, missing), slot), IllegalArgumentException.class)
            .as(mode + ": missing table")
            .hasMessageStartingWith("withTable(\"" + missing + "\"): table ")
            .hasMessageContaining(missing + " does not exist in " + db.url())
            .hasMessageContaining("not visible to user " + db.user())
            .hasMessageContaining("Check the name");
        failsAtConstruction(
                db, in(mode, read(db, schema + "." + table), slot),
                IllegalArgumentException.class)
            .as(mode + ": missing schema")
            .hasMessageStartingWith("withTable(\"" + schema + "." + table + "\"): schema or"
                + " database " + schema + " does not exist in " + db.url())
            .hasMessageContaining("Check the name");
      }
      // columns: the split column of a snapshot, the tracking column of incremental mode (CDC
      // names no column)
      failsAtConstruction(db, read(db, table).withSplitColumn("nosuch_col"),
              IllegalArgumentException.class)
          .hasMessageContaining("withSplitColumn(\"nosuch_col\"): table ")
          .hasMessageContaining(table + " has no such column; its columns are [id, v, updated_at]");
      failsAtConstruction(db, in(Mode.SNAPSHOT_THEN_CDC, read(db, table), slot)
              .withSplitColumn("nosuch_col"), IllegalArgumentException.class)
          .hasMessageContaining("withSplitColumn(\"nosuch_col\") is not the primary key [id]")
          .hasMessageContaining("splits by the primary key only");
      failsAtConstruction(db, read(db, table).withIncremental(
              IncrementalOptions.trackingColumn("nosuch_col")), IllegalArgumentException.class)
          .hasMessageContaining("IncrementalOptions.trackingColumn(\"nosuch_col\"): table ")
          .hasMessageContaining(table + " has no such column; its columns are [id, v, updated_at]");
      if (db.isPostgres()) {
        // an unquoted name is folded to lower case: the message says how to keep its case
        String mixed = "Bad_Input_Mixed_" + shortId();
        db.execute("CREATE TABLE " + quote(db, mixed) + " (id INT PRIMARY KEY)");
        try {
          failsAtConstruction(db, read(db, mixed), IllegalArgumentException.class)
              .hasMessageContaining("table public." + mixed.toLowerCase() + " does not exist")
              .hasMessageContaining("quote a part (\"My Table\") to keep it as written");
          buildsWithoutSideEffects(db, read(db, quote(db, mixed)));
        } finally {
          db.execute("DROP TABLE " + quote(db, mixed));
        }
      }
    } finally {
      db.dropQuietly(table);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Tables without a primary key

  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void tablesWithoutPrimaryKeyFailInTheModesThatNeedOne(TestDatabase db) throws Exception {
    String table = createTable(db, "bad_input_nokey", false, "");
    String slot = TestDatabase.uniqueName("bad_input_s");
    db.execute("INSERT INTO " + table + " VALUES (1, 'a', " + IncrementalReadIT.now(db) + ")");
    try {
      if (db.isPostgres()) {
        buildsWithoutSideEffects(db, in(Mode.SNAPSHOT, read(db, table), slot)); // by page ranges
      } else {
        failsAtConstruction(db, in(Mode.SNAPSHOT, read(db, table), slot),
                IllegalArgumentException.class)
            .hasMessageContaining("table " + namespace(db) + "." + table + " has no primary key")
            .hasMessageContaining("withSplitColumn(...)")
            .hasMessageContaining("withParallelism(1)");
      }
      failsAtConstruction(db, in(Mode.INCREMENTAL, read(db, table), slot),
              IllegalArgumentException.class)
          .hasMessageContaining("withIncremental(...): table ")
          .hasMessageContaining(table + " has no primary key")
          .hasMessageContaining("add a primary key");
      failsAtConstruction(db, in(Mode.SNAPSHOT_THEN_CDC, read(db, table), slot),
              IllegalArgumentException.class)
          .hasMessageContaining("withSnapshot(...).withCdc(...): table ")
          .hasMessageContaining(table + " has no primary key")
          .hasMessageContaining("add a primary key");
      if (db.isPostgres()) {
        // a publication of a table without replica identity would make its UPDATEs fail
        failsAtConstruction(db, in(Mode.CDC, read(db, table), slot), IllegalStateException.class)
            .hasMessage("CDC of table public." + table + " needs a replica identity, which it"
                + " lacks (no primary key): once the table is in a publication, its UPDATEs and"
                + " DELETEs would fail. Run ALTER TABLE \"public\".\"" + table + "\" REPLICA"
                + " IDENTITY FULL, or add a primary key");
        db.execute("UPDATE " + table + " SET v = 'still writable'");
        db.execute("ALTER TABLE " + table + " REPLICA IDENTITY NOTHING");
        failsAtConstruction(db, in(Mode.CDC, read(db, table), slot), IllegalStateException.class)
            .hasMessageContaining("lacks (REPLICA IDENTITY NOTHING)");
        db.execute("ALTER TABLE " + table + " REPLICA IDENTITY FULL");
      }
      buildsWithoutSideEffects(db, in(Mode.CDC, read(db, table), slot)); // the log has full rows
    } finally {
      db.dropQuietly(table);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Types without a Beam mapping

  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void anUnsupportedTypeFailsAtConstructionInEveryModeNamingTheColumn(TestDatabase db)
      throws Exception {
    String table = createTable(db, "bad_input_type", true, ", location POINT");
    String slot = TestDatabase.uniqueName("bad_input_s");
    try {
      for (Mode mode : Mode.values()) {
        failsAtConstruction(db, in(mode, read(db, table), slot), SchemaMappingException.class)
            .as(mode.name())
            .hasMessageStartingWith("Column location of table ")
            .hasMessageContaining(table + " has type point, which HeliosDbIO cannot map")
            .hasMessageContaining("use withUnknownTypesAsString(true) to read it as a string");
        buildsWithoutSideEffects(db, in(mode, read(db, table), slot)
            .withUnknownTypesAsString(true));
      }
    } finally {
      db.dropQuietly(table);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Hostile identifiers

  /**
   * Tables and columns named with both quote characters, single quotes, spaces, unicode and SQL
   * fragments aimed at a victim table: read exactly in every mode (CDC on both databases), and the
   * victim survives.
   */
  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void hostileIdentifiersAreReadExactlyAndHarmlessly(TestDatabase db, TestPipeline pipeline)
      throws Exception {
    String id = shortId();
    String victim = "bad_input_v" + id;
    String q = db.isPostgres() ? "\"" : "`";
    String other = db.isPostgres() ? "`" : "\"";
    String table = "bad_input_" + id + " " + q + "; DROP TABLE " + victim + "; -- '" + other;
    String unicodeTable = "bad_input_" + id + " Bestellungen ü 注文";
    String key = "Bestell " + q + "Nr" + q + " ü";
    String value = "o'k" + other + " 注文; DROP TABLE " + victim + " --";
    String tracking = q + "upd" + q + " ated'; --";
    String code = "k" + q + q + "ey" + other + " '";
    for (String name : List.of(table, unicodeTable, key, value, tracking, code)) {
      assertThat(name.getBytes(StandardCharsets.UTF_8).length).as(name).isLessThanOrEqualTo(63);
    }
    String slot = "bad_input_s" + id;
    String publication = "bad_input_p" + id;
    // a publication name pgoutput would not accept unquoted is refused at once (it failed only
    // once the slot and publication had been created)
    for (String bad : List.of(publication + "\"; DROP TABLE " + victim + "; --", "Pub_" + id)) {
      assertThatThrownBy(() -> CdcOptions.create().withPublicationName(bad))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("CdcOptions.withPublicationName(\"" + bad + "\"): a publication name here"
              + " has 1 to 63 lower-case letters, digits and underscores (the log reader passes"
              + " it to pgoutput unquoted)");
    }
    db.execute("CREATE TABLE " + victim + " (id INT PRIMARY KEY)",
        "INSERT INTO " + victim + " VALUES (1)");
    List<String> expected = new ArrayList<>();
    try {
      for (String name : List.of(table, unicodeTable)) {
        db.execute("CREATE TABLE " + quote(db, name) + " (" + quote(db, key) + " INT PRIMARY KEY, "
            + quote(db, value) + " VARCHAR(60), " + quote(db, tracking) + " "
            + IncrementalReadIT.timestampType(db) + " NOT NULL, " + quote(db, code)
            + " VARCHAR(20) NOT NULL UNIQUE)");
        if (db.isPostgres()) {
          db.execute("ALTER TABLE " + quote(db, name) + " REPLICA IDENTITY FULL");
        }
      }
      List<Object[]> rows = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        String v = "v" + i + "'; DROP TABLE " + victim + "; --";
        LocalDateTime time = LocalDateTime.of(2026, 1, 1, 0, 0, i);
        rows.add(new Object[] {i, v, db.isPostgres() ? time.atOffset(ZoneOffset.UTC) : time,
            "c" + (char) ('a' + i)});
        expected.add(i + ":" + v);
      }
      String columns = String.join(", ", quote(db, key), quote(db, value), quote(db, tracking),
          quote(db, code));
      for (String name : List.of(table, unicodeTable)) {
        db.insert(quote(db, name), columns, rows);
      }

      // snapshot: by integer key ranges and by the string split column, in several chunks
      for (String name : List.of(table, unicodeTable)) {
        HeliosDbIO.Read snapshot = read(db, quote(db, name))
            .withSnapshot(SnapshotOptions.byPrimaryKey().withChunkSize(3)).withParallelism(3);
        PAssert.that(SnapshotReadIT.render(pipeline.apply("key " + name, snapshot), key, value))
            .containsInAnyOrder(expected);
        PAssert.that(SnapshotReadIT.render(
                pipeline.apply("split " + name, snapshot.withSplitColumn(code)), key, value))
            .containsInAnyOrder(expected);
      }
      pipeline.run().waitUntilFinish();

      // incremental, CDC and snapshot then CDC: unbounded, checked while running
      for (String name : List.of(table, unicodeTable)) {
        StreamCollector polled = new StreamCollector();
        TestPipeline incremental = CdcReadIT.newPipeline();
        polled.collectRows(incremental.apply(read(db, quote(db, name)).withIncremental(
            IncrementalOptions.trackingColumn(tracking)
                .withPollInterval(Duration.standardSeconds(1))
                .withCommitDelay(Duration.ZERO))), key, value);
        assertStreams(incremental, polled, expected);
      }
      List<String> changes = new ArrayList<>();
      for (int i = 100; i < 103; i++) {
        changes.add("c:" + i + ":-:w" + i + "'; DROP TABLE " + victim + "; --");
      }
      changes.add("u:100:w100'; DROP TABLE " + victim + "; --:x");
      changes.add("d:101:w101'; DROP TABLE " + victim + "; --:-");
      for (String name : List.of(table, unicodeTable)) {
        HeliosDbIO.Read cdc = read(db, quote(db, name)).withCdc(CdcOptions.create()
            .withSlotName(slot).withPublicationName(publication)
            .withHeartbeatInterval(Duration.standardSeconds(1)));
        if (!db.isPostgres()) {
          try (Connection connection = db.connect()) {
            cdc = cdc.withCdc(CdcOptions.create().withSlotName(slot).withStartPosition(
                CdcReadIT.dialect(db).currentLogPosition(connection)));
          }
        }
        StreamCollector streamed = new StreamCollector();
        TestPipeline stream = CdcReadIT.newPipeline();
        streamed.collect(stream.apply(cdc), change -> renderChange(change, key, value));
        PipelineResult result = CdcReadIT.start(stream);
        try {
          CdcReadIT.awaitWhileRunning(result, () -> slotReady(db, slot));
          writeChanges(db, quote(db, name), key, value, tracking, code, victim);
          CdcReadIT.awaitWhileRunning(result, () -> streamed.values().size() >= changes.size());
          Thread.sleep(1_000);
          assertThat(streamed.values()).as(name).containsExactlyElementsOf(changes);
          if (db.isPostgres()) { // the publication given
            assertThat(strings(db, "SELECT pubname FROM pg_publication_tables WHERE tablename = ?",
                name)).containsExactly(publication);
          }
        } finally {
          result.cancel();
          dropSlotAndPublication(db, slot, publication);
        }
        db.execute("DELETE FROM " + quote(db, name) + " WHERE " + quote(db, key) + " >= 100");

        StreamCollector handoff = new StreamCollector();
        TestPipeline both = CdcReadIT.newPipeline();
        handoff.collect(both.apply(read(db, quote(db, name))
                .withSnapshot(SnapshotOptions.byPrimaryKey().withChunkSize(7))
                .withCdc(CdcOptions.create().withSlotName(slot)
                    .withHeartbeatInterval(Duration.standardSeconds(1)))),
            change -> renderChange(change, key, value));
        List<String> wanted = new ArrayList<>();
        expected.forEach(row -> wanted.add("r:" + row.replaceFirst(":", ":-:")));
        PipelineResult bothResult = CdcReadIT.start(both);
        try {
          CdcReadIT.awaitWhileRunning(bothResult, () -> handoff.values().size() >= 20);
          writeChanges(db, quote(db, name), key, value, tracking, code, victim);
          wanted.addAll(changes);
          CdcReadIT.awaitWhileRunning(bothResult, () -> handoff.values().size() >= wanted.size());
          Thread.sleep(1_000);
          assertThat(handoff.values()).as(name).containsExactlyInAnyOrderElementsOf(wanted);
        } finally {
          bothResult.cancel();
          CdcReadIT.dropSlot(db, slot);
        }
      }
      assertThat(strings(db, "SELECT COUNT(*) FROM " + victim)).containsExactly("1");
    } finally {
      for (String name : List.of(table, unicodeTable)) {
        db.execute("DROP TABLE IF EXISTS " + quote(db, name));
      }
      dropSlotAndPublication(db, slot, publication);
      db.dropQuietly(victim);
    }
  }

  /** Drops the slot and the publication of these names, if they exist (PostgreSQL). */
  private static void dropSlotAndPublication(TestDatabase db, String slot, String publication)
      throws SQLException {
    if (db.isPostgres()) {
      db.dropSlotAndPublication(slot);
      db.execute("DROP PUBLICATION IF EXISTS " + quote(db, publication));
    }
  }

  /** Whether the CDC stream has prepared its slot (PostgreSQL); MariaDB starts at a position. */
  private static boolean slotReady(TestDatabase db, String slot) throws SQLException {
    return !db.isPostgres()
        || !strings(db, "SELECT slot_name FROM pg_replication_slots WHERE slot_name = ?"
            + " AND active", slot).isEmpty();
  }

  /** Inserts keys 100..102, updates 100 and deletes 101, with values aimed at the victim. */
  private static void writeChanges(TestDatabase db, String table, String key, String value,
      String tracking, String code, String victim) throws SQLException {
    List<Object[]> rows = new ArrayList<>();
    for (int i = 100; i < 103; i++) {
      LocalDateTime time = LocalDateTime.of(2026, 1, 2, 0, 0, i - 100);
      rows.add(new Object[] {i, "w" + i + "'; DROP TABLE " + victim + "; --",
          db.isPostgres() ? time.atOffset(ZoneOffset.UTC) : time, "n" + i});
    }
    db.insert(table, String.join(", ", quote(db, key), quote(db, value), quote(db, tracking),
        quote(db, code)), rows);
    db.execute("UPDATE " + table + " SET " + quote(db, value) + " = 'x' WHERE " + quote(db, key)
        + " = 100", "DELETE FROM " + table + " WHERE " + quote(db, key) + " = 101");
  }

  /** {@code op:key:before value:after value} of a change envelope with hostile column names. */
  static String renderChange(Row change, String key, String value) {
    Row before = change.getRow("before");
    Row after = change.getRow("after");
    Row row = after != null ? after : before;
    return change.getString("op") + ":" + row.getValue(key) + ":"
        + (before == null ? "-" : before.getString(value)) + ":"
        + (after == null ? "-" : after.getString(value));
  }

  /** Starts {@code pipeline} and checks that exactly {@code expected} arrives. */
  private static void assertStreams(TestPipeline pipeline, StreamCollector collector,
      List<String> expected) throws Exception {
    PipelineResult result = CdcReadIT.start(pipeline);
    try {
      CdcReadIT.awaitWhileRunning(result, () -> collector.values().size() >= expected.size());
      Thread.sleep(2_000); // a few more polls: nothing more may arrive
      assertThat(collector.values()).containsExactlyInAnyOrderElementsOf(expected);
    } finally {
      result.cancel();
    }
  }

  /**
   * Table and column names that are themselves injection attempts, and name nothing: a clear
   * error in every mode, and nothing dropped.
   */
  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void injectionAttemptsAsNamesFailAsNotFoundAndDropNothing(TestDatabase db) throws Exception {
    String id = shortId();
    String victim = "bad_input_v" + id;
    String q = db.isPostgres() ? "\"" : "`";
    String slot = "bad_input_s" + id;
    String table = createTable(db, "bad_input_inj", true, "");
    db.execute("CREATE TABLE " + victim + " (id INT PRIMARY KEY)",
        "INSERT INTO " + victim + " VALUES (1)");
    try {
      String unbalanced = "x" + q + "; DROP TABLE " + victim + "; --";
      String quoted = q + "x" + q + q + "; DROP TABLE " + victim + "; --" + q;
      String statement = victim + "; DROP TABLE " + victim;
      for (Mode mode : Mode.values()) {
        failsAtConstruction(db, in(mode, read(db, unbalanced), slot),
                IllegalArgumentException.class)
            .hasMessage("withTable(\"" + unbalanced + "\"): unbalanced quote " + q + "; quote a"
                + " name part whole, doubling any " + q + " inside it, as in " + q + "My " + q + q
                + "Odd" + q + q + " Table" + q);
        failsAtConstruction(db, in(mode, read(db, quoted), slot), IllegalArgumentException.class)
            .hasMessageContaining("x" + q + "; DROP TABLE " + victim + "; -- does not exist");
        failsAtConstruction(db, in(mode, read(db, statement), slot),
                IllegalArgumentException.class)
            .hasMessageContaining((db.isPostgres() ? statement.toLowerCase() : statement)
                + " does not exist"); // PostgreSQL folds the unquoted name
      }
      for (String column : List.of("id; DROP TABLE " + victim, "id" + q + "; DROP TABLE "
          + victim + "; --")) {
        failsAtConstruction(db, read(db, table).withSplitColumn(column),
                IllegalArgumentException.class)
            .hasMessageContaining("withSplitColumn(\"" + column + "\"): table ")
            .hasMessageContaining("has no such column");
        failsAtConstruction(db, read(db, table).withIncremental(
                IncrementalOptions.trackingColumn(column)), IllegalArgumentException.class)
            .hasMessageContaining("IncrementalOptions.trackingColumn(\"" + column + "\"): table ")
            .hasMessageContaining("has no such column");
      }
      assertThat(strings(db, "SELECT COUNT(*) FROM " + victim)).containsExactly("1");
    } finally {
      db.dropQuietly(table);
      db.dropQuietly(victim);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Start positions

  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void malformedForeignAndUnknownStartPositionsFailAtConstruction(TestDatabase db)
      throws Exception {
    String table = createTable(db, "bad_input_pos", true, "");
    String slot = TestDatabase.uniqueName("bad_input_s");
    String expectedForm = db.isPostgres()
        ? "expected a PostgreSQL LSN such as 0/16B3748, or a position of the output such as"
            + " 0/16B3748@0/16B3700:INSERT"
        : "expected a binlog position such as mysql-bin.000003:4711, a MariaDB GTID list such as"
            + " 0-1-17217, or a position of the output";
    List<String> malformed = new ArrayList<>(List.of("not-a-position", "2489311")); // and SCN
    malformed.addAll(db.isPostgres()
        ? List.of("mariadb-bin.000001:4", "0-1-17217",
            "mariadb-bin.000001:4;gtids=0-1-5;event=2;row=1") // MariaDB's
        : List.of("0/16B3748", "16/B374D848", "0/16B3748@0/16B3700:INSERT")); // PostgreSQL's
    try {
      for (String position : malformed) {
        failsAtConstruction(db, read(db, table).withCdc(CdcOptions.create().withSlotName(slot)
                .withStartPosition(position)), IllegalArgumentException.class)
            .hasMessage("CdcOptions.withStartPosition(\"" + position + "\"): " + expectedForm);
      }
      String current;
      try (Connection connection = db.connect()) {
        current = CdcReadIT.dialect(db).currentLogPosition(connection);
      }
      if (!db.isPostgres()) {
        // well formed, but not in this server's binlog: a file never written (as one purged is),
        // and an offset inside the current file that is no event's start
        String file = current.substring(0, current.lastIndexOf('.'));
        for (String position : List.of(file + ".999999:4", "other-bin.000001:4",
            current.substring(0, current.indexOf(':')) + ":5")) {
          failsAtConstruction(db, read(db, table).withCdc(CdcOptions.create()
                  .withSlotName(slot).withStartPosition(position)),
                  IllegalArgumentException.class)
              .hasMessage("CdcOptions.withStartPosition(\"" + position + "\"): the server has no"
                  + " such binlog position (purged, or never written). Give a position of this"
                  + " server's binlog (SHOW BINARY LOGS lists its files), or leave"
                  + " withStartPosition out to start at the log's end");
        }
      }
      // the control: the log's current position is accepted
      buildsWithoutSideEffects(db, read(db, table).withCdc(
          CdcOptions.create().withSlotName(slot).withStartPosition(current)));
      failsAtConstruction(db, in(Mode.SNAPSHOT_THEN_CDC, read(db, table), slot).withCdc(
              CdcOptions.create().withSlotName(slot).withStartPosition(current)),
              IllegalArgumentException.class)
          .hasMessageContaining("CdcOptions.withStartPosition(...) cannot follow a snapshot")
          .hasMessageContaining("drop one of them");
    } finally {
      db.dropQuietly(table);
    }
  }

  /** Incremental mode's start value: malformed, or of another type than the tracking column. */
  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void malformedAndForeignIncrementalStartValuesFailAtConstruction(TestDatabase db)
      throws Exception {
    String table = createTable(db, "bad_input_start_from", true, ", seq BIGINT NOT NULL");
    String type = db.isPostgres() ? "timestamptz" : "datetime(6)";
    String expected = db.isPostgres()
        ? "an ISO-8601 instant such as 2026-11-24T10:00:00Z"
        : "a local date-time such as 2026-11-24T10:00:00";
    try {
      for (String start : List.of("yesterday", "12345", "0/16B3748",
          db.isPostgres() ? "2026-11-24T10:00:00" : "2026-11-24T10:00:00Z")) {
        failsAtConstruction(db, read(db, table).withIncremental(
                IncrementalOptions.trackingColumn("updated_at").withStartFrom(start)),
                IllegalArgumentException.class)
            .hasMessage("IncrementalOptions.withStartFrom(\"" + start + "\"): not a value of"
                + " tracking column updated_at (" + type + "); expected " + expected);
      }
      for (String start : List.of("2026-11-24T10:00:00Z", "1.5", "99999999999999999999")) {
        failsAtConstruction(db, read(db, table).withIncremental(
                IncrementalOptions.trackingColumn("seq").withStartFrom(start)),
                IllegalArgumentException.class)
            .hasMessageStartingWith("IncrementalOptions.withStartFrom(\"" + start + "\"): not a"
                + " value of tracking column seq (")
            .hasMessageEndingWith("); expected a number");
      }
      buildsWithoutSideEffects(db, read(db, table).withIncremental(
          IncrementalOptions.trackingColumn("seq").withStartFrom(42)));
    } finally {
      db.dropQuietly(table);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Credentials and databases

  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void wrongCredentialsFailAtOnceNamingUserAndDatabaseNeverThePassword(TestDatabase db)
      throws Exception {
    String id = shortId();
    String table = createTable(db, "bad_input_cred", true, "");
    String user = "bad_input_u" + id;
    String password = "Wr0ng-Secret-" + id;
    String database = database(db);
    String slot = "bad_input_s" + id;
    List<ConnectionConfiguration> configs = new ArrayList<>();
    String base = db.url();
    // a user that does not exist, with the password given three ways
    configs.add(ConnectionConfiguration.create(base).withUsername(user).withPassword(password));
    configs.add(ConnectionConfiguration.create(
        base + (base.contains("?") ? "&" : "?") + "password=" + password).withUsername(user));
    configs.add(ConnectionConfiguration.create(base.replaceFirst("^jdbc:(\\w+)://",
        "$1://" + user + ":" + password + "@")));
    if (!db.isPostgres()) {
      // a user that exists, with a wrong password (PostgreSQL trusts 127.0.0.1 here, so it
      // accepts any password: only a user or database that does not exist fails there)
      db.execute("CREATE USER '" + user + "'@'%' IDENTIFIED BY 'Right-" + id + "'",
          "GRANT SELECT ON " + database + ".* TO '" + user + "'@'%'");
    }
    try {
      for (ConnectionConfiguration config : configs) {
        for (Mode mode : Mode.values()) {
          long start = System.currentTimeMillis();
          Throwable error = catchThrowable(() -> Pipeline.create().apply(
              in(mode, HeliosDbIO.read().withConnection(config).withTable(table), slot)));
          assertThat(System.currentTimeMillis() - start).as("at once, not after the pool's"
              + " 30 s connect timeout").isLessThan(10_000);
          assertThat(error).isInstanceOf(HeliosDbException.class)
              .hasMessageStartingWith("Cannot connect to " + db.url())
              .hasMessageContaining(" as user " + user + ": ")
              .hasMessageContaining(db.isPostgres() ? "role \"" + user + "\" does not exist"
                  : "Access denied for user '" + user + "'")
              .hasMessageEndingWith("Check withConnection(...): the URL's host, port and"
                  + " database, the user name and the password");
          assertThat(error.getMessage()).contains("/" + database);
          assertNoSecret(error, password);
        }
      }
      // a database that does not exist
      String missing = "bad_input_nodb_" + id;
      ConnectionConfiguration noDatabase =
          ConnectionConfiguration.create(base.substring(0, base.lastIndexOf('/') + 1) + missing)
              .withUsername(db.user()).withPassword(db.password());
      Throwable error = catchThrowable(() -> Pipeline.create().apply(
          HeliosDbIO.read().withConnection(noDatabase).withTable(table)));
      assertThat(error).isInstanceOf(HeliosDbException.class)
          .hasMessageContaining("/" + missing + " as user " + db.user() + ": ")
          .hasMessageContaining(db.isPostgres() ? "database \"" + missing + "\" does not exist"
              : "Unknown database '" + missing + "'")
          .hasMessageContaining("Check withConnection(...)");
    } finally {
      if (!db.isPostgres()) {
        db.execute("DROP USER IF EXISTS '" + user + "'@'%'");
      }
      db.dropQuietly(table);
    }
  }

  /**
   * Credentials that stop working between construction and start (MariaDB: the password is
   * changed) fail the start without showing the old or the new password.
   */
  @Test
  void credentialsThatStopWorkingFailTheStartWithoutShowingThePassword(
      @Use(DatabaseKind.MYSQL) TestDatabase db) throws Exception {
    String id = shortId();
    String table = createTable(db, "bad_input_cred_start", true, "");
    String user = "bad_input_u" + id;
    String password = "Old-Secret-" + id;
    String changed = "New-Secret-" + id;
    db.execute("INSERT INTO " + table + " VALUES (1, 'a', NOW(6))",
        "CREATE USER '" + user + "'@'%' IDENTIFIED BY '" + password + "'",
        "GRANT SELECT ON " + database(db) + ".* TO '" + user + "'@'%'");
    try {
      ConnectionConfiguration config = ConnectionConfiguration.create(db.url())
          .withUsername(user).withPassword(password)
          .withConnectTimeout(org.joda.time.Duration.standardSeconds(1));
      TestPipeline pipeline = CdcReadIT.newPipeline();
      StreamCollector rows = new StreamCollector();
      rows.collectRows(pipeline.apply(HeliosDbIO.read().withConnection(config).withTable(table)
          .withIncremental(IncrementalOptions.trackingColumn("updated_at"))), "id");
      db.execute("ALTER USER '" + user + "'@'%' IDENTIFIED BY '" + changed + "'");
      Throwable failure = failsAtStart(pipeline);
      assertThat(rows.values()).isEmpty();
      assertThat(causeOf(failure, HeliosDbException.class).getMessage())
          .contains(db.url() + " as " + user);
      assertThat(failure).hasStackTraceContaining("Access denied for user '" + user + "'");
      assertNoSecret(failure, password);
      assertNoSecret(failure, changed);
    } finally {
      db.execute("DROP USER IF EXISTS '" + user + "'@'%'");
      db.dropQuietly(table);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // The log's setup: wal_level, binary log

  /**
   * The servers here run with the settings CDC needs, and other tests run against them, so they
   * are not reconfigured: the checks are run with each bad value directly, and the pipeline is
   * built against the real server, whose outcome must agree with its actual settings. Not covered
   * here: building a pipeline against a server whose wal_level is below logical or whose binary
   * log is off or not in ROW format with FULL images. That needs a restart (log_bin, wal_level)
   * or a global change (binlog_format, binlog_row_image) of the shared servers; against a server
   * set up so, the second half of this test takes that branch and checks the same messages.
   */
  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void walLevelAndBinlogChecksNameTheSettingAndTheFix(TestDatabase db) throws Exception {
    if (db.isPostgres()) {
      for (String level : List.of("replica", "minimal")) {
        assertThatThrownBy(() -> PostgresDialect.requireLogicalWal(level))
            .isInstanceOf(IllegalStateException.class)
            .hasMessage("CDC on PostgreSQL needs wal_level = logical, but the server runs with"
                + " wal_level = " + level + ". Run ALTER SYSTEM SET wal_level = logical (or set"
                + " it in postgresql.conf) and restart the server");
      }
      PostgresDialect.requireLogicalWal("logical");
    } else {
      for (String off : List.of("OFF", "0")) {
        assertThatThrownBy(() -> MySqlDialect.requireRowBinlog(off, "ROW", "FULL"))
            .isInstanceOf(IllegalStateException.class)
            .hasMessage("CDC on MySQL/MariaDB needs the binary log, which is off (log_bin = "
                + off + "). Start the server with log_bin (log-bin = mysql-bin in my.cnf),"
                + " binlog_format = ROW and binlog_row_image = FULL");
      }
      for (String format : List.of("STATEMENT", "MIXED")) {
        assertThatThrownBy(() -> MySqlDialect.requireRowBinlog("ON", format, "FULL"))
            .isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("needs binlog_format = ROW, but the server runs with"
                + " binlog_format = " + format + ". Run SET GLOBAL binlog_format = 'ROW'");
      }
      for (String image : List.of("MINIMAL", "NOBLOB")) {
        assertThatThrownBy(() -> MySqlDialect.requireRowBinlog("1", "ROW", image))
            .isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("needs binlog_row_image = FULL for complete before and after"
                + " images, but the server runs with binlog_row_image = " + image);
      }
      MySqlDialect.requireRowBinlog("ON", "row", "full");
      MySqlDialect.requireRowBinlog("1", "ROW", "FULL");
    }

    // the real server, in both CDC modes: the outcome agrees with its actual settings
    List<String> settings = db.isPostgres()
        ? strings(db, "SELECT current_setting('wal_level')")
        : strings(db, "SELECT CONCAT_WS(' ', @@GLOBAL.log_bin, @@GLOBAL.binlog_format,"
            + " @@GLOBAL.binlog_row_image)");
    Throwable expected = catchThrowable(() -> {
      if (db.isPostgres()) {
        PostgresDialect.requireLogicalWal(settings.get(0));
      } else {
        String[] values = settings.get(0).split(" ");
        MySqlDialect.requireRowBinlog(values[0], values[1], values[2]);
      }
    });
    String table = createTable(db, "bad_input_log", true, "");
    String slot = TestDatabase.uniqueName("bad_input_s");
    try {
      for (Mode mode : List.of(Mode.CDC, Mode.SNAPSHOT_THEN_CDC)) {
        if (expected == null) {
          buildsWithoutSideEffects(db, in(mode, read(db, table), slot));
        } else {
          failsAtConstruction(db, in(mode, read(db, table), slot), IllegalStateException.class)
              .hasMessage(expected.getMessage());
        }
      }
      if (!db.isPostgres()) {
        // a session's own binlog_format does not fool the check: it reads the server's settings,
        // which every writer's session starts with
        try (Connection connection = db.connect();
            Statement statement = connection.createStatement()) {
          statement.execute("SET SESSION binlog_format = 'STATEMENT'");
          Throwable session =
              catchThrowable(() -> CdcReadIT.dialect(db).checkChangeCaptureSetup(connection));
          assertThat(String.valueOf(session)).isEqualTo(String.valueOf(expected));
        }
      }
    } finally {
      db.dropQuietly(table);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Failed CDC starts leave no slot and no publication (PostgreSQL)

  /**
   * A slot CDC cannot use (another plugin, another database) fails the construction, or the start
   * if it appears in between, before the publication is created.
   */
  @Test
  void anUnusableSlotFailsBeforeAnythingIsCreated(@Use(DatabaseKind.POSTGRES) TestDatabase db)
      throws Exception {
    String table = createTable(db, "bad_input_slot", true, "");
    String slot = TestDatabase.uniqueName("bad_input_s");
    try {
      db.execute("SELECT pg_create_logical_replication_slot('" + slot + "', 'test_decoding')");
      for (Mode mode : List.of(Mode.CDC, Mode.SNAPSHOT_THEN_CDC)) {
        failsAtConstruction(db, in(mode, read(db, table), slot), IllegalStateException.class)
            .hasMessage("Replication slot " + slot + " decodes with test_decoding; CDC needs a"
                + " pgoutput slot: name another slot with CdcOptions.withSlotName");
      }
      db.dropSlotAndPublication(slot);

      // the slot appears between construction and start
      for (Mode mode : List.of(Mode.CDC, Mode.SNAPSHOT_THEN_CDC)) {
        TestPipeline pipeline = CdcReadIT.newPipeline();
        StreamCollector out = new StreamCollector();
        out.collect(pipeline.apply(in(mode, read(db, table), slot)), Row::toString);
        db.execute("SELECT pg_create_logical_replication_slot('" + slot + "', 'test_decoding')");
        Throwable failure = failsAtStart(pipeline);
        assertThat(causeOf(failure, IllegalStateException.class))
            .hasMessageContaining("Replication slot " + slot + " decodes with test_decoding");
        assertThat(out.values()).isEmpty();
        assertThat(slotAndPublication(db, slot)).containsExactly(
            "slot " + slot + " test_decoding"); // only the test's own slot, no publication
        db.dropSlotAndPublication(slot);
      }

      // a pgoutput slot of that name in another database of the server
      String other = db.url().substring(0, db.url().lastIndexOf('/') + 1) + "postgres";
      try (Connection connection = DriverManager.getConnection(other, db.user(), db.password());
          Statement statement = connection.createStatement()) {
        statement.execute("SELECT pg_create_logical_replication_slot('" + slot + "', 'pgoutput')");
        try {
          failsAtConstruction(db, in(Mode.CDC, read(db, table), slot),
                  IllegalStateException.class)
              .hasMessage("Replication slot " + slot + " belongs to database postgres, not "
                  + database(db) + ": name another slot with CdcOptions.withSlotName");
        } finally {
          statement.execute("SELECT pg_drop_replication_slot('" + slot + "')");
        }
      }
    } finally {
      db.dropSlotAndPublication(slot);
      db.dropQuietly(table);
    }
  }

  /**
   * A role that may replicate but not create the table's publication, and a table dropped after
   * construction: the start fails, before any row, and leaves no slot and no publication.
   */
  @Test
  void aFailedStartLeavesNoSlotAndNoPublication(@Use(DatabaseKind.POSTGRES) TestDatabase db)
      throws Exception {
    String id = shortId();
    String table = createTable(db, "bad_input_start", true, "");
    String role = "bad_input_r" + id;
    db.execute("INSERT INTO " + table + " VALUES (1, 'a', now()), (2, 'b', now())",
        "CREATE ROLE " + role + " LOGIN REPLICATION",
        "GRANT SELECT ON " + table + " TO " + role);
    try {
      for (Mode mode : List.of(Mode.CDC, Mode.SNAPSHOT_THEN_CDC)) {
        String slot = TestDatabase.uniqueName("bad_input_s");
        TestPipeline pipeline = CdcReadIT.newPipeline();
        StreamCollector out = new StreamCollector();
        out.collect(pipeline.apply(in(mode, HeliosDbIO.read().withConnection(
            ConnectionConfiguration.create(db.url()).withUsername(role)).withTable(table), slot)),
            Row::toString);
        Throwable failure = failsAtStart(pipeline);
        assertThat(causeOf(failure, IllegalStateException.class))
            .hasMessageStartingWith("CDC of table public." + table + " needs publication " + slot
                + " to include the table, but user " + role + " may not run CREATE PUBLICATION \""
                + slot + "\" FOR TABLE \"public\".\"" + table + "\" (")
            .hasMessageContaining("permission denied")
            .hasMessageEndingWith("Have the table's owner run it before the pipeline starts, or"
                + " name a publication that includes the table with"
                + " CdcOptions.withPublicationName");
        assertThat(out.values()).as(mode + ": rows emitted").isEmpty();
        assertThat(slotAndPublication(db, slot)).as(mode + ": left behind").isEmpty();
      }

      // the table is dropped between construction and start
      String dropped = createTable(db, "bad_input_gone", true, "");
      for (Mode mode : List.of(Mode.CDC, Mode.SNAPSHOT_THEN_CDC)) {
        db.execute("CREATE TABLE IF NOT EXISTS " + dropped + " (id BIGINT PRIMARY KEY,"
            + " v VARCHAR(40), updated_at TIMESTAMPTZ NOT NULL)");
        String slot = TestDatabase.uniqueName("bad_input_s");
        TestPipeline pipeline = CdcReadIT.newPipeline();
        pipeline.apply(in(mode, read(db, dropped), slot));
        db.execute("DROP TABLE " + dropped);
        Throwable failure = failsAtStart(pipeline);
        assertThat(failure).hasStackTraceContaining(dropped)
            .hasStackTraceContaining("does not exist");
        assertThat(slotAndPublication(db, slot)).as(mode + ": left behind").isEmpty();
      }
    } finally {
      db.execute("DROP OWNED BY " + role, "DROP ROLE " + role);
      db.dropQuietly(table);
    }
  }
}
