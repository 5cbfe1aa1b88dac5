package io.heliosdb.beam;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.heliosdb.beam.testing.TestDatabase;
import io.heliosdb.beam.testing.TestDatabases;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import java.util.stream.StreamSupport;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.transforms.Count;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ArgumentsSource;

/** Snapshot reads of real PostgreSQL and MariaDB tables through the Direct runner. */
@ExtendWith(TestPipelineExtension.class)
class SnapshotReadIT {

  /** Renders rows as {@code id:value} strings, so outputs compare as multisets. */
  static PCollection<String> render(PCollection<Row> rows, String... fields) {
    return rows.apply(
        MapElements.into(TypeDescriptors.strings())
            .via(
                row -> {
                  List<String> values = new ArrayList<>();
                  for (String field : fields) {
                    values.add(String.valueOf((Object) row.getValue(field)));
                  }
                  return String.join(":", values);
                }));
  }

  static HeliosDbIO.Read read(TestDatabase db, String table) {
    return HeliosDbIO.read().withConnection(db.connectionConfiguration()).withTable(table);
  }

  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void readsEveryRowOnceWithGapsNegativeAndExtremeKeys(TestDatabase db, TestPipeline pipeline)
      throws Exception {
    String table = TestDatabase.uniqueName("snap_keys");
    db.execute("CREATE TABLE " + table + " (id BIGINT PRIMARY KEY, v VARCHAR(30))");
    List<Long> ids = new ArrayList<>(List.of(Long.MIN_VALUE, Long.MIN_VALUE + 1, -1_000_000L,
        -1L, 0L, 1L, 1L << 40, Long.MAX_VALUE - 1, Long.MAX_VALUE));
    LongStream.range(100, 2_100).map(i -> i * 7).forEach(ids::add); // gaps
    db.insert(table, "id, v", ids.stream().map(id -> new Object[] {id, "v" + id}).toList());

    PCollection<Row> rows =
        pipeline.apply(
            read(db, table)
                .withSnapshot(SnapshotOptions.byPrimaryKey().withChunkSize(100))
                .withParallelism(4));

    PAssert.that(render(rows, "id", "v"))
        .containsInAnyOrder(ids.stream().map(id -> id + ":v" + id).toList());
    pipeline.run().waitUntilFinish();
    db.dropQuietly(table);
  }

  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void resumesAfterFrequentCheckpointsWithoutLossOrDuplicates(
      TestDatabase db, TestPipeline pipeline) throws Exception {
    String table = TestDatabase.uniqueName("snap_resume");
    db.execute("CREATE TABLE " + table + " (id INT PRIMARY KEY, v INT NOT NULL)");
    int count = 3_000;
    db.insert(table, "id, v",
        LongStream.range(0, count).mapToObj(i -> new Object[] {(int) i * 3, (int) i}).toList());

    // one row per output: the Direct runner checkpoints the reader every 100 rows
    PCollection<Row> rows =
        pipeline.apply(
            read(db, table)
                .withSnapshot(SnapshotOptions.byPrimaryKey().withChunkSize(250))
                .withParallelism(3)
                .withOutputBatchSize(1));

    PAssert.that(render(rows, "id"))
        .containsInAnyOrder(
            LongStream.range(0, count).mapToObj(i -> String.valueOf(i * 3)).toList());
    PAssert.thatSingleton(rows.apply(Count.globally())).isEqualTo((long) count);
    pipeline.run().waitUntilFinish();
    db.dropQuietly(table);
  }

  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void failsAtConstructionForMissingTable(TestDatabase db, TestPipeline pipeline) {
    assertThatThrownBy(() -> pipeline.apply(read(db, "no_such_table_anywhere")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no_such_table_anywhere")
        .hasMessageContaining("does not exist");
    pipeline.enableAbandonedNodeEnforcement(false);
  }

  static List<String> sorted(Iterable<String> values) {
    return StreamSupport.stream(values.spliterator(), false).sorted().collect(Collectors.toList());
  }

  static void assertNonEmpty(List<?> list) {
    assertThat(list).isNotEmpty();
  }
}
