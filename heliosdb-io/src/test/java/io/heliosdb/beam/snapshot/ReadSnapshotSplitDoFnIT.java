package io.heliosdb.beam.snapshot;

import io.heliosdb.beam.schema.TypeOptions;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.heliosdb.beam.HeliosDbException;
import io.heliosdb.beam.dialect.Dialect;
import io.heliosdb.beam.dialect.ExportedSnapshot;
import io.heliosdb.beam.dialect.Dialects;
import io.heliosdb.beam.schema.TableMetadata;
import io.heliosdb.beam.testing.TestDatabase;
import io.heliosdb.beam.testing.TestDatabases;
import java.sql.Connection;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.IntStream;
import org.apache.beam.sdk.io.range.OffsetRange;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.splittabledofn.SplitResult;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.transforms.windowing.PaneInfo;
import org.apache.beam.sdk.values.OutputBuilder;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.WindowedValues;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ArgumentsSource;

/**
 * Drives {@link ReadSnapshotSplitDoFn} directly with its real tracker, splitting it at random
 * moments and fractions as runner checkpoints and dynamic rebalancing do, and resuming every
 * residual: every row of the table must come out exactly once.
 */
class ReadSnapshotSplitDoFnIT {

  static SnapshotSpec spec(TestDatabase db, String table, String splitColumn, boolean boundaries,
      int chunkSize, int parallelism) throws Exception {
    Dialect dialect = Dialects.forJdbcUrl(db.url(), db.url());
    try (Connection connection = db.connect()) {
      TableMetadata metadata =
          dialect.describeTable(connection, dialect.resolveTable(connection, table));
      return SnapshotSpec.create(db.connectionConfiguration(), dialect, metadata, splitColumn,
          boundaries, chunkSize, 1_000, parallelism, 7, true, TypeOptions.DEFAULT);
    }
  }

  /**
   * Plans, then reads every split with random splits, through the batch-emitting reader for even
   * seeds and the row-emitting one for odd seeds; returns the count of each id read.
   */
  static Map<Object, Integer> readWithRandomSplits(SnapshotSpec spec, long seed) {
    return seed % 2 == 0
        ? readWithRandomSplits(spec, new ReadSnapshotSplitDoFn.Batches(spec), seed, b -> b)
        : readWithRandomSplits(spec, new ReadSnapshotSplitDoFn.Rows(spec), seed, r -> List.of(r));
  }

  static <T> Map<Object, Integer> readWithRandomSplits(
      SnapshotSpec spec, ReadSnapshotSplitDoFn<T> reader, long seed,
      Function<T, List<Row>> rowsOf) {
    List<SnapshotSplit> splits = plan(spec);
    reader.setup();
    Random random = new Random(seed);
    Map<Object, Integer> seen = new HashMap<>();
    int checkpoints = 0;
    for (SnapshotSplit split : splits) {
      Deque<OffsetRange> work = new ArrayDeque<>(List.of(reader.initialRestriction(split)));
      while (!work.isEmpty()) {
        BlockRangeTracker tracker = reader.newTracker(work.pop());
        List<T> outputs = new ArrayList<>();
        CollectingReceiver<T> out = new CollectingReceiver<>(outputs);
        out.afterOutput =
            () -> {
              if (random.nextInt(4) == 0) {
                // a checkpoint (fraction 0) or a dynamic split of the remainder
                double fraction = random.nextBoolean() ? 0 : random.nextDouble();
                SplitResult<OffsetRange> result = tracker.trySplit(fraction);
                if (result != null) {
                  work.push(result.getResidual());
                }
              }
            };
        reader.process(split, tracker, out);
        tracker.checkDone();
        if (!work.isEmpty()) {
          checkpoints++;
        }
        for (T output : outputs) {
          for (Row row : rowsOf.apply(output)) {
            seen.merge(row.getValue(0), 1, Integer::sum);
          }
        }
      }
    }
    reader.teardown();
    splits.stream().map(SnapshotSplit::exportedSnapshot).filter(Objects::nonNull)
        .forEach(ExportedSnapshots::release);
    assertThat(checkpoints).as("the test must actually split").isGreaterThan(3);
    return seen;
  }

  /** The splits the planner makes when the pipeline runs. */
  static List<SnapshotSplit> plan(SnapshotSpec spec) {
    PlanSnapshotFn planner = new PlanSnapshotFn(spec);
    planner.setup();
    List<SnapshotSplit> splits = new ArrayList<>();
    planner.process(new CollectingReceiver<>(splits));
    planner.teardown();
    return splits;
  }

  static void assertEachOnce(Map<Object, Integer> seen, List<?> expectedIds) {
    assertThat(seen.keySet()).containsExactlyInAnyOrderElementsOf(expectedIds);
    assertThat(seen.values()).allMatch(count -> count == 1, "each row exactly once");
  }

  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void integralKeyRangesEmitEachRowOnceAcrossRandomSplits(TestDatabase db) throws Exception {
    String table = TestDatabase.uniqueName("dofn_int");
    db.execute("CREATE TABLE " + table + " (id BIGINT PRIMARY KEY, v INT)");
    List<Long> ids = new ArrayList<>(List.of(Long.MIN_VALUE, -5L, Long.MAX_VALUE));
    IntStream.range(0, 1_500).forEach(i -> ids.add(i * 13L + (i % 7)));
    db.insert(table, "id, v", ids.stream().map(id -> new Object[] {id, 1}).toList());

    for (long seed = 1; seed <= 3; seed++) {
      assertEachOnce(readWithRandomSplits(spec(db, table, null, false, 64, 3), seed), ids);
    }
    db.dropQuietly(table);
  }

  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void chunkBoundariesEmitEachRowOnceAcrossRandomSplits(TestDatabase db) throws Exception {
    String table = TestDatabase.uniqueName("dofn_str");
    db.execute("CREATE TABLE " + table + " (code VARCHAR(20) PRIMARY KEY, v INT)");
    List<String> codes = IntStream.range(0, 1_200).mapToObj(i -> "k" + (i * 7919 % 1_200))
        .toList();
    db.insert(table, "code, v", codes.stream().map(c -> new Object[] {c, 1}).toList());

    for (long seed = 1; seed <= 3; seed++) {
      assertEachOnce(readWithRandomSplits(spec(db, table, null, false, 50, 2), seed), codes);
    }
    db.dropQuietly(table);
  }

  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void nullableSplitColumnReadsNullKeysOnce(TestDatabase db) throws Exception {
    String table = TestDatabase.uniqueName("dofn_null");
    db.execute("CREATE TABLE " + table + " (id INT, ref INT UNIQUE)");
    List<Integer> ids = IntStream.range(0, 800).boxed().toList();
    db.insert(table, "id, ref",
        ids.stream().map(i -> new Object[] {i, i % 10 == 0 ? null : i * 3}).toList());

    assertEachOnce(readWithRandomSplits(spec(db, table, "ref", false, 40, 3), 7), ids);
    assertEachOnce(readWithRandomSplits(spec(db, table, "ref", true, 40, 3), 8), ids);
    db.dropQuietly(table);
  }

  @org.junit.jupiter.api.Test
  void postgresTableWithoutKeyIsReadByPageRangesOnce() throws Exception {
    TestDatabase db = TestDatabases.get(io.heliosdb.beam.testing.DatabaseKind.POSTGRES);
    String table = TestDatabase.uniqueName("dofn_pages");
    db.execute("CREATE TABLE " + table + " (id INT, payload TEXT)");
    List<Integer> ids = IntStream.range(0, 6_000).boxed().toList();
    db.insert(table, "id, payload",
        ids.stream().map(i -> new Object[] {i, "row " + i + " ".repeat(i % 50)}).toList());
    db.execute("ANALYZE " + table);

    SnapshotSpec spec = spec(db, table, null, false, 300, 4);
    assertThat(spec.strategy()).isEqualTo(SplitStrategy.PAGE_RANGES);
    Set<String> heldBefore = ExportedSnapshots.held();
    assertEachOnce(readWithRandomSplits(spec, 11), ids);
    assertThat(ExportedSnapshots.held()).as("snapshots still exported").isEqualTo(heldBefore);
    db.dropQuietly(table);
  }

  @org.junit.jupiter.api.Test
  void pageReadsStopWithAClearErrorOnceTheirSnapshotIsGone() throws Exception {
    TestDatabase db = TestDatabases.get(io.heliosdb.beam.testing.DatabaseKind.POSTGRES);
    String table = TestDatabase.uniqueName("dofn_gone");
    db.execute("CREATE TABLE " + table + " (id INT)",
        "INSERT INTO " + table + " SELECT g FROM generate_series(1, 1000) g");
    SnapshotSpec spec = spec(db, table, null, false, 300, 2);
    List<SnapshotSplit> splits = plan(spec);
    ExportedSnapshot snapshot = splits.get(0).exportedSnapshot();
    assertThat(splits).allMatch(split -> snapshot.equals(split.exportedSnapshot()));
    assertThat(exporterAlive(db, snapshot)).isTrue();

    // ended from another connection, as the last step does when the exporter is in another JVM
    try (Connection connection = db.connect()) {
      assertThat(spec.dialect().snapshotExport().endExporter(connection, snapshot)).isTrue();
      // the server ends the session after the signal: ending it again then does nothing
      for (int i = 0; i < 50 && exporterAlive(db, snapshot); i++) {
        Thread.sleep(100);
      }
      assertThat(exporterAlive(db, snapshot)).isFalse();
      assertThat(spec.dialect().snapshotExport().endExporter(connection, snapshot)).isFalse();
    }

    ReadSnapshotSplitDoFn.Batches reader = new ReadSnapshotSplitDoFn.Batches(spec);
    reader.setup();
    SnapshotSplit split = splits.get(0);
    List<List<Row>> outputs = new ArrayList<>();
    assertThatThrownBy(() -> reader.process(
            split, reader.newTracker(split.range()), new CollectingReceiver<>(outputs)))
        .isInstanceOf(HeliosDbException.class)
        .hasMessageContaining(spec.label())
        .hasMessageContaining(snapshot.id() + ", exported by database session "
            + snapshot.exporterPid() + "; that snapshot no longer exists")
        .hasMessageContaining("run the pipeline again")
        .hasMessageContaining("invalid snapshot identifier");
    reader.teardown();
    assertThat(outputs).isEmpty();
    assertThat(ExportedSnapshots.release(snapshot)).isTrue();
    db.dropQuietly(table);
  }

  @org.junit.jupiter.api.Test
  void anExportedSnapshotWithoutReadersEndsByItself() throws Exception {
    TestDatabase db = TestDatabases.get(io.heliosdb.beam.testing.DatabaseKind.POSTGRES);
    String table = TestDatabase.uniqueName("dofn_idle");
    db.execute("CREATE TABLE " + table + " (id INT)");
    SnapshotSpec spec = spec(db, table, null, false, 300, 2);
    java.time.Duration interval = ExportedSnapshots.checkInterval;
    java.time.Duration idle = ExportedSnapshots.maxIdle;
    ExportedSnapshots.checkInterval = java.time.Duration.ofMillis(200);
    ExportedSnapshots.maxIdle = java.time.Duration.ofSeconds(2);
    try {
      ExportedSnapshot snapshot = plan(spec).get(0).exportedSnapshot();
      assertThat(ExportedSnapshots.held()).contains(snapshot.id());
      long deadline = System.currentTimeMillis() + 20_000;
      while (exporterAlive(db, snapshot) && System.currentTimeMillis() < deadline) {
        Thread.sleep(100);
      }
      assertThat(exporterAlive(db, snapshot)).as("exporting session open after idling").isFalse();
      assertThat(ExportedSnapshots.held()).doesNotContain(snapshot.id());
    } finally {
      ExportedSnapshots.checkInterval = interval;
      ExportedSnapshots.maxIdle = idle;
    }
    db.dropQuietly(table);
  }

  /** Whether the session that exported {@code snapshot} is still connected. */
  static boolean exporterAlive(TestDatabase db, ExportedSnapshot snapshot) throws Exception {
    try (Connection connection = db.connect();
        java.sql.PreparedStatement statement = connection.prepareStatement(
            "SELECT 1 FROM pg_stat_activity WHERE pid = ?")) {
      statement.setInt(1, snapshot.exporterPid());
      try (java.sql.ResultSet rs = statement.executeQuery()) {
        return rs.next();
      }
    }
  }

  /** Collects outputs, running a hook after each, as a runner's checkpoint timer might. */
  static final class CollectingReceiver<T> implements DoFn.OutputReceiver<T> {
    private final List<T> sink;
    Runnable afterOutput = () -> {};

    CollectingReceiver(List<T> sink) {
      this.sink = sink;
    }

    @Override
    public OutputBuilder<T> builder(T value) {
      return WindowedValues.<T>builder()
          .setValue(value)
          .setWindow(GlobalWindow.INSTANCE)
          .setPaneInfo(PaneInfo.NO_FIRING)
          .setTimestamp(BoundedWindow.TIMESTAMP_MIN_VALUE)
          .setReceiver(
              windowed -> {
                sink.add(windowed.getValue());
                afterOutput.run();
              });
    }
  }
}
