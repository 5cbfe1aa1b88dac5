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
import org.apache.beam.sdk.Pipeline;
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
        "Render " + rows.getName(),
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
  void readsCompositeStringAndUuidKeysByBoundaryChunks(TestDatabase db, TestPipeline pipeline)
      throws Exception {
    String composite = TestDatabase.uniqueName("snap_comp");
    String strings = TestDatabase.uniqueName("snap_str");
    String uuids = TestDatabase.uniqueName("snap_uuid");
    db.execute(
        "CREATE TABLE " + composite + " (region VARCHAR(10), seq INT, v INT,"
            + " PRIMARY KEY (region, seq))",
        "CREATE TABLE " + strings + " (code VARCHAR(40) PRIMARY KEY)",
        "CREATE TABLE " + uuids + " (id " + (db.isPostgres() ? "UUID" : "UUID")
            + " PRIMARY KEY, n INT)");
    List<Object[]> compositeRows = new ArrayList<>();
    for (String region : List.of("", "eu", "eu-west", "us", "zz")) {
      for (int seq = -50; seq < 250; seq++) {
        compositeRows.add(new Object[] {region, seq, seq * 2});
      }
    }
    db.insert(composite, "region, seq, v", compositeRows);
    List<String> codes = new ArrayList<>();
    for (int i = 0; i < 1_000; i++) {
      codes.add(Integer.toString(i * 7_919, 36) + (i % 3 == 0 ? " x" : "-Ü"));
    }
    db.insert(strings, "code", codes.stream().map(c -> new Object[] {c}).toList());
    List<java.util.UUID> ids = new ArrayList<>();
    for (int i = 0; i < 700; i++) {
      ids.add(java.util.UUID.nameUUIDFromBytes(new byte[] {(byte) i, (byte) (i >> 8)}));
    }
    db.insert(uuids, "id, n", ids.stream()
        .map(u -> new Object[] {db.isPostgres() ? u : u.toString(), 1}).toList());

    SnapshotOptions chunks = SnapshotOptions.byPrimaryKey().withChunkSize(64);
    PCollection<Row> compositeOut =
        pipeline.apply("composite", read(db, composite).withSnapshot(chunks).withParallelism(3));
    PCollection<Row> stringOut =
        pipeline.apply("strings", read(db, strings).withSnapshot(chunks).withParallelism(4));
    PCollection<Row> uuidOut =
        pipeline.apply("uuids", read(db, uuids).withSnapshot(chunks).withParallelism(2));

    PAssert.that(render(compositeOut, "region", "seq", "v"))
        .containsInAnyOrder(compositeRows.stream().map(r -> r[0] + ":" + r[1] + ":" + r[2])
            .toList());
    PAssert.that(render(stringOut, "code")).containsInAnyOrder(codes);
    PAssert.that(render(uuidOut, "id"))
        .containsInAnyOrder(ids.stream().map(java.util.UUID::toString).toList());
    pipeline.run().waitUntilFinish();
    db.dropQuietly(composite);
    db.dropQuietly(strings);
    db.dropQuietly(uuids);
  }

  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void readsSkewedIntegralKeysByBoundaryChunks(TestDatabase db, TestPipeline pipeline)
      throws Exception {
    String table = TestDatabase.uniqueName("snap_skew");
    db.execute("CREATE TABLE " + table + " (id BIGINT PRIMARY KEY)");
    List<Long> ids = new ArrayList<>();
    LongStream.range(0, 1_000).forEach(ids::add); // dense cluster
    ids.add(1L << 50); // and two far outliers
    ids.add(Long.MAX_VALUE);
    db.insert(table, "id", ids.stream().map(id -> new Object[] {id}).toList());

    PCollection<Row> rows = pipeline.apply(read(db, table)
        .withSnapshot(SnapshotOptions.byPrimaryKey().withChunkSize(100).withBoundaryChunks()));

    PAssert.that(render(rows, "id")).containsInAnyOrder(ids.stream().map(String::valueOf)
        .toList());
    pipeline.run().waitUntilFinish();
    db.dropQuietly(table);
  }

  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void readsEmptyTables(TestDatabase db, TestPipeline pipeline) throws Exception {
    String keyed = TestDatabase.uniqueName("snap_empty");
    String strings = TestDatabase.uniqueName("snap_empty_str");
    db.execute("CREATE TABLE " + keyed + " (id INT PRIMARY KEY)",
        "CREATE TABLE " + strings + " (id VARCHAR(5) PRIMARY KEY)");

    PAssert.that(pipeline.apply("int", read(db, keyed))).empty();
    PAssert.that(pipeline.apply("string", read(db, strings))).empty();
    pipeline.run().waitUntilFinish();
    db.dropQuietly(keyed);
    db.dropQuietly(strings);
  }

  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void tablesWithoutPrimaryKey(TestDatabase db, TestPipeline pipeline) throws Exception {
    String table = TestDatabase.uniqueName("snap_nopk");
    db.execute("CREATE TABLE " + table + " (id INT, ref INT, note VARCHAR(20))",
        "CREATE UNIQUE INDEX " + table + "_ref ON " + table + " (ref)");
    List<Object[]> rows = new ArrayList<>();
    for (int i = 0; i < 2_000; i++) {
      rows.add(new Object[] {i, i % 9 == 0 ? null : i * 5 - 3_000, "n" + i});
    }
    db.insert(table, "id, ref, note", rows);
    List<String> expected = rows.stream().map(r -> r[0] + ":n" + r[0]).toList();

    PCollection<Row> bySplitColumn = pipeline.apply("split column",
        read(db, table).withSplitColumn("ref")
            .withSnapshot(SnapshotOptions.byPrimaryKey().withChunkSize(150)));
    PCollection<Row> single = pipeline.apply("single reader",
        read(db, table).withParallelism(1));
    PAssert.that(render(bySplitColumn, "id", "note")).containsInAnyOrder(expected);
    PAssert.that(render(single, "id", "note")).containsInAnyOrder(expected);
    if (db.isPostgres()) {
      // PostgreSQL splits keyless tables by ctid page ranges at any parallelism
      PCollection<Row> pages = pipeline.apply("pages", read(db, table).withParallelism(4)
          .withSnapshot(SnapshotOptions.byPrimaryKey().withChunkSize(100)));
      PAssert.that(render(pages, "id", "note")).containsInAnyOrder(expected);
    } else {
      assertThatThrownBy(() -> Pipeline.create().apply(read(db, table).withParallelism(4)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("has no primary key")
          .hasMessageContaining("withSplitColumn")
          .hasMessageContaining("withParallelism(1)");
    }
    pipeline.run().waitUntilFinish();
    db.dropQuietly(table);
  }

  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void readsNullSplitKeysOnceWhenTheTableFitsOneChunk(TestDatabase db, TestPipeline pipeline)
      throws Exception {
    String table = TestDatabase.uniqueName("snap_nullkeys");
    db.execute("CREATE TABLE " + table + " (id INT, code VARCHAR(20), ref INT, note VARCHAR(20))",
        "CREATE UNIQUE INDEX " + table + "_code ON " + table + " (code)",
        "CREATE UNIQUE INDEX " + table + "_ref ON " + table + " (ref)");
    List<Object[]> rows = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      boolean nullKey = i % 10 == 0;
      rows.add(new Object[] {i, nullKey ? null : "c" + i, nullKey ? null : i * 3, "n" + i});
    }
    db.insert(table, "id, code, ref, note", rows);
    List<String> expected = rows.stream().map(r -> r[0] + ":n" + r[0]).toList();

    // one chunk without bounds (the table is smaller than a chunk) plus the NULL-key split
    PCollection<Row> byString = pipeline.apply("string split column",
        read(db, table).withSplitColumn("code").withParallelism(2)
            .withSnapshot(SnapshotOptions.byPrimaryKey().withChunkSize(1_000)));
    PCollection<Row> byBoundaries = pipeline.apply("integer split column, boundary chunks",
        read(db, table).withSplitColumn("ref").withParallelism(2)
            .withSnapshot(SnapshotOptions.byPrimaryKey().withChunkSize(1_000)
                .withBoundaryChunks()));
    PCollection<Row> manyChunks = pipeline.apply("string split column, many chunks",
        read(db, table).withSplitColumn("code").withParallelism(2)
            .withSnapshot(SnapshotOptions.byPrimaryKey().withChunkSize(7)));
    PAssert.that(render(byString, "id", "note")).containsInAnyOrder(expected);
    PAssert.that(render(byBoundaries, "id", "note")).containsInAnyOrder(expected);
    PAssert.that(render(manyChunks, "id", "note")).containsInAnyOrder(expected);
    pipeline.run().waitUntilFinish();
    db.dropQuietly(table);
  }

  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void quotesHostileIdentifiers(TestDatabase db, TestPipeline pipeline) throws Exception {
    String base = TestDatabase.uniqueName("snap q");
    char q = db.isPostgres() ? '"' : '`';
    String name = base + " \"; DROP TABLE x; -- ü`'";
    String quoted = q + name.replace(String.valueOf(q), "" + q + q) + q;
    String column = "Odd \" col`";
    String quotedColumn = q + column.replace(String.valueOf(q), "" + q + q) + q;
    db.execute("CREATE TABLE " + quoted + " (" + quotedColumn + " INT PRIMARY KEY, "
        + q + "Ünï cödé" + q + " VARCHAR(10))");
    db.insert(quoted, quotedColumn + ", " + q + "Ünï cödé" + q,
        List.of(new Object[] {1, "a"}, new Object[] {2, "b"}));

    PCollection<Row> rows = pipeline.apply(read(db, quoted).withParallelism(2));

    PAssert.that(render(rows, column, "Ünï cödé")).containsInAnyOrder("1:a", "2:b");
    pipeline.run().waitUntilFinish();
    db.execute("DROP TABLE " + quoted);
  }

  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void readsThroughEveryDriverAndUrlForm(TestDatabase db, TestPipeline pipeline)
      throws Exception {
    String table = TestDatabase.uniqueName("snap_urls");
    db.execute("CREATE TABLE " + table + " (id INT PRIMARY KEY)");
    db.insert(table, "id", LongStream.range(0, 500).mapToObj(i -> new Object[] {(int) i})
        .toList());
    List<String> expected = LongStream.range(0, 500).mapToObj(String::valueOf).toList();
    // postgresql://user@host/db, and MySQL Connector/J (which streams with Integer.MIN_VALUE)
    String url = db.isPostgres()
        ? db.url().replace("jdbc:postgresql://", "postgresql://" + db.user() + "@")
        : db.url().replace("jdbc:mariadb:", "jdbc:mysql:")
            + "?useSSL=false&allowPublicKeyRetrieval=true";
    ConnectionConfiguration config = ConnectionConfiguration.create(url);
    if (!db.isPostgres()) {
      config = config.withUsername(db.user()).withPassword(db.password());
    }
    PCollection<Row> rows = pipeline.apply(HeliosDbIO.read().withConnection(config)
        .withTable(table).withSnapshot(SnapshotOptions.byPrimaryKey().withChunkSize(70)));
    PAssert.that(render(rows, "id")).containsInAnyOrder(expected);
    pipeline.run().waitUntilFinish();
    db.dropQuietly(table);
  }

  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void failsAtConstructionForMissingTableAndColumn(TestDatabase db) throws Exception {
    assertThatThrownBy(() -> Pipeline.create().apply(read(db, "no_such_table_anywhere")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no_such_table_anywhere")
        .hasMessageContaining("does not exist");
    String table = TestDatabase.uniqueName("snap_err");
    db.execute("CREATE TABLE " + table + " (id INT PRIMARY KEY, plain INT)");
    assertThatThrownBy(() -> Pipeline.create().apply(read(db, table).withSplitColumn("plain")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("withSplitColumn(\"plain\")")
        .hasMessageContaining("has no unique index");
    assertThatThrownBy(
            () -> Pipeline.create().apply(read(db, table).withSplitColumn("no_such_column")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("withSplitColumn(\"no_such_column\")")
        .hasMessageContaining(table);
    db.dropQuietly(table);
  }

  static List<String> sorted(Iterable<String> values) {
    return StreamSupport.stream(values.spliterator(), false).sorted().collect(Collectors.toList());
  }

  static void assertNonEmpty(List<?> list) {
    assertThat(list).isNotEmpty();
  }
}
