package io.heliosdb.beam;

import static org.assertj.core.api.Assertions.assertThat;

import io.heliosdb.beam.cdc.PositionOrder;
import io.heliosdb.beam.testing.ChangeReplica;
import io.heliosdb.beam.testing.StreamCollector;
import io.heliosdb.beam.testing.TableWriters;
import io.heliosdb.beam.testing.TestDatabase;
import io.heliosdb.beam.testing.TestDatabases;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ArgumentsSource;

/**
 * The {@code order_key} of real output on the Direct runner, PostgreSQL and MariaDB: a change
 * stream and a snapshot then CDC, written to by concurrent transactions, sorted by {@code
 * order_key} as plain text and nothing else, replay to the table; that order is {@link
 * PositionOrder}'s, and the database's own {@code ORDER BY} on the keys gives it too.
 */
@ExtendWith(TestPipelineExtension.class)
class OrderKeyIT {
  private static final long ROWS = 20_000;
  /** A key no writer touches, inserted last: once its change arrives, everything before it has. */
  private static final long MARKER = -999_999_999L;

  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void aChangeStreamSortedByOrderKeyReplaysToTheTable(TestDatabase db, TestPipeline pipeline)
      throws Exception {
    String table = TestDatabase.uniqueName("so_order_cdc");
    db.execute("CREATE TABLE " + table + " (id BIGINT PRIMARY KEY, v VARCHAR(40) NOT NULL)");
    if (db.isPostgres()) {
      db.execute("ALTER TABLE " + table + " REPLICA IDENTITY FULL");
    }
    StreamCollector events = new StreamCollector();
    try {
      CdcOptions options = CdcReadIT.cdc(db, table);
      events.collect(pipeline.apply(CdcReadIT.read(db, table, options)),
          ChangeReplica::renderWithOrderKey);
      PipelineResult result = CdcReadIT.start(pipeline);
      try {
        // the rows the writers change, inserted while the stream runs: it sees every one
        db.execute(db.isPostgres()
            ? "INSERT INTO " + table + " SELECT g, 'v' || g FROM generate_series(0, "
                + (ROWS - 1) + ") g"
            : "INSERT INTO " + table + " SELECT seq, CONCAT('v', seq) FROM seq_0_to_"
                + (ROWS - 1));
        CdcReadIT.awaitWhileRunning(result, () -> events.values().size() >= ROWS);
        try (TableWriters writers = new TableWriters(db, table, ROWS, 2, 0)) {
          Thread.sleep(3_000);
          stop(db, writers);
        }
        checkReplayByOrderKey(db, table, result, events);
      } finally {
        result.cancel();
      }
    } finally {
      cleanUp(db, table, events);
    }
  }

  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void aSnapshotThenCdcSortedByOrderKeyReplaysToTheTable(TestDatabase db, TestPipeline pipeline)
      throws Exception {
    String table = TestDatabase.uniqueName("so_order_handoff");
    TableWriters.createTable(db, table, ROWS);
    StreamCollector events = new StreamCollector();
    try (TableWriters writers = new TableWriters(db, table, ROWS, 2, 0)) {
      Thread.sleep(500); // writing before the snapshot starts, and throughout
      events.collect(pipeline.apply(HandoffReadIT.read(db, table)),
          ChangeReplica::renderWithOrderKey);
      PipelineResult result = CdcReadIT.start(pipeline);
      try {
        // the stream starts only after the last chunk: changes streamed mean the snapshot is done
        CdcReadIT.awaitWhileRunning(result,
            () -> events.values().stream().filter(e -> !e.startsWith("r|")).count() >= 300);
        Thread.sleep(2_000);
        stop(db, writers);
        checkReplayByOrderKey(db, table, result, events);
        List<String> reads = events.values().stream().filter(e -> e.startsWith("r|")).toList();
        assertThat(reads).isNotEmpty().allMatch(e -> !e.endsWith("|null"));
      } finally {
        result.cancel();
      }
    } finally {
      cleanUp(db, table, events);
    }
  }

  private static void cleanUp(TestDatabase db, String table, StreamCollector events) {
    events.clear();
    CdcReadIT.dropSlot(db, table);
    db.dropQuietly(table);
  }

  private static void stop(TestDatabase db, TableWriters writers) {
    writers.close();
    assertThat(writers.transactions()).isPositive();
    System.out.printf("[%s] writers: %d transactions, %d rolled back%n", db,
        writers.transactions(), writers.rolledBack());
  }

  /**
   * Once the writers stopped, inserts a marker and waits for it; checks the output replayed by
   * {@code order_key} against the table, {@code PositionOrder} and the database's {@code ORDER
   * BY}.
   */
  private static void checkReplayByOrderKey(TestDatabase db, String table, PipelineResult result,
      StreamCollector events) throws Exception {
    db.execute("INSERT INTO " + table + " VALUES (" + MARKER + ", 'marker')");
    CdcReadIT.awaitWhileRunning(
        result, () -> events.values().stream().anyMatch(e -> e.startsWith("c|" + MARKER + "|")));
    events.awaitQuiet(2_000, 30_000); // anything later or repeated would arrive by now

    List<String> output = events.values();
    assertThat(events.duplicates()).isEmpty();
    ChangeReplica replica = ChangeReplica.replayByOrderKey(output);
    System.out.printf("[%s] %d snapshot rows, %d changes replayed by order_key%n", db,
        replica.snapshotRows(), replica.changes());
    assertThat(replica.violations()).isEmpty();
    assertThat(replica.rows()).isEqualTo(TableWriters.contents(db, table));

    // by order_key as text: PositionOrder's order, and changes never share a key
    List<String[]> sorted = new ArrayList<>();
    output.forEach(line -> sorted.add(line.split("\\|", 6)));
    sorted.sort(Comparator.comparing(e -> e[5]));
    for (int i = 1; i < sorted.size(); i++) {
      String[] before = sorted.get(i - 1);
      String[] after = sorted.get(i);
      int byPosition = PositionOrder.INSTANCE.compare(before[4], after[4]);
      if (before[5].equals(after[5])) {
        assertThat(byPosition).as("%s and %s", before[4], after[4]).isZero();
        assertThat(before[0]).as("a key shared by changes: %s", before[5]).isEqualTo("r");
      } else {
        assertThat(byPosition).as("%s before %s", before[4], after[4]).isNegative();
      }
    }
    assertThat(orderedByTheDatabase(db, sorted.stream().map(e -> e[5]).toList()))
        .isEqualTo(new ArrayList<>(new TreeSet<>(sorted.stream().map(e -> e[5]).toList())));
  }

  /** The distinct keys as the database orders them: stored in a table, {@code ORDER BY}. */
  private static List<String> orderedByTheDatabase(TestDatabase db, List<String> keys)
      throws Exception {
    String keyTable = TestDatabase.uniqueName("so_order_keys");
    db.execute("CREATE TABLE " + keyTable + " (order_key VARCHAR(40) PRIMARY KEY)");
    try (Connection connection = db.connect()) {
      try (PreparedStatement insert =
          connection.prepareStatement("INSERT INTO " + keyTable + " VALUES (?)")) {
        for (String key : new TreeSet<>(keys)) {
          insert.setString(1, key);
          insert.addBatch();
        }
        insert.executeBatch();
      }
      List<String> ordered = new ArrayList<>();
      try (PreparedStatement select = connection.prepareStatement(
              "SELECT order_key FROM " + keyTable + " ORDER BY order_key");
          ResultSet rows = select.executeQuery()) {
        while (rows.next()) {
          ordered.add(rows.getString(1));
        }
      }
      return ordered;
    } finally {
      db.dropQuietly(keyTable);
    }
  }
}
