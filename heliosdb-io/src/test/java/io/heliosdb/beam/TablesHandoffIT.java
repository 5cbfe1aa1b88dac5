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
        Thread.sleep(1_000); // anything repeated after the markers would arrive now
        for (String table : sizes.keySet()) {
          StreamCollector collected = events.get(table);
          ChangeReplica replica = ChangeReplica.replay(collected.values());
          System.out.printf("[%s] %s: %d snapshot rows, %d changes (writers: %d transactions,"
                  + " %d before the stream)%n", db, table, replica.snapshotRows(),
              replica.changes(), writers.stream().mapToLong(TableWriters::transactions).sum(),
              during);
          assertThat(collected.duplicates()).as(table + " duplicates").isEmpty();
          assertThat(replica.violations()).as(table + " violations").isEmpty();
          assertThat(replica.rows()).as(table).isEqualTo(TableWriters.contents(db, table));
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
