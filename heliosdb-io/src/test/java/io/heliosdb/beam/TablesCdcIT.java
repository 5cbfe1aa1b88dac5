package io.heliosdb.beam;

import static io.heliosdb.beam.CdcReadIT.awaitWhileRunning;
import static io.heliosdb.beam.CdcReadIT.newPipeline;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.heliosdb.beam.cdc.PositionOrder;
import io.heliosdb.beam.cdc.ReadChangesDoFn;
import io.heliosdb.beam.testing.StreamCollector;
import io.heliosdb.beam.testing.TestDatabase;
import io.heliosdb.beam.testing.TestDatabases;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.runners.TransformHierarchy;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollectionRowTuple;
import org.apache.beam.sdk.values.Row;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ArgumentsSource;

/**
 * CDC of a set of tables through one log reader, on real PostgreSQL and MariaDB: each table's
 * changes on its own output, all in log order, one slot (server id), and the set changed by
 * restarting from the slot (position).
 */
class TablesCdcIT {
  private static final Duration WAIT = Duration.ofSeconds(60);

  /** Three tables of different shapes named {@code prefix_a}, {@code _b}, {@code _c}. */
  private static List<String> createTables(TestDatabase db, String prefix) throws Exception {
    db.execute(
        "CREATE TABLE " + prefix + "_a (id BIGINT PRIMARY KEY, v VARCHAR(20) NOT NULL)",
        "CREATE TABLE " + prefix + "_b (id BIGINT PRIMARY KEY, amount DECIMAL(10,2),"
            + " v VARCHAR(20))",
        "CREATE TABLE " + prefix + "_c (k1 INT NOT NULL, k2 VARCHAR(10) NOT NULL,"
            + " v VARCHAR(20), PRIMARY KEY (k1, k2))");
    if (db.isPostgres()) { // whole before images of deletes
      db.execute("ALTER TABLE " + prefix + "_b REPLICA IDENTITY FULL");
    }
    return List.of(prefix + "_a", prefix + "_b", prefix + "_c");
  }

  /** The namespace the test database gives unqualified tables. */
  private static String namespace(TestDatabase db) throws Exception {
    try (Connection connection = db.connect()) {
      return db.isPostgres() ? "public" : connection.getCatalog();
    }
  }

  /**
   * The options of a capture: its own slot (PostgreSQL, created by the read with its
   * publication), or the binlog's current position (MariaDB).
   */
  private static CdcOptions options(TestDatabase db, String slot) throws Exception {
    CdcOptions options = CdcOptions.create().withSlotName(slot)
        .withHeartbeatInterval(org.joda.time.Duration.standardSeconds(1));
    if (db.isPostgres()) {
      return options;
    }
    try (Connection connection = db.connect()) {
      return options.withStartPosition(CdcReadIT.dialect(db).currentLogPosition(connection));
    }
  }

  /** {@code table|op|key|v@position} of a change. */
  private static String render(Row change) {
    Row image = change.getRow("after") != null ? change.getRow("after") : change.getRow("before");
    String key = image.getSchema().hasField("id")
        ? String.valueOf((Object) image.getValue("id"))
        : (Object) image.getValue("k1") + "/" + image.getString("k2");
    return change.getRow("source").getString("table") + "|" + change.getString("op") + "|" + key
        + "|" + image.getString("v") + "@" + change.getString("position");
  }

  /** A capture of a set of tables running on the Direct runner, collected per table. */
  private static final class Capture implements AutoCloseable {
    final Map<String, StreamCollector> byTable = new java.util.TreeMap<>();
    final PipelineResult result;

    Capture(TestDatabase db, TestPipeline pipeline, ReadTables read, String slot)
        throws Exception {
      this(db, pipeline, read, slot, () -> { });
    }

    /** @param beforeStart runs after the pipeline is built, before it runs */
    Capture(TestDatabase db, TestPipeline pipeline, ReadTables read, String slot,
        org.junit.jupiter.api.function.Executable beforeStart) throws Exception {
      PCollectionRowTuple tables = pipeline.apply(read);
      tables.getAll().forEach((name, changes) -> {
        StreamCollector collector = new StreamCollector();
        collector.collect(changes, TablesCdcIT::render);
        byTable.put(name, collector);
      });
      assertThat(logReadersOf(pipeline)).as("one log reader for the set").isEqualTo(1);
      try {
        beforeStart.execute();
      } catch (Throwable e) {
        throw new IllegalStateException(e);
      }
      result = CdcReadIT.start(pipeline);
      if (db.isPostgres()) { // changes from here on are in the slot
        await().atMost(WAIT).until(() -> {
          result.waitUntilFinish(org.joda.time.Duration.millis(1));
          return count(db, "SELECT COUNT(*) FROM pg_replication_slots WHERE slot_name = '"
              + slot + "' AND active") == 1;
        });
      }
    }

    /** Every change collected, of all tables, in log order (by position). */
    List<String> inLogOrder() {
      List<String> all = new ArrayList<>();
      byTable.values().forEach(c -> all.addAll(c.values()));
      all.sort(Comparator.comparing(s -> s.substring(s.indexOf('@') + 1), PositionOrder.INSTANCE));
      return all.stream().map(s -> s.substring(0, s.indexOf('@'))).toList();
    }

    /** The changes of one output, without positions. */
    List<String> of(String table) {
      return byTable.get(table).values().stream().map(s -> s.substring(0, s.indexOf('@')))
          .toList();
    }

    void awaitChanges(int count) {
      awaitWhileRunning(result, () -> byTable.values().stream()
          .mapToInt(c -> c.values().size()).sum() >= count);
    }

    /** The position of the last change in log order. */
    String lastPosition() {
      List<String> all = new ArrayList<>();
      byTable.values().forEach(c -> all.addAll(c.values()));
      String last = all.stream().map(s -> s.substring(s.indexOf('@') + 1))
          .max(PositionOrder.INSTANCE).orElseThrow();
      return last;
    }

    /**
     * PostgreSQL: waits until the slot acknowledged the last change (once its bundle committed),
     * so that a restart from the slot starts after it.
     */
    void awaitAcknowledged(TestDatabase db, String slot) {
      if (!db.isPostgres()) {
        return;
      }
      String lsn = lastPosition().split("@")[0];
      await().atMost(WAIT).until(() -> count(db, "SELECT COUNT(*) FROM pg_replication_slots"
          + " WHERE slot_name = '" + slot + "' AND confirmed_flush_lsn >= '" + lsn + "'") == 1);
    }

    @Override
    public void close() {
      try {
        result.cancel();
      } catch (java.io.IOException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  /** The instances of the CDC reader in a pipeline's graph. */
  private static int logReadersOf(Pipeline pipeline) {
    int[] readers = {0};
    pipeline.traverseTopologically(new Pipeline.PipelineVisitor.Defaults() {
      @Override
      public void visitPrimitiveTransform(TransformHierarchy.Node node) {
        if (node.getTransform() instanceof ParDo.MultiOutput<?, ?> parDo
            && parDo.getFn() instanceof ReadChangesDoFn) {
          readers[0]++;
        }
      }
    });
    return readers[0];
  }

  private static long count(TestDatabase db, String sql) throws Exception {
    try (Connection connection = db.connect();
        java.sql.ResultSet rs = connection.createStatement().executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /** The tables a PostgreSQL publication publishes. */
  private static List<String> published(TestDatabase db, String publication) throws Exception {
    List<String> tables = new ArrayList<>();
    try (Connection connection = db.connect();
        java.sql.ResultSet rs = connection.createStatement().executeQuery(
            "SELECT tablename FROM pg_publication_tables WHERE pubname = '" + publication
                + "' ORDER BY tablename")) {
      while (rs.next()) {
        tables.add(rs.getString(1));
      }
    }
    return tables;
  }

  /** Runs statements in one transaction. */
  private static void inOneTransaction(TestDatabase db, String... statements) throws Exception {
    try (Connection connection = db.connect(); Statement statement = connection.createStatement()) {
      connection.setAutoCommit(false);
      for (String sql : statements) {
        statement.execute(sql);
      }
      connection.commit();
    }
  }

  private static void cleanUp(TestDatabase db, String slot, List<String> tables) {
    if (db.isPostgres()) {
      db.dropSlotAndPublication(slot);
    }
    tables.forEach(db::dropQuietly);
  }

  /**
   * Tables of three shapes selected by a pattern: one reader, each table's envelopes on its own
   * output with its own schema, changes of one transaction across the tables in commit order.
   */
  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void streamsEveryTableOfTheSetThroughOneLogReaderInLogOrder(TestDatabase db) throws Exception {
    String prefix = TestDatabase.uniqueName("tcdc");
    List<String> tables = createTables(db, prefix);
    String ns = namespace(db);
    String a = ns + "." + tables.get(0);
    String b = ns + "." + tables.get(1);
    String c = ns + "." + tables.get(2);
    ReadTables read = HeliosDbIO.readTables().withConnection(db.connectionConfiguration())
        .withTablePattern(".*\\." + prefix + "_.*")
        .withCdc(options(db, prefix));
    try (Capture capture = new Capture(db, newPipeline(), read, prefix)) {
      assertThat(capture.byTable.keySet()).containsExactly(a, b, c);
      if (db.isPostgres()) {
        assertThat(count(db, "SELECT COUNT(*) FROM pg_replication_slots WHERE slot_name LIKE '"
            + prefix + "%'")).as("slots of the read").isEqualTo(1);
        assertThat(published(db, prefix)).containsExactlyElementsOf(tables);
      }
      inOneTransaction(db,
          "INSERT INTO " + tables.get(0) + " VALUES (1, 'a1')",
          "INSERT INTO " + tables.get(1) + " VALUES (1, 10.50, 'b1')",
          "INSERT INTO " + tables.get(2) + " VALUES (7, 'x', 'c1')",
          "UPDATE " + tables.get(0) + " SET v = 'a2' WHERE id = 1",
          "DELETE FROM " + tables.get(1) + " WHERE id = 1");
      db.execute("INSERT INTO " + tables.get(1) + " VALUES (2, 3.25, 'b2')",
          "UPDATE " + tables.get(2) + " SET v = 'c2' WHERE k1 = 7",
          "INSERT INTO " + tables.get(0) + " VALUES (2, 'a3')");
      capture.awaitChanges(8);
      Thread.sleep(1_000);
      String ta = tables.get(0);
      String tb = tables.get(1);
      String tc = tables.get(2);
      assertThat(capture.inLogOrder()).containsExactly(
          ta + "|c|1|a1", tb + "|c|1|b1", tc + "|c|7/x|c1", ta + "|u|1|a2", tb + "|d|1|b1",
          tb + "|c|2|b2", tc + "|u|7/x|c2", ta + "|c|2|a3");
      assertThat(capture.of(a)).containsExactly(ta + "|c|1|a1", ta + "|u|1|a2", ta + "|c|2|a3");
      assertThat(capture.of(c)).containsExactly(tc + "|c|7/x|c1", tc + "|u|7/x|c2");
      // rows per table; the reader's own metrics labelled with the reader
      Map<String, Long> rowsRead = new java.util.TreeMap<>();
      org.apache.beam.sdk.metrics.MetricQueryResults metrics = MetricsIT.query(capture.result);
      for (var counter : metrics.getCounters()) {
        if (counter.getName().getName().equals("rows_read_total")) {
          rowsRead.merge(counter.getName().getLabels().get("table"), counter.getAttempted(),
              Long::sum);
        }
      }
      assertThat(rowsRead).isEqualTo(Map.of(a, 3L, b, 3L, c, 2L));
      String reader = db.isPostgres() ? "replication slot " + prefix : "server id ";
      assertThat(metrics.getCounters()).anySatisfy(counter -> {
        assertThat(counter.getName().getName()).isEqualTo("checkpoints_total");
        assertThat(counter.getName().getLabels().get("table")).startsWith(reader);
      });
    } finally {
      cleanUp(db, prefix, tables);
    }
  }

  /**
   * Every table of a namespace of its own (a PostgreSQL schema, a MariaDB database other than
   * the connection's), a keyless one among them, through one reader.
   */
  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void capturesEveryTableOfANamespaceAKeylessOneAmongThem(TestDatabase db) throws Exception {
    String ns = TestDatabase.uniqueName("tns");
    db.execute((db.isPostgres() ? "CREATE SCHEMA " : "CREATE DATABASE ") + ns,
        "CREATE TABLE " + ns + ".keyed (id BIGINT PRIMARY KEY, v VARCHAR(20) NOT NULL)",
        "CREATE TABLE " + ns + ".keyless (id BIGINT, v VARCHAR(20))");
    if (db.isPostgres()) { // a keyless table is captured with its whole rows as identity
      db.execute("ALTER TABLE " + ns + ".keyless REPLICA IDENTITY FULL");
    }
    try (Capture capture = new Capture(db, newPipeline(),
        HeliosDbIO.readTables().withConnection(db.connectionConfiguration()).withNamespace(ns)
            .withCdc(options(db, ns)), ns)) {
      assertThat(capture.byTable.keySet()).containsExactly(ns + ".keyed", ns + ".keyless");
      inOneTransaction(db,
          "INSERT INTO " + ns + ".keyless VALUES (1, 'k1')",
          "INSERT INTO " + ns + ".keyed VALUES (1, 'a1')",
          "UPDATE " + ns + ".keyless SET v = 'k2' WHERE id = 1",
          "DELETE FROM " + ns + ".keyed WHERE id = 1");
      capture.awaitChanges(4);
      Thread.sleep(1_000);
      assertThat(capture.inLogOrder()).containsExactly(
          // PostgreSQL's default identity logs the key alone: Debezium leaves v empty
          "keyless|c|1|k1", "keyed|c|1|a1", "keyless|u|1|k2",
          "keyed|d|1|" + (db.isPostgres() ? "" : "a1"));
    } finally {
      if (db.isPostgres()) {
        db.dropSlotAndPublication(ns);
      }
      db.execute((db.isPostgres() ? "DROP SCHEMA " + ns + " CASCADE" : "DROP DATABASE " + ns));
    }
  }

  /**
   * A table that matches the pattern but was created after the pipeline was built is not
   * captured: the stream warns and sets its {@code table_not_captured} metric.
   */
  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void aTableCreatedAfterTheBuildIsReportedNotCaptured(TestDatabase db) throws Exception {
    String prefix = TestDatabase.uniqueName("tnew");
    List<String> tables = createTables(db, prefix);
    String late = prefix + "_late";
    ReadTables read = HeliosDbIO.readTables().withConnection(db.connectionConfiguration())
        .withTablePattern(".*\\." + prefix + "_.*")
        .withCdc(options(db, prefix));
    try (Capture capture = new Capture(db, newPipeline(), read, prefix, () -> db.execute(
        "CREATE TABLE " + late + " (id BIGINT PRIMARY KEY, v VARCHAR(20) NOT NULL)"))) {
      db.execute("INSERT INTO " + late + " VALUES (1, 'late')",
          "INSERT INTO " + tables.get(0) + " VALUES (1, 'a1')");
      capture.awaitChanges(1);
      String lateName = namespace(db) + "." + late;
      awaitWhileRunning(capture.result, () -> {
        for (var gauge : MetricsIT.query(capture.result).getGauges()) {
          if (gauge.getName().getName().equals("table_not_captured")
              && lateName.equals(gauge.getName().getLabels().get("table"))) {
            return gauge.getAttempted().getValue() == 1;
          }
        }
        return false;
      });
      Thread.sleep(500);
      assertThat(capture.byTable.keySet()).doesNotContain(lateName);
      assertThat(capture.inLogOrder()).containsExactly(tables.get(0) + "|c|1|a1");
    } finally {
      cleanUp(db, prefix, tables);
      db.dropQuietly(late);
    }
  }

  /** A captured table dropped while the stream runs fails it, naming the table. */
  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void aTableDroppedWhileCapturedFailsTheStreamNamingIt(TestDatabase db) throws Exception {
    String prefix = TestDatabase.uniqueName("tdrop");
    List<String> tables = createTables(db, prefix);
    try (Capture capture = new Capture(db, newPipeline(),
        tablesRead(db, options(db, prefix), tables.get(0), tables.get(1)), prefix)) {
      db.execute("INSERT INTO " + tables.get(0) + " VALUES (1, 'a1')");
      capture.awaitChanges(1);
      db.execute("DROP TABLE " + tables.get(1));
      assertThatThrownBy(() -> awaitWhileRunning(capture.result, () -> false))
          .hasStackTraceContaining("table " + namespace(db) + "." + tables.get(1)
              + " was dropped or renamed while its changes were captured");
    } finally {
      cleanUp(db, prefix, tables);
    }
  }

  /** A column added to one table of the set fails the stream naming that table and the change. */
  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void aSchemaChangeOfOneTableFailsTheStreamNamingIt(TestDatabase db) throws Exception {
    String prefix = TestDatabase.uniqueName("tddl");
    List<String> tables = createTables(db, prefix);
    try (Capture capture = new Capture(db, newPipeline(),
        tablesRead(db, options(db, prefix), tables.get(0), tables.get(1)), prefix)) {
      db.execute("INSERT INTO " + tables.get(0) + " VALUES (1, 'a1')");
      capture.awaitChanges(1);
      db.execute("ALTER TABLE " + tables.get(1) + " ADD COLUMN extra INT",
          "INSERT INTO " + tables.get(1) + " VALUES (1, 1.00, 'b1', 7)");
      assertThatThrownBy(() -> awaitWhileRunning(capture.result, () -> false))
          .hasStackTraceContaining("[" + namespace(db) + "." + tables.get(1) + "] the table's"
              + " columns changed during CDC");
    } finally {
      cleanUp(db, prefix, tables);
    }
  }

  /**
   * The documented way to change the set: restart from the slot (PostgreSQL) or the last
   * position (MariaDB) with the new list. The tables captured before lose and repeat nothing;
   * the added table is streamed from the restart on; a removed table's changes stop, and a
   * publication the read created stops publishing it.
   */
  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void addsAndRemovesTablesByRestartingWithTheNewList(TestDatabase db) throws Exception {
    String prefix = TestDatabase.uniqueName("tset");
    List<String> tables = createTables(db, prefix);
    String ta = tables.get(0);
    String tb = tables.get(1);
    String tc = tables.get(2);
    CdcOptions options = options(db, prefix);
    String lastPosition;
    try (Capture first = new Capture(db, newPipeline(), tablesRead(db, options, ta, tb), prefix)) {
      db.execute("INSERT INTO " + tc + " VALUES (1, 'x', 'not captured')",
          "INSERT INTO " + ta + " VALUES (1, 'a1')",
          "INSERT INTO " + tb + " VALUES (1, 1, 'b1')");
      first.awaitChanges(2);
      Thread.sleep(1_000);
      assertThat(first.inLogOrder()).containsExactly(ta + "|c|1|a1", tb + "|c|1|b1");
      first.awaitAcknowledged(db, prefix);
      lastPosition = first.lastPosition();
    }
    // while no pipeline runs
    db.execute("INSERT INTO " + ta + " VALUES (2, 'a2')",
        "UPDATE " + tb + " SET v = 'b2' WHERE id = 1");
    CdcOptions restart = db.isPostgres()
        ? options.withServerId(4711) : options.withStartPosition(lastPosition);
    try (Capture second =
        new Capture(db, newPipeline(), tablesRead(db, restart, ta, tb, tc), prefix)) {
      if (db.isPostgres()) {
        assertThat(published(db, prefix)).containsExactlyElementsOf(tables);
      }
      db.execute("INSERT INTO " + tc + " VALUES (2, 'y', 'c2')",
          "INSERT INTO " + ta + " VALUES (3, 'a3')");
      second.awaitChanges(4);
      Thread.sleep(1_000);
      List<String> changes = second.inLogOrder();
      // nothing acknowledged comes again; nothing written while stopped is lost
      assertThat(changes).startsWith(ta + "|c|2|a2", tb + "|u|1|b2")
          .endsWith(tc + "|c|2/y|c2", ta + "|c|3|a3")
          .doesNotContain(ta + "|c|1|a1", tb + "|c|1|b1");
      second.awaitAcknowledged(db, prefix);
      lastPosition = second.lastPosition();
    }
    CdcOptions narrowed = db.isPostgres()
        ? options.withServerId(4712) : options.withStartPosition(lastPosition);
    try (Capture third = new Capture(db, newPipeline(), tablesRead(db, narrowed, ta), prefix)) {
      if (db.isPostgres()) {
        assertThat(published(db, prefix)).containsExactly(ta);
      }
      db.execute("INSERT INTO " + tb + " VALUES (5, 5, 'b5')",
          "INSERT INTO " + ta + " VALUES (5, 'a5')");
      third.awaitChanges(1);
      Thread.sleep(1_000);
      assertThat(third.byTable.keySet()).hasSize(1);
      assertThat(third.inLogOrder()).containsExactly(ta + "|c|5|a5");
    } finally {
      cleanUp(db, prefix, tables);
    }
  }

  private static ReadTables tablesRead(TestDatabase db, CdcOptions options, String... tables) {
    return HeliosDbIO.readTables().withConnection(db.connectionConfiguration())
        .withTables(tables).withCdc(options);
  }

  /** A table whose changes could not be captured fails the build, naming the table. */
  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void aTableCdcCannotCaptureFailsTheBuildNamingIt(TestDatabase db) throws Exception {
    String prefix = TestDatabase.uniqueName("tbad");
    List<String> tables = createTables(db, prefix);
    String keyless = prefix + "_nokey";
    db.execute("CREATE TABLE " + keyless + " (v VARCHAR(20))");
    try {
      ReadTables read = tablesRead(db, options(db, prefix), tables.get(0), keyless);
      if (db.isPostgres()) { // no replica identity: its updates would fail once published
        assertThatThrownBy(() -> newPipeline().apply(read))
            .hasMessageContaining("CDC of table public." + keyless + " needs a replica identity");
      } else { // MariaDB logs every row: a keyless table is captured like the others
        newPipeline().apply(read);
      }
      assertThatThrownBy(() -> newPipeline().apply(
              tablesRead(db, options(db, prefix), tables.get(0), prefix + "_missing")))
          .hasMessageContaining(prefix + "_missing");
      String ns = namespace(db) + ".";
      assertThatThrownBy(() -> newPipeline().apply(
              tablesRead(db, options(db, prefix), tables.get(0), tables.get(1))
                  .withAddedTables(ns + tables.get(1))))
          .hasMessageContaining("applies to snapshot then CDC");
      ReadTables handoff = tablesRead(
          db, CdcOptions.create().withSlotName(prefix + "_none"), tables.get(0), tables.get(1))
          .withSnapshot(SnapshotOptions.byPrimaryKey());
      assertThatThrownBy(() -> newPipeline().apply(handoff.withAddedTables(ns + "nope")))
          .hasMessageContaining("withAddedTables(\"" + ns + "nope\"): " + ns + "nope is not one"
              + " of the selected tables");
      assertThatThrownBy(() -> newPipeline().apply(
              handoff.withAddedTables(ns + tables.get(0), ns + tables.get(1))))
          .hasMessageContaining("names every selected table");
      // nothing keeps where an earlier capture stopped: no slot, no start position
      assertThatThrownBy(() -> newPipeline().apply(handoff.withAddedTables(ns + tables.get(1))))
          .hasMessageContaining("continues an earlier capture of the other tables from where it"
              + " stopped, but " + (db.isPostgres() ? "replication slot " : "server id "))
          .hasMessageContaining("keeps no position");
    } finally {
      cleanUp(db, prefix, tables);
      db.dropQuietly(keyless);
    }
  }
}
