package io.heliosdb.it;

import io.heliosdb.beam.HeliosDbIO;
import io.heliosdb.beam.SnapshotOptions;
import io.heliosdb.beam.testing.DatabaseKind;
import io.heliosdb.beam.testing.TestDatabases;
import org.apache.beam.runners.spark.SparkPipelineOptions;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.transforms.Count;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;

/**
 * A snapshot of one table in one split on the Spark runner ({@code local[1]}), counted, for a
 * JVM of its own with the heap the test gives it: {@code SparkSnapshotMain <DatabaseKind> <table>
 * <rows>}. Exits 0 when the count is right, 1 on any failure ({@code -XX:+ExitOnOutOfMemoryError}
 * makes a full heap exit 3).
 */
public final class SparkSnapshotMain {
  private SparkSnapshotMain() {}

  public static void main(String[] args) {
    DatabaseKind kind = DatabaseKind.valueOf(args[0]);
    String table = args[1];
    long rows = Long.parseLong(args[2]);
    SparkPipelineOptions options = SparkRunnerIT.sparkOptions();
    options.setSparkMaster("local[1]");
    Pipeline pipeline = Pipeline.create(options);
    PCollection<Row> out = pipeline.apply(HeliosDbIO.read()
        .withConnection(TestDatabases.get(kind).connectionConfiguration())
        .withTable(table)
        .withParallelism(1)
        .withSnapshot(SnapshotOptions.byPrimaryKey()));
    PAssert.thatSingleton(out.apply("Count", Count.globally())).isEqualTo(rows);
    PipelineResult.State state = pipeline.run().waitUntilFinish();
    System.out.println("pipeline finished: " + state);
    System.exit(state == PipelineResult.State.DONE ? 0 : 1);
  }
}
