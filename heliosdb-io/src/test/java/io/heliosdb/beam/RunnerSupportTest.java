package io.heliosdb.beam;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.apache.beam.runners.direct.DirectRunner;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.PipelineRunner;
import org.apache.beam.sdk.options.ExperimentalOptions;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.options.StreamingOptions;
import org.junit.jupiter.api.Test;

/**
 * The runner check by runner name. heliosdb-io has no Spark dependency: a runner class named like
 * Beam's stands for it here; runners-it's SparkRunnerIT checks the same on the real Spark runner.
 */
class RunnerSupportTest {
  private static final HeliosDbIO.Read READ = HeliosDbIO.read().withTable("t");
  private static final CdcOptions CDC = CdcOptions.create();

  /** Named as Beam's classic Spark runner; never runs a pipeline. */
  static final class SparkRunner extends PipelineRunner<PipelineResult> {
    public static SparkRunner fromOptions(PipelineOptions options) {
      return new SparkRunner();
    }

    @Override
    public PipelineResult run(Pipeline pipeline) {
      throw new UnsupportedOperationException("stands for the Spark runner's name only");
    }
  }

  private static PipelineOptions options(Class<? extends PipelineRunner<?>> runner,
      boolean streaming) {
    PipelineOptions options = PipelineOptionsFactory.create();
    options.setRunner(runner);
    options.as(StreamingOptions.class).setStreaming(streaming);
    return options;
  }

  @Test
  void sparkRefusesEveryStreamingModeInBatchAndStreamingPipelines() {
    for (boolean streaming : List.of(false, true)) {
      PipelineOptions spark = options(SparkRunner.class, streaming);
      assertThatThrownBy(() -> RunnerSupport.checkMode(
              READ.withIncremental(IncrementalOptions.trackingColumn("u")), spark, "X()"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("X() with withIncremental(...) (incremental mode) cannot run on the Spark"
              + " runner (SparkRunner): it runs splittable DoFns only in batch pipelines and only"
              + " bounded ones, and this mode streams with an unbounded one. Run it on the Flink"
              + " runner (FlinkRunner with --checkpointingInterval) or the Direct runner; on"
              + " Spark, read tables with withSnapshot(...) in a batch pipeline");
      assertThatThrownBy(() -> RunnerSupport.checkMode(READ.withCdc(CDC), spark, "X()"))
          .hasMessageStartingWith("X() with withCdc(...) (CDC mode) cannot run on the Spark");
      assertThatThrownBy(() -> RunnerSupport.checkMode(
              READ.withSnapshot(SnapshotOptions.byPrimaryKey()).withCdc(CDC), spark, "X()"))
          .hasMessageStartingWith(
              "X() with withSnapshot(...).withCdc(...) (snapshot then CDC) cannot run on the Spark");
    }
  }

  @Test
  void sparkRunsSnapshotsInBatchPipelinesOnly() {
    HeliosDbIO.Read snapshot = READ.withSnapshot(SnapshotOptions.byPrimaryKey());
    assertThatCode(() -> RunnerSupport.checkMode(snapshot, options(SparkRunner.class, false), "X()"))
        .doesNotThrowAnyException();
    assertThatThrownBy(
            () -> RunnerSupport.checkMode(snapshot, options(SparkRunner.class, true), "X()"))
        .hasMessageStartingWith(
            "X() with withSnapshot(...) cannot run on the Spark runner (SparkRunner) in streaming"
                + " mode")
        .hasMessageEndingWith("Drop --streaming=true (a snapshot is a bounded read)");
  }

  @Test
  void otherRunnersAreNotChecked() {
    for (boolean streaming : List.of(false, true)) {
      PipelineOptions direct = options(DirectRunner.class, streaming);
      for (HeliosDbIO.Read read : List.of(READ, READ.withCdc(CDC),
          READ.withIncremental(IncrementalOptions.trackingColumn("u")))) {
        assertThatCode(() -> RunnerSupport.checkMode(read, direct, "X()"))
            .doesNotThrowAnyException();
      }
    }
  }

  @Test
  void sparkGetsTheExperimentThatStreamsSplitOutputOnceAndKeepsTheUsersOwn() {
    PipelineOptions spark = options(SparkRunner.class, false);
    ExperimentalOptions.addExperiment(spark.as(ExperimentalOptions.class), "users_own");
    RunnerSupport.configure(spark);
    RunnerSupport.configure(spark);
    assertThat(spark.as(ExperimentalOptions.class).getExperiments())
        .containsExactlyInAnyOrder("users_own", "use_bounded_concurrent_output_for_sdf");

    PipelineOptions direct = options(DirectRunner.class, false);
    RunnerSupport.configure(direct);
    assertThat(direct.as(ExperimentalOptions.class).getExperiments()).isNull();
  }
}
