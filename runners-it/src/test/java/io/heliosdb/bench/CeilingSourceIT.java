package io.heliosdb.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The snapshot benchmark's ceiling is only a fair baseline if it emits what HeliosDbIO reads: the
 * same Rows as the benchmark table holds (checked against the PostgreSQL table), each id once.
 */
class CeilingSourceIT {

  @Test
  void emitsTheRowsTheBenchmarkTableHolds() throws Exception {
    long rows = 3_000;
    SnapshotTable.prepare(BenchDatabase.POSTGRES, rows);
    BenchRowMapper mapper = new BenchRowMapper(BenchDatabase.POSTGRES);
    long compared = 0;
    try (Connection c = BenchDatabase.POSTGRES.connect();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(SnapshotTable.selectAll(rows) + " ORDER BY id")) {
      while (rs.next()) {
        Row fromTable = mapper.mapRow(rs);
        assertThat(CeilingSource.row(fromTable.getInt64("id"))).isEqualTo(fromTable);
        compared++;
      }
    }
    assertThat(compared).isEqualTo(rows);
  }

  @ParameterizedTest
  @ValueSource(strings = {"DirectRunner", "FlinkRunner"})
  void emitsEveryIdOnce(String runner) {
    long rows = 3_000;
    boolean direct = runner.equals("DirectRunner");
    Pipeline pipeline =
        Pipeline.create(
            PipelineOptionsFactory.fromArgs(
                    "--runner=" + runner, direct ? "--targetParallelism=4" : "--parallelism=4")
                .create());
    PCollection<Long> ids =
        pipeline
            .apply(new CeilingSource(rows, 4, direct))
            .apply(MapElements.into(TypeDescriptors.longs()).via(row -> row.getInt64("id")));
    PAssert.that(ids)
        .containsInAnyOrder(LongStream.rangeClosed(1, rows).boxed().collect(Collectors.toList()));
    assertThat(pipeline.run().waitUntilFinish()).isEqualTo(PipelineResult.State.DONE);
  }

  @Test
  void splitsCoverTheIdsOnce() {
    assertThat(CeilingSource.splits(10, 4))
        .extracting(r -> r.getFrom() + "-" + r.getTo())
        .containsExactly("1-3", "3-6", "6-8", "8-11");
    assertThat(CeilingSource.splits(2, 4)).hasSize(2);
  }
}
