package io.heliosdb.beam;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.heliosdb.beam.testing.ChangeReplica;
import io.heliosdb.beam.testing.StreamCollector;
import io.heliosdb.beam.testing.TableWriters;
import io.heliosdb.beam.testing.TestDatabase;
import io.heliosdb.beam.testing.TestDatabases;
import java.util.Map;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ArgumentsSource;

/**
 * Snapshot then CDC on the Direct runner against real PostgreSQL and MariaDB tables that writers
 * change throughout the snapshot and after it: the output, replayed by position, equals the table
 * and holds every change exactly once.
 */
@ExtendWith(TestPipelineExtension.class)
class HandoffReadIT {
  private static final long ROWS = 200_000;
  /** A key no writer touches, inserted last: once its change arrives, everything before it has. */
  private static final long MARKER = -999_999_999L;

  static HeliosDbIO.Read read(TestDatabase db, String table) {
    return HeliosDbIO.read()
        .withConnection(db.connectionConfiguration())
        .withTable(table)
        .withSnapshot(SnapshotOptions.byPrimaryKey().withChunkSize(5_000))
        .withParallelism(4)
        .withCdc(CdcOptions.create().withSlotName(table)
            .withHeartbeatInterval(org.joda.time.Duration.standardSeconds(1)));
  }

  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void theOutputReplayedByPositionEqualsTheTableWithEveryChangeOnce(
      TestDatabase db, TestPipeline pipeline) throws Exception {
    String table = TestDatabase.uniqueName("handoff");
    TableWriters.createTable(db, table, ROWS);
    StreamCollector events = new StreamCollector();
    try (TableWriters writers = new TableWriters(db, table, ROWS, 2, 0)) {
      Thread.sleep(500); // writing before the snapshot starts
      PCollection<Row> output = pipeline.apply(read(db, table));
      events.collect(output, ChangeReplica::render);
      PipelineResult result = CdcReadIT.start(pipeline);
      try {
        // the stream starts only after the last chunk: changes streamed mean the snapshot is done
        CdcReadIT.awaitWhileRunning(result, () -> streamedChanges(events) >= 2_000);
        long duringSnapshot = writers.transactions();
        Thread.sleep(2_000);
        writers.close();
        assertThat(writers.transactions()).isGreaterThan(duringSnapshot);
        db.execute("INSERT INTO " + table + " VALUES (" + MARKER + ", 'marker')");
        CdcReadIT.awaitWhileRunning(
            result, () -> events.values().stream().anyMatch(e -> e.startsWith("c|" + MARKER + "|")));
        Map<Long, String> table0 = TableWriters.contents(db, table);
        ChangeReplica replica = ChangeReplica.awaitReplay(events, table0, 60_000);
        System.out.printf("[%s] %d snapshot rows, %d changes; writers: %d transactions (%d"
                + " during the snapshot), %d rolled back%n", db, replica.snapshotRows(),
            replica.changes(), writers.transactions(), duringSnapshot, writers.rolledBack());
        assertThat(events.duplicates()).isEmpty();
        assertThat(replica.violations()).isEmpty();
        assertThat(replica.rows()).withFailMessage(() -> "the replica differs from the table:\n"
            + ChangeReplica.differences(replica.rows(), table0, events.values()))
            .isEqualTo(table0);
        assertThat(changesPastTheSnapshot(result)).as("changes read after the plan's handover")
            .isPositive();
        assertThat(replica.snapshotRows()).isGreaterThan((int) (ROWS * 0.9));
        assertThat(replica.changes()).isGreaterThan(2_000);
      } finally {
        result.cancel();
      }
    } finally {
      events.clear();
      CdcReadIT.dropSlot(db, table);
      db.dropQuietly(table);
    }
  }

  /**
   * The changes emitted by the stream's second step, which reads on without the snapshot's plan
   * once the plan emits every change ({@code rows_read_total} of that step).
   */
  static long changesPastTheSnapshot(PipelineResult result) {
    long rows = 0;
    for (var counter : MetricsIT.query(result).getCounters()) {
      if (counter.getName().getName().equals("rows_read_total")
          && counter.getKey().stepName().contains("past the snapshot")) {
        rows += counter.getAttempted();
      }
    }
    return rows;
  }

  /**
   * The Direct runner keeps no checkpoint across runs: a pipeline stopped mid-snapshot is started
   * again and reads the snapshot again, on the same slot (PostgreSQL: kept at the first run's
   * start, which is older than the new chunk reads). The second run's output alone converges.
   */
  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void aRunStoppedMidSnapshotIsStartedAgainOnTheSameSlot(TestDatabase db) throws Exception {
    String table = TestDatabase.uniqueName("handoff_again");
    long rows = 100_000;
    TableWriters.createTable(db, table, rows);
    StreamCollector first = new StreamCollector();
    StreamCollector second = new StreamCollector();
    try (TableWriters writers = new TableWriters(db, table, rows, 2, 1)) {
      TestPipeline pipeline = CdcReadIT.newPipeline();
      first.collect(pipeline.apply(read(db, table)), ChangeReplica::render);
      PipelineResult result = CdcReadIT.start(pipeline);
      try {
        CdcReadIT.awaitWhileRunning(result, () -> first.values().size() >= 5_000);
      } finally {
        result.cancel();
      }
      assertThat(streamedChanges(first)).isZero(); // stopped mid-snapshot
      Thread.sleep(1_000); // changes made while no pipeline runs

      TestPipeline again = CdcReadIT.newPipeline();
      second.collect(again.apply(read(db, table)), ChangeReplica::render);
      PipelineResult rerun = CdcReadIT.start(again);
      try {
        CdcReadIT.awaitWhileRunning(rerun, () -> streamedChanges(second) >= 500);
        writers.close();
        db.execute("INSERT INTO " + table + " VALUES (" + MARKER + ", 'marker')");
        CdcReadIT.awaitWhileRunning(
            rerun, () -> second.values().stream().anyMatch(e -> e.startsWith("c|" + MARKER + "|")));
        Map<Long, String> contents = TableWriters.contents(db, table);
        ChangeReplica replica = ChangeReplica.awaitReplay(second, contents, 60_000);
        assertThat(second.duplicates()).isEmpty();
        assertThat(replica.violations()).isEmpty();
        assertThat(replica.rows()).isEqualTo(contents);
      } finally {
        rerun.cancel();
      }
    } finally {
      first.clear();
      second.clear();
      CdcReadIT.dropSlot(db, table);
      db.dropQuietly(table);
    }
  }

  /**
   * What runners encode between the steps and keep at checkpoints (the chunk snapshots, the start,
   * the stream's plan) has deterministic coders: equal values, equal bytes. Groups are left out:
   * their values come in no fixed order.
   */
  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void everyCoderBetweenTheStepsIsDeterministic(TestDatabase db) throws Exception {
    String table = TestDatabase.uniqueName("handoff_coders");
    TableWriters.createTable(db, table, 10);
    try {
      org.apache.beam.sdk.Pipeline pipeline = org.apache.beam.sdk.Pipeline.create();
      pipeline.apply(read(db, table));
      java.util.List<String> nonDeterministic = new java.util.ArrayList<>();
      pipeline.traverseTopologically(new org.apache.beam.sdk.Pipeline.PipelineVisitor.Defaults() {
        @Override
        public void visitValue(
            org.apache.beam.sdk.values.PValue value,
            org.apache.beam.sdk.runners.TransformHierarchy.Node producer) {
          // a group's values come in no fixed order, and runners never compare groups
          if (value instanceof PCollection<?> collection
              && !(producer.getTransform() instanceof org.apache.beam.sdk.transforms.GroupByKey)) {
            try {
              collection.getCoder().verifyDeterministic();
            } catch (org.apache.beam.sdk.coders.Coder.NonDeterministicException e) {
              nonDeterministic.add(producer.getFullName() + ": " + collection.getCoder());
            }
          }
        }
      });
      assertThat(nonDeterministic).isEmpty();
    } finally {
      db.dropQuietly(table);
    }
  }

  private static long streamedChanges(StreamCollector events) {
    return events.values().stream().filter(e -> !e.startsWith("r|")).count();
  }

  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void refusesKeysWhoseOrderJavaCannotReproduce(TestDatabase db, TestPipeline pipeline)
      throws Exception {
    String table = TestDatabase.uniqueName("handoff_str");
    db.execute("CREATE TABLE " + table + " (code VARCHAR(20) PRIMARY KEY, v INT)");
    try {
      assertThatThrownBy(() -> pipeline.apply(read(db, table)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("withSnapshot(...).withCdc(...)")
          .hasMessageContaining("code")
          .hasMessageContaining("integer, decimal or date/time key columns");
      String keyless = TestDatabase.uniqueName("handoff_nokey");
      db.execute("CREATE TABLE " + keyless + " (id BIGINT, v INT)");
      try {
        assertThatThrownBy(() -> pipeline.apply(read(db, keyless)))
            .hasMessageContaining("has no primary key");
        assertThatThrownBy(
                () -> pipeline.apply(read(db, keyless).withCdc(
                    CdcOptions.create().withStartPosition(startPosition(db)))))
            .hasMessageContaining("has no primary key");
      } finally {
        db.dropQuietly(keyless);
      }
    } finally {
      db.dropQuietly(table);
    }
    pipeline.enableAbandonedNodeEnforcement(false);
  }

  private static String startPosition(TestDatabase db) {
    return db.isPostgres() ? "0/16B3748" : "mariadb-bin.000001:4";
  }
}
