package io.heliosdb.beam;

import org.apache.beam.sdk.options.ExperimentalOptions;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.StreamingOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The read modes a runner cannot run, refused when the pipeline is built rather than when it runs.
 * Runners are recognised by their class's simple name, so heliosdb-io depends on none of them.
 *
 * <p><b>Spark runner</b> (Beam's classic {@code SparkRunner} for Spark 3, and {@code
 * TestSparkRunner}): it runs a splittable DoFn only in a batch pipeline, and only a bounded one.
 * The incremental, CDC and snapshot-then-CDC modes read with unbounded splittable DoFns, so on
 * Spark they would fail when the pipeline runs; a snapshot runs in a batch pipeline, not with
 * {@code --streaming=true}. Every runner whose class name contains {@code Spark} is checked so,
 * {@code SparkStructuredStreamingRunner} (batch only) included; the classic runner is the one
 * tested.
 *
 * <p>The classic Spark runner also holds every output of one splittable DoFn call in memory before
 * passing it on, unless the experiment {@value #SPARK_STREAMED_OUTPUT} is on; a snapshot split is
 * one call, so a split of a large table would have to fit in the heap. {@link #configure} turns
 * the experiment on.
 */
final class RunnerSupport {
  private static final Logger LOG = LoggerFactory.getLogger(RunnerSupport.class);

  /**
   * The Spark runner's experiment that runs a splittable DoFn on its own thread and passes its
   * outputs on through a bounded queue.
   */
  static final String SPARK_STREAMED_OUTPUT = "use_bounded_concurrent_output_for_sdf";

  private RunnerSupport() {}

  /**
   * Sets what the pipeline's runner needs to run a read well: on a Spark runner, the experiment
   * {@value #SPARK_STREAMED_OUTPUT}, so that a snapshot split's rows stream to the next step
   * rather than being held in memory until the split ends. Call after {@link #checkMode}.
   */
  static void configure(PipelineOptions options) {
    if (!options.getRunner().getSimpleName().contains("Spark")
        || ExperimentalOptions.hasExperiment(options, SPARK_STREAMED_OUTPUT)) {
      return;
    }
    ExperimentalOptions.addExperiment(options.as(ExperimentalOptions.class), SPARK_STREAMED_OUTPUT);
    LOG.info(
        "HeliosDbIO turned on the Spark runner's experiment {}: each snapshot split's rows go to"
            + " the next step as they are read, rather than all held in memory",
        SPARK_STREAMED_OUTPUT);
  }

  /**
   * Fails if the pipeline's runner cannot run {@code read}'s mode.
   *
   * @param read the read, whose options give its mode
   * @param options the pipeline's options, naming the runner
   * @param transform the transform as the user wrote it, e.g. {@code "HeliosDbIO.read()"}
   */
  static void checkMode(
      HeliosDbIO.Read read, PipelineOptions options, String transform) {
    String runner = options.getRunner().getSimpleName();
    if (!runner.contains("Spark")) {
      return;
    }
    String streamingMode = streamingMode(read);
    if (streamingMode != null) {
      throw new IllegalArgumentException(
          transform + " with " + streamingMode + " cannot run on the Spark runner (" + runner
              + "): it runs splittable DoFns only in batch pipelines and only bounded ones, and"
              + " this mode streams with an unbounded one. Run it on the Flink runner"
              + " (FlinkRunner with --checkpointingInterval) or the Direct runner; on Spark,"
              + " read tables with withSnapshot(...) in a batch pipeline");
    }
    if (options.as(StreamingOptions.class).isStreaming()) {
      throw new IllegalArgumentException(
          transform + " with withSnapshot(...) cannot run on the Spark runner (" + runner
              + ") in streaming mode: it runs splittable DoFns only in batch pipelines. Drop"
              + " --streaming=true (a snapshot is a bounded read)");
    }
  }

  /** The builder call of {@code read}'s streaming mode, or null for a snapshot. */
  private static String streamingMode(HeliosDbIO.Read read) {
    if (read.getIncrementalOptions() != null) {
      return "withIncremental(...) (incremental mode)";
    }
    if (read.getCdcOptions() != null) {
      return read.getSnapshotOptions() != null
          ? "withSnapshot(...).withCdc(...) (snapshot then CDC)"
          : "withCdc(...) (CDC mode)";
    }
    return null;
  }
}
