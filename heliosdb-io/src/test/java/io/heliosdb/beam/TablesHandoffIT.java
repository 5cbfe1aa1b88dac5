package io.heliosdb.beam;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.heliosdb.beam.testing.ChangeReplica;
import io.heliosdb.beam.testing.StreamCollector;
import io.heliosdb.beam.testing.TableWriters;
import io.heliosdb.beam.testing.TestDatabase;
import io.heliosdb.beam.testing.TestDatabases;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.values.PCollectionRowTuple;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ArgumentsSource;

/**
 * Snapshot then CDC of a set of tables on real PostgreSQL and MariaDB: one stream for all tables,
 * and each table's output, replayed by position, equals the table with every change once.
 */
class TablesHandoffIT {
  private static final long MARKER = -999_999_999L;

  private static ReadTables read(TestDatabase db, String slot, String... tables) {
    return HeliosDbIO.readTables()
        .withConnection(db.connectionConfiguration())
        .withTables(tables)
        .withSnapshot(SnapshotOptions.byPrimaryKey().withChunkSize(2_000))
        .withParallelism(4)
        .withCdc(CdcOptions.create().withSlotName(slot)
            .withHeartbeatInterval(org.joda.time.Duration.standardSeconds(1)));
  }

  /** Changes (not snapshot rows) collected. */
  private static long streamed(StreamCollector events) {
    return events.values().stream().filter(e -> !e.startsWith("r|")).count();
  }

  /**
   * A large, a middle and a one-chunk table written to during the snapshot: each output replayed
   * by position equals its table, no change lost or repeated, and one replication slot serves
   * all of them.
   */
  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void eachTablesOutputReplayedByPositionEqualsTheTable(TestDatabase db) throws Exception {
    String prefix = TestDatabase.uniqueName("thand");
    Map<String, Long> sizes = new LinkedHashMap<>();
    sizes.put(prefix + "_large", 30_000L);
    sizes.put(prefix + "_middle", 3_000L);
    sizes.put(prefix + "_small", 50L);
    for (Map.Entry<String, Long> table : sizes.entrySet()) {
      TableWriters.createTable(db, table.getKey(), table.getValue());
    }
    String ns = namespace(db);
    Map<String, StreamCollector> events = new LinkedHashMap<>();
    List<TableWriters> writers = new ArrayList<>();
    try {
      sizes.forEach((table, rows) -> writers.add(new TableWriters(db, table, rows, 1, 2)));
      Thread.sleep(500); // writing before the snapshot starts
      TestPipeline pipeline = CdcReadIT.newPipeline();
      PCollectionRowTuple output =
          pipeline.apply(read(db, prefix, sizes.keySet().toArray(String[]::new)));
      for (String table : sizes.keySet()) {
        StreamCollector collector = new StreamCollector();
        collector.collect(output.get(ns + "." + table), ChangeReplica::render);
        events.put(table, collector);
      }
      PipelineResult result = CdcReadIT.start(pipeline);
      try {
        // the stream starts only after the last chunk of every table
        CdcReadIT.awaitWhileRunning(result, () -> events.values().stream()
            .allMatch(e -> streamed(e) >= 100));
        long during = writers.stream().mapToLong(TableWriters::transactions).sum();
        if (db.isPostgres()) {
          assertThat(CdcReadIT.lsn(db, "SELECT COUNT(*) FROM pg_replication_slots WHERE"
              + " slot_name LIKE '" + prefix + "%'")).as("slots held").isEqualTo(1);
        }
        Thread.sleep(1_000);
        writers.forEach(TableWriters::close);
        for (String table : sizes.keySet()) {
          db.execute("INSERT INTO " + table + " VALUES (" + MARKER + ", 'marker')");
        }
        CdcReadIT.awaitWhileRunning(result, () -> events.values().stream().allMatch(
            e -> e.values().stream().anyMatch(v -> v.startsWith("c|" + MARKER + "|"))));
        assertThat(HandoffReadIT.changesPastTheSnapshot(result))
            .as("changes read after the plan's handover").isPositive();
        for (String table : sizes.keySet()) {
          StreamCollector collected = events.get(table);
          Map<Long, String> contents = TableWriters.contents(db, table);
          ChangeReplica replica = ChangeReplica.awaitReplay(collected, contents, 60_000);
          System.out.printf("[%s] %s: %d snapshot rows, %d changes (writers: %d transactions,"
                  + " %d before the stream)%n", db, table, replica.snapshotRows(),
              replica.changes(), writers.stream().mapToLong(TableWriters::transactions).sum(),
              during);
          assertThat(collected.duplicates()).as(table + " duplicates").isEmpty();
          assertThat(replica.violations()).as(table + " violations").isEmpty();
          assertThat(replica.rows()).as(table).withFailMessage(() -> table + " differs:\n"
              + ChangeReplica.differences(replica.rows(), contents, collected.values()))
              .isEqualTo(contents);
          assertThat(replica.snapshotRows()).as(table + " snapshot rows")
              .isGreaterThanOrEqualTo((int) (sizes.get(table) * 0.9));
        }
      } finally {
        result.cancel();
      }
    } finally {
      writers.forEach(TableWriters::close);
      events.values().forEach(StreamCollector::clear);
      CdcReadIT.dropSlot(db, prefix);
      sizes.keySet().forEach(db::dropQuietly);
    }
  }

  /** A running capture of a set of tables, collected per table. */
  private static final class Run implements AutoCloseable {
    final Map<String, StreamCollector> events = new LinkedHashMap<>();
    final PipelineResult result;

    Run(TestDatabase db, ReadTables read, List<String> tables) throws Exception {
      TestPipeline pipeline = CdcReadIT.newPipeline();
      PCollectionRowTuple output = pipeline.apply(read);
      for (String table : tables) {
        StreamCollector collector = new StreamCollector();
        collector.collect(output.get(namespace(db) + "." + table), ChangeReplica::render);
        events.put(table, collector);
      }
      result = CdcReadIT.start(pipeline);
    }

    /** Inserts a marker row into each table and waits until every output streamed it. */
    void awaitMarkers(TestDatabase db, long marker) throws Exception {
      for (String table : events.keySet()) {
        db.execute("INSERT INTO " + table + " VALUES (" + marker + ", 'marker')");
      }
      CdcReadIT.awaitWhileRunning(result, () -> events.values().stream().allMatch(
          e -> e.values().stream().anyMatch(v -> v.startsWith("c|" + marker + "|"))));
      for (StreamCollector e : events.values()) {
        e.awaitQuiet(2_000, 30_000); // anything later or repeated would arrive by now
      }
    }

    /** PostgreSQL: waits until the slot acknowledged the markers (their bundles committed). */
    void awaitAcknowledged(TestDatabase db, String slot, long marker) {
      if (!db.isPostgres()) {
        return;
      }
      String lsn = lastPosition(marker).split("@")[0];
      org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60)).until(() ->
          CdcReadIT.lsn(db, "SELECT COUNT(*) FROM pg_replication_slots WHERE slot_name = '"
              + slot + "' AND confirmed_flush_lsn >= '" + lsn + "'") == 1);
    }

    /** The greatest position of the markers' inserts. */
    String lastPosition(long marker) {
      return events.values().stream().flatMap(e -> e.values().stream())
          .filter(v -> v.startsWith("c|" + marker + "|"))
          .map(v -> v.split("\\|", 5)[4])
          .max(io.heliosdb.beam.cdc.PositionOrder.INSTANCE).orElseThrow();
    }

    @Override
    public void close() throws Exception {
      result.cancel();
    }
  }

  /**
   * The documented way to add a table to a running capture: stop it once all it emitted is
   * acknowledged, and start it again with the larger list, naming the added table. Only the
   * added table is snapshotted; the others are not read again, and their changes, also those
   * written while no pipeline ran, continue with none lost or repeated.
   */
  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void addsATableWithoutReadingTheOthersAgain(TestDatabase db) throws Exception {
    String prefix = TestDatabase.uniqueName("thadd");
    String a = prefix + "_a";
    String b = prefix + "_b";
    String c = prefix + "_c";
    TableWriters.createTable(db, a, 2_000);
    TableWriters.createTable(db, b, 500);
    TableWriters.createTable(db, c, 3_000);
    Map<String, List<String>> all = new LinkedHashMap<>();
    try {
      String lastPosition;
      try (TableWriters wa = new TableWriters(db, a, 2_000, 1, 5);
          TableWriters wb = new TableWriters(db, b, 500, 1, 5);
          Run run = new Run(db, read(db, prefix, a, b), List.of(a, b))) {
        CdcReadIT.awaitWhileRunning(run.result,
            () -> run.events.values().stream().allMatch(e -> streamed(e) >= 50));
        wa.close();
        wb.close();
        run.awaitMarkers(db, MARKER);
        run.awaitAcknowledged(db, prefix, MARKER);
        lastPosition = run.lastPosition(MARKER);
        run.events.forEach((table, e) -> all.put(table, new ArrayList<>(e.values())));
        run.events.values().forEach(StreamCollector::clear);
      }
      // while no pipeline runs
      db.execute("UPDATE " + a + " SET v = 'stopped' WHERE id < 10",
          "DELETE FROM " + b + " WHERE id < 10", "UPDATE " + c + " SET v = 'stopped' WHERE id < 10");
      ReadTables again = read(db, prefix, a, b, c).withAddedTables(namespace(db) + "." + c);
      if (!db.isPostgres()) { // no slot keeps the position: the earlier output's last one
        again = again.withCdc(CdcOptions.create().withSlotName(prefix)
            .withStartPosition(lastPosition)
            .withHeartbeatInterval(org.joda.time.Duration.standardSeconds(1)));
      }
      try (TableWriters wa = new TableWriters(db, a, 2_000, 1, 5);
          TableWriters wc = new TableWriters(db, c, 3_000, 1, 5);
          Run run = new Run(db, again, List.of(a, b, c))) {
        CdcReadIT.awaitWhileRunning(run.result,
            () -> streamed(run.events.get(c)) >= 50 && streamed(run.events.get(a)) >= 50);
        wa.close();
        wc.close();
        run.awaitMarkers(db, MARKER - 1);
        for (String table : List.of(a, b)) {
          assertThat(run.events.get(table).values()).as(table + " read again")
              .noneMatch(e -> e.startsWith("r|"));
          all.get(table).addAll(run.events.get(table).values());
        }
        all.put(c, new ArrayList<>(run.events.get(c).values()));
        run.events.values().forEach(StreamCollector::clear);
      }
      for (String table : List.of(a, b, c)) {
        ChangeReplica replica = ChangeReplica.replay(all.get(table));
        System.out.printf("[%s] %s over two runs: %d snapshot rows, %d changes%n", db, table,
            replica.snapshotRows(), replica.changes());
        assertThat(all.get(table)).as(table + " repeated").doesNotHaveDuplicates();
        assertThat(replica.violations()).as(table + " violations").isEmpty();
        assertThat(replica.rows()).as(table).isEqualTo(TableWriters.contents(db, table));
      }
    } finally {
      CdcReadIT.dropSlot(db, prefix);
      List.of(a, b, c).forEach(db::dropQuietly);
    }
  }

  /** What snapshot then CDC needs of every table is checked when the pipeline is built. */
  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void aTableWithoutPrimaryKeyFailsTheBuildNamingIt(TestDatabase db) throws Exception {
    String prefix = TestDatabase.uniqueName("thbad");
    TableWriters.createTable(db, prefix + "_keyed", 10);
    db.execute("CREATE TABLE " + prefix + "_keyless (v VARCHAR(20))");
    try {
      assertThatThrownBy(() -> CdcReadIT.newPipeline().apply(
              read(db, prefix, prefix + "_keyed", prefix + "_keyless")))
          .hasMessageContaining("table " + namespace(db) + "." + prefix + "_keyless has no"
              + " primary key");
      assertThatThrownBy(() -> CdcReadIT.newPipeline().apply(read(db, prefix, prefix + "_keyed")
              .withCdc(CdcOptions.create().withSlotName(prefix).withStartPosition(
                  db.isPostgres() ? "0/16B3748" : "mysql-bin.000001:4"))))
          .hasMessageContaining("withStartPosition(...) cannot follow a snapshot");
    } finally {
      db.dropQuietly(prefix + "_keyed");
      db.dropQuietly(prefix + "_keyless");
    }
  }

  private static String namespace(TestDatabase db) throws Exception {
    try (Connection connection = db.connect()) {
      return db.isPostgres() ? "public" : connection.getCatalog();
    }
  }
}
