package io.heliosdb.beam;

import static io.heliosdb.beam.IncrementalReadIT.fastPolls;
import static io.heliosdb.beam.IncrementalReadIT.incremental;
import static io.heliosdb.beam.IncrementalReadIT.now;
import static io.heliosdb.beam.IncrementalReadIT.start;
import static io.heliosdb.beam.SnapshotReadIT.read;
import static io.heliosdb.beam.SnapshotReadIT.render;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.heliosdb.beam.testing.StreamCollector;
import io.heliosdb.beam.testing.TestDatabase;
import io.heliosdb.beam.testing.TestDatabases;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.transforms.Count;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionRowTuple;
import org.apache.beam.sdk.values.Row;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ArgumentsSource;

/**
 * Reading part of a table ({@code withColumns}, {@code withRowFilter}) on real PostgreSQL and
 * MariaDB: projected schemas and values, filtered rows exactly once across many chunks and
 * checkpoints, incremental polls with a filter, and the errors of bad columns, bad filters and
 * CDC modes when the pipeline is built.
 */
@ExtendWith(TestPipelineExtension.class)
class TablePartReadIT {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final List<String> REGIONS = List.of("eu", "us", "apac");

  /** {@code orders(id BIGINT key, region, amount, note)}: region cycles, amount is id % 500. */
  private static List<Object[]> orders(TestDatabase db, String table, String key, int count)
      throws Exception {
    db.execute("CREATE TABLE " + table + " (id BIGINT" + key + ", region VARCHAR(10) NOT NULL,"
        + " amount DECIMAL(10, 2) NOT NULL, note VARCHAR(40))");
    List<Object[]> rows = IntStream.range(0, count)
        .mapToObj(i -> new Object[] {(long) i * 3 - 900, REGIONS.get(i % 3),
            BigDecimal.valueOf(i % 500).setScale(2), "n" + i})
        .toList();
    db.insert(table, "id, region, amount, note", rows);
    return rows;
  }

  /** The rows of region "eu" with an amount over 100, rendered as note:amount. */
  private static List<String> euOver100(List<Object[]> rows) {
    return rows.stream()
        .filter(r -> r[1].equals("eu") && ((BigDecimal) r[2]).compareTo(BigDecimal.valueOf(100)) > 0)
        .map(r -> r[3] + ":" + r[2])
        .toList();
  }

  private static final RowFilter EU_OVER_100 =
      RowFilter.of("region = ? AND amount > ?", "eu", new BigDecimal("100"));

  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void projectsAndFiltersKeyRangesWithoutTheKeyExactlyOnce(TestDatabase db, TestPipeline pipeline)
      throws Exception {
    String table = TestDatabase.uniqueName("part_keys");
    List<Object[]> rows = orders(db, table, " PRIMARY KEY", 6_000);
    List<String> expected = euOver100(rows);

    // one row per output: the Direct runner checkpoints each reader every 100 rows
    PCollection<Row> out = pipeline.apply(read(db, table)
        .withColumns("note", "amount")
        .withRowFilter(EU_OVER_100)
        .withSnapshot(SnapshotOptions.byPrimaryKey().withChunkSize(97))
        .withParallelism(4)
        .withOutputBatchSize(1));

    assertThat(out.getSchema().getFieldNames()).containsExactly("note", "amount");
    PAssert.that(render(out, "note", "amount")).containsInAnyOrder(expected);
    PAssert.thatSingleton(out.apply(Count.globally())).isEqualTo((long) expected.size());
    pipeline.run().waitUntilFinish();
    db.dropQuietly(table);
  }

  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void projectsAndFiltersCompositeAndKeylessTables(TestDatabase db, TestPipeline pipeline)
      throws Exception {
    String composite = TestDatabase.uniqueName("part_comp");
    String keyless = TestDatabase.uniqueName("part_nokey");
    db.execute("CREATE TABLE " + composite + " (region VARCHAR(10), seq INT, amount INT,"
        + " note VARCHAR(20), PRIMARY KEY (region, seq))");
    List<String> expectedComposite = new ArrayList<>();
    List<Object[]> compositeRows = new ArrayList<>();
    for (String region : REGIONS) {
      for (int seq = 0; seq < 700; seq++) {
        compositeRows.add(new Object[] {region, seq, seq % 50, "c" + seq});
        if (!region.equals("us") && seq % 50 >= 40) {
          expectedComposite.add(seq + ":" + region);
        }
      }
    }
    db.insert(composite, "region, seq, amount, note", compositeRows);
    List<Object[]> keylessRows = orders(db, keyless, "", 4_000);

    PCollection<Row> compositeOut = pipeline.apply("composite", read(db, composite)
        .withColumns("seq", "region")
        .withRowFilter("region <> ? AND amount >= ?", "us", 40)
        .withSnapshot(SnapshotOptions.byPrimaryKey().withChunkSize(64))
        .withParallelism(3));
    // PostgreSQL reads a keyless table by page ranges; MariaDB by one reader
    PCollection<Row> keylessOut = pipeline.apply("keyless", read(db, keyless)
        .withColumns("note", "amount")
        .withRowFilter(EU_OVER_100)
        .withSnapshot(SnapshotOptions.byPrimaryKey().withChunkSize(200))
        .withParallelism(db.isPostgres() ? 3 : 1));

    assertThat(compositeOut.getSchema().getFieldNames()).containsExactly("seq", "region");
    PAssert.that(render(compositeOut, "seq", "region")).containsInAnyOrder(expectedComposite);
    assertThat(keylessOut.getSchema().getFieldNames()).containsExactly("note", "amount");
    PAssert.that(render(keylessOut, "note", "amount")).containsInAnyOrder(euOver100(keylessRows));
    pipeline.run().waitUntilFinish();
    db.dropQuietly(composite);
    db.dropQuietly(keyless);
  }

  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void readsPartsOfEachTableOfASet(TestDatabase db, TestPipeline pipeline) throws Exception {
    String ns = ReadTablesIT.createNamespace(db);
    try {
      List<Object[]> a = orders(db, ns + ".a", " PRIMARY KEY", 2_000);
      List<Object[]> b = orders(db, ns + ".b", " PRIMARY KEY", 1_000);

      PCollectionRowTuple tables = pipeline.apply(ReadTablesIT.readTables(db)
          .withNamespace(ns)
          .withColumns(ns + ".a", "note", "amount")
          .withRowFilter(ns + ".a", EU_OVER_100)
          .withSnapshot(SnapshotOptions.byPrimaryKey().withChunkSize(100))
          .withParallelism(3));

      PCollection<Row> outA = tables.get(ns + ".a");
      PCollection<Row> outB = tables.get(ns + ".b");
      assertThat(outA.getSchema().getFieldNames()).containsExactly("note", "amount");
      assertThat(outB.getSchema().getFieldNames())
          .containsExactly("id", "region", "amount", "note");
      PAssert.that(render(outA, "note", "amount")).containsInAnyOrder(euOver100(a));
      PAssert.thatSingleton(outB.apply(Count.globally())).isEqualTo((long) b.size());
      pipeline.run().waitUntilFinish();
    } finally {
      ReadTablesIT.dropNamespace(db, ns);
    }
  }

  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void pollsOnlyMatchingRowsAndRowsThatLaterMatchWhenTheirTrackingValueMoves(
      TestDatabase db, TestPipeline pipeline) throws Exception {
    String table = IncrementalReadIT.createTable(db, "part_inc", IncrementalReadIT.timestampType(db));
    // v: even rows match the filter, odd ones do not
    IncrementalReadIT.insert(db, table, 0, 40);
    StreamCollector collector = new StreamCollector();
    PCollection<Row> out = pipeline.apply(incremental(db, table, fastPolls(500))
        .withColumns("v")
        .withRowFilter("MOD(v, ?) = ?", 2, 0)
        .withOutputBatchSize(3));
    assertThat(out.getSchema().getFieldNames()).containsExactly("v");
    collector.collectRows(out, "v");
    PipelineResult result = start(pipeline);
    try {
      List<String> want = new ArrayList<>(
          IntStream.range(0, 40).filter(i -> i % 2 == 0).mapToObj(String::valueOf).toList());
      await().atMost(WAIT).until(() -> collector.values().size() >= want.size());
      IncrementalReadIT.insert(db, table, 40, 60);
      IntStream.range(40, 60).filter(i -> i % 2 == 0).mapToObj(String::valueOf).forEach(want::add);
      // odd rows 1 and 3 come to match as their tracking value moves; row 5 matches without
      db.execute(
          "UPDATE " + table + " SET v = v + 1001, updated_at = " + now(db) + " WHERE id IN (1, 3)",
          "UPDATE " + table + " SET v = v + 1001 WHERE id = 5");
      want.add("1002");
      want.add("1004");
      await().atMost(WAIT).until(() -> collector.values().size() >= want.size());
      Thread.sleep(2_500); // a few more polls: nothing more may arrive
      assertThat(collector.duplicates()).isEmpty();
      assertThat(collector.values()).containsExactlyInAnyOrderElementsOf(want);
    } finally {
      result.cancel();
      db.dropQuietly(table);
    }
  }

  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void refusesUnknownColumnsBadFiltersAndCdcModesWhenBuilt(TestDatabase db)
      throws Exception {
    String table = TestDatabase.uniqueName("part_bad");
    db.execute("CREATE TABLE " + table + " (id BIGINT PRIMARY KEY, region VARCHAR(10),"
        + " updated_at " + IncrementalReadIT.timestampType(db) + " NOT NULL)");
    try {
      assertThatThrownBy(() -> Pipeline.create().apply(read(db, table).withColumns("id", "regoin")))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("withColumns([id, regoin])")
          .hasMessageContaining("has no column regoin")
          .hasMessageContaining(table)
          .hasMessageContaining("[id, region, updated_at]");
      assertThatThrownBy(() -> Pipeline.create().apply(incremental(db, table, fastPolls(0))
              .withColumns("Region")))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("has no column Region");
      assertThatThrownBy(() -> Pipeline.create().apply(read(db, table)
              .withRowFilter("regoin = ?", "eu")))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("withRowFilter(\"regoin = ?\"): the database rejects it on table")
          .hasMessageContaining("regoin");
      if (db.isPostgres()) { // MariaDB converts 'x' to a number, with a warning
        assertThatThrownBy(() -> Pipeline.create().apply(incremental(db, table, fastPolls(0))
                .withRowFilter("region = ? AND id = ?", "eu", "x")))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("the database rejects it");
      }
      CdcOptions cdc = CdcOptions.create().withSlotName(TestDatabase.uniqueName("part_slot"));
      assertThatThrownBy(() -> Pipeline.create().apply(read(db, table)
              .withCdc(cdc).withColumns("id")))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("withColumns(...) does not apply to withCdc(...)");
      assertThatThrownBy(() -> Pipeline.create().apply(read(db, table)
              .withSnapshot(SnapshotOptions.byPrimaryKey()).withCdc(cdc)
              .withRowFilter("region = ?", "eu")))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("withRowFilter(...) does not apply to withCdc(...)");
      assertThatThrownBy(() -> Pipeline.create().apply(ReadTablesIT.readTables(db)
              .withTables(table).withCdc(cdc).withColumns(table, "id")))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("do not apply to withCdc(...)");
      assertThatThrownBy(() -> Pipeline.create().apply(ReadTablesIT.readTables(db)
              .withTables(table).withRowFilter("nowhere.t", RowFilter.of("id > ?", 1))))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("withRowFilter(\"nowhere.t\", ...): nowhere.t is not one of the"
              + " selected tables");
    } finally {
      db.dropQuietly(table);
    }
  }
}
