package io.heliosdb.beam.snapshot;

import io.heliosdb.beam.schema.TypeOptions;
import static org.assertj.core.api.Assertions.assertThat;

import io.heliosdb.beam.ConnectionConfiguration;
import io.heliosdb.beam.dialect.PostgresDialect;
import io.heliosdb.beam.schema.ColumnInfo;
import io.heliosdb.beam.schema.TableId;
import io.heliosdb.beam.schema.TableMetadata;
import java.sql.Types;
import java.util.Arrays;
import java.util.List;
import org.apache.beam.sdk.io.range.OffsetRange;
import org.apache.beam.sdk.testing.CoderProperties;
import org.apache.beam.sdk.values.Row;
import org.junit.jupiter.api.Test;

class TableSplitTest {
  private static final ColumnInfo ID = new ColumnInfo("id", Types.BIGINT, "int8", "int8", 19, 0,
      false);
  private static final ColumnInfo CODE =
      new ColumnInfo("code", Types.VARCHAR, "varchar", "varchar", 20, 0, false);

  static SnapshotSpec spec(String table, ColumnInfo key, int parallelism, int chunkSize) {
    return SnapshotSpec.create(ConnectionConfiguration.create("jdbc:postgresql://h/db"),
        new PostgresDialect(),
        new TableMetadata(new TableId("s", table), List.of(key), List.of(key.name()), List.of()),
        null, false, chunkSize, 100, parallelism, 100, false, TypeOptions.DEFAULT);
  }

  @Test
  void aTableGetsOneReaderPerChunkUpToTheParallelism() {
    SnapshotSpec spec = spec("t", ID, 4, 1_000);
    assertThat(PlanTableFn.readersFor(spec, 0)).isEqualTo(1);
    assertThat(PlanTableFn.readersFor(spec, 1_000)).isEqualTo(1);
    assertThat(PlanTableFn.readersFor(spec, 1_001)).isEqualTo(2);
    assertThat(PlanTableFn.readersFor(spec, 3_500)).isEqualTo(4);
    assertThat(PlanTableFn.readersFor(spec, 10_000_000)).isEqualTo(4);
    assertThat(PlanTableFn.readersFor(spec, -1)).as("never analyzed").isEqualTo(4);
    assertThat(spec.withParallelism(1).parallelism()).isEqualTo(1);
  }

  @Test
  void encodesEachTablesSplitWithThatTablesKey() throws Exception {
    SnapshotSpec ints = spec("ints", ID, 4, 10);
    SnapshotSpec strings = spec("strings", CODE, 4, 10);
    TableSplitCoder coder = new TableSplitCoder(List.of(ints, strings));
    Row bound = Row.withSchema(strings.keySchema().schema()).addValue("m").build();
    List<TableSplit> splits = List.of(
        new TableSplit(0, new SnapshotSplit(SnapshotSplit.Kind.KEY_RANGE,
            new OffsetRange(-5, 90), 0.5, List.of())),
        new TableSplit(1, new SnapshotSplit(SnapshotSplit.Kind.CHUNKS, new OffsetRange(0, 2), 10,
            Arrays.asList(null, bound, null))));
    for (TableSplit split : splits) {
      CoderProperties.coderDecodeEncodeEqual(coder, split);
      CoderProperties.coderDeterministic(coder, split, split);
    }
    coder.verifyDeterministic();
  }
}
