package io.heliosdb.beam;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.heliosdb.beam.cdc.PositionOrder;
import io.heliosdb.beam.testing.ChangeReplica;
import io.heliosdb.beam.testing.StreamCollector;
import io.heliosdb.beam.testing.TestDatabase;
import io.heliosdb.beam.testing.TestDatabases;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ArgumentsSource;

/**
 * What CDC does when a captured table changes shape or is truncated while it streams, on real
 * PostgreSQL and MariaDB servers (Direct runner): a column whose type no longer fits the output
 * schema stops the stream before the change, naming the column; a restart reads the new type; a
 * {@code TRUNCATE} is a change of its own ({@code op = "t"}).
 */
@ExtendWith(TestPipelineExtension.class)
class CdcTableChangesIT {

  /** {@code op:id:n} for row changes (the after image, else the before), {@code t:table}. */
  static String render(Row change) {
    String op = change.getString("op");
    if (op.equals("t")) {
      return "t:" + change.getRow("source").getString("table")
          + (change.getRow("before") == null && change.getRow("after") == null ? "" : ":images");
    }
    Row image = change.getRow("after") != null ? change.getRow("after") : change.getRow("before");
    return op + ":" + image.getValue("id") + ":" + image.getValue("n");
  }

  private static String createTable(TestDatabase db, String prefix) throws Exception {
    String table = TestDatabase.uniqueName(prefix);
    db.execute("CREATE TABLE " + table + " (id BIGINT PRIMARY KEY, n INT NOT NULL)");
    if (db.isPostgres()) {
      db.execute("ALTER TABLE " + table + " REPLICA IDENTITY FULL");
    }
    return table;
  }

  private static final class Run implements AutoCloseable {
    final StreamCollector changes = new StreamCollector();
    final StreamCollector positions = new StreamCollector();
    final PipelineResult result;

    Run(TestPipeline pipeline, HeliosDbIO.Read read) {
      PCollection<Row> output = pipeline.apply(read);
      changes.collect(output, CdcTableChangesIT::render);
      positions.collect(output, change -> change.getString("position") + " " + render(change));
      result = CdcReadIT.start(pipeline);
    }

    void awaitChanges(int count) {
      CdcReadIT.awaitWhileRunning(result, () -> changes.values().size() >= count);
    }

    @Override
    public void close() throws java.io.IOException {
      result.cancel();
      changes.clear();
      positions.clear();
    }
  }

  /**
   * {@code INT -> BIGINT} while the stream runs: the row whose value no longer fits an INT32 stops
   * the pipeline with a message naming the column and both types, and nothing of the new shape is
   * emitted (a value of 3,000,000,000 read as an INT32 would be -1,294,967,296). A pipeline built
   * afterwards reads the new type from where the first one stopped.
   */
  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void aRetypedColumnFailsFastNamingItAndARestartReadsTheNewType(
      TestDatabase db, TestPipeline pipeline) throws Exception {
    String table = createTable(db, "cdc_retype");
    CdcOptions options = CdcReadIT.cdc(db, table);
    try {
      try (Run run = new Run(pipeline, CdcReadIT.read(db, table, options))) {
        db.execute("INSERT INTO " + table + " VALUES (1, 7)");
        run.awaitChanges(1);
        db.execute("ALTER TABLE " + table
                + (db.isPostgres() ? " ALTER COLUMN n TYPE BIGINT" : " MODIFY n BIGINT NOT NULL"),
            "INSERT INTO " + table + " VALUES (2, 3000000000)");
        String retyped = db.isPostgres() ? "n: int4 -> int8" : "n: int(11) -> bigint";
        assertThatThrownBy(
                () -> run.result.waitUntilFinish(org.joda.time.Duration.standardSeconds(30)))
            .hasStackTraceContaining("." + table + "] the table's columns changed during CDC (added [],"
                + " removed [], retyped [" + retyped + "], now [id, n])")
            .hasStackTraceContaining("Restart the pipeline to read the new schema");
        assertThat(run.changes.values()).containsExactly("c:1:7");
      }
      try (Run restarted = new Run(CdcReadIT.newPipeline(),
          CdcReadIT.read(db, table, options.withServerId(4545)))) {
        restarted.awaitChanges(1);
        CdcReadIT.awaitWhileRunning(restarted.result,
            () -> restarted.changes.values().contains("c:2:3000000000"));
        // the first row again only if it was not acknowledged yet: at-least-once
        assertThat(restarted.changes.values()).isSubsetOf("c:1:7", "c:2:3000000000");
      }
    } finally {
      CdcReadIT.dropSlot(db, table);
      db.dropQuietly(table);
    }
  }

  /**
   * A {@code TRUNCATE} reaches the output as {@code op = "t"}, with the table in {@code source},
   * no images, and a position between the changes before and after it.
   */
  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void aTruncateIsEmittedAsItsOwnOperationInLogOrder(TestDatabase db, TestPipeline pipeline)
      throws Exception {
    String table = createTable(db, "cdc_truncate");
    CdcOptions options = CdcReadIT.cdc(db, table);
    try (Run run = new Run(pipeline, CdcReadIT.read(db, table, options))) {
      db.execute("INSERT INTO " + table + " VALUES (1, 1), (2, 2)");
      run.awaitChanges(2);
      db.execute("TRUNCATE TABLE " + table, "INSERT INTO " + table + " VALUES (3, 3)");
      run.awaitChanges(4);
      Thread.sleep(1_000);
      assertThat(run.changes.values())
          .containsExactly("c:1:1", "c:2:2", "t:" + table, "c:3:3");
      List<String> byPosition = run.positions.values().stream()
          .sorted(Comparator.comparing(p -> p.substring(0, p.indexOf(' ')),
              PositionOrder.INSTANCE))
          .toList();
      System.out.println("[" + db + "] " + byPosition);
      assertThat(byPosition).extracting(p -> p.substring(p.indexOf(' ') + 1))
          .containsExactly("c:1:1", "c:2:2", "t:" + table, "c:3:3");
    } finally {
      CdcReadIT.dropSlot(db, table);
      db.dropQuietly(table);
    }
  }

  /** PostgreSQL: a publication that leaves out an operation is refused when the pipeline is built. */
  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void aPublicationThatLeavesOutTruncatesIsRefused(TestDatabase db) throws Exception {
    Assumptions.assumeTrue(db.isPostgres(), "publications are PostgreSQL's");
    String table = createTable(db, "cdc_publish");
    try {
      db.execute("CREATE PUBLICATION " + table + " FOR TABLE " + table
          + " WITH (publish = 'insert, update, delete')");
      assertThatThrownBy(() -> org.apache.beam.sdk.Pipeline.create()
              .apply(CdcReadIT.read(db, table, CdcOptions.create().withSlotName(table))))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("CDC of table public." + table + " reads publication " + table
              + ", which does not publish [truncate]: those changes would never reach the"
              + " stream. Run ALTER PUBLICATION \"" + table + "\" SET (publish = 'insert,"
              + " update, delete, truncate'), or name another publication with"
              + " CdcOptions.withPublicationName");
    } finally {
      CdcReadIT.dropSlot(db, table);
      db.dropQuietly(table);
    }
  }

  /**
   * Snapshot then CDC, a {@code TRUNCATE} after the snapshot: replayed by position, the output is
   * the table (the snapshot rows are gone, the row inserted after the truncate is there).
   */
  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void aTruncateAfterTheSnapshotEmptiesTheReplayedTable(TestDatabase db, TestPipeline pipeline)
      throws Exception {
    String table = TestDatabase.uniqueName("handoff_truncate");
    db.execute("CREATE TABLE " + table + " (id BIGINT PRIMARY KEY, v VARCHAR(20) NOT NULL)");
    db.execute("INSERT INTO " + table + " VALUES (1, 'a'), (2, 'b'), (3, 'c')");
    StreamCollector events = new StreamCollector();
    PCollection<Row> output = pipeline.apply(HandoffReadIT.read(db, table));
    events.collect(output, ChangeReplica::render);
    PipelineResult result = CdcReadIT.start(pipeline);
    try {
      // the stream starts only after the snapshot: a change streamed means it is running
      CdcReadIT.awaitWhileRunning(result, () -> events.values().size() >= 3);
      db.execute("INSERT INTO " + table + " VALUES (4, 'd')");
      CdcReadIT.awaitWhileRunning(result,
          () -> events.values().stream().anyMatch(e -> e.startsWith("c|4|")));
      db.execute("TRUNCATE TABLE " + table, "INSERT INTO " + table + " VALUES (5, 'e')");
      CdcReadIT.awaitWhileRunning(result,
          () -> events.values().stream().anyMatch(e -> e.startsWith("c|5|")));
      Thread.sleep(1_000);
      List<String> ops = events.values().stream()
          .sorted(Comparator.comparing(e -> e.substring(e.lastIndexOf('|') + 1),
              PositionOrder.INSTANCE))
          .map(e -> e.substring(0, e.indexOf('|'))).toList();
      assertThat(ops).containsExactly("r", "r", "r", "c", "t", "c");
      ChangeReplica replica = ChangeReplica.replay(events.values());
      assertThat(replica.violations()).isEmpty();
      assertThat(replica.rows()).isEqualTo(Map.of(5L, "e"));
    } finally {
      result.cancel();
      events.clear();
      CdcReadIT.dropSlot(db, table);
      db.dropQuietly(table);
    }
  }
}
