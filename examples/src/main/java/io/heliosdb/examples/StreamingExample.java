package io.heliosdb.examples;

import com.fasterxml.jackson.annotation.JsonIgnore;
import io.heliosdb.beam.ConnectionConfiguration;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import java.io.IOException;
import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.MetricNameFilter;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.StreamingOptions;
import org.apache.beam.sdk.options.Validation;
import org.apache.beam.sdk.transforms.DoFn;
import org.joda.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the streaming examples {@link PollTableToJson} and {@link StreamChangesToJson} share: the
 * connection options, the runner settings an unbounded pipeline needs, and running it for a
 * limited time.
 */
final class StreamingExample {
  private static final Logger LOG = LoggerFactory.getLogger(StreamingExample.class);

  static final String PASSWORD_VARIABLE = CopyTableToJson.PASSWORD_VARIABLE;

  /** Flink's checkpointing interval when none is given: unbounded reads need checkpointing. */
  static final long DEFAULT_CHECKPOINTING_MILLIS = 1_000;

  private StreamingExample() {}

  /** Options of both streaming examples. */
  public interface Options extends PipelineOptions {
    @Description(
        "The database: a JDBC URL (jdbc:postgresql://host:5432/db, jdbc:mariadb://host:3306/db,"
            + " jdbc:mysql://..., jdbc:oracle:thin:@//host:1521/service) or"
            + " postgresql://user:password@host:port/db (also mysql://, mariadb://, oracle://)")
    @Validation.Required
    String getJdbcUrl();

    void setJdbcUrl(String value);

    @Description("The database user")
    String getUsername();

    void setUsername(String value);

    @Description(
        "The database password; prefer the environment variable " + PASSWORD_VARIABLE
            + ", which keeps it off the command line. Never logged.")
    @JsonIgnore // not serialized with the options: the read's configuration carries it
    String getPassword();

    void setPassword(String value);

    @Description(
        "The table, as table or namespace.table (PostgreSQL schema, MySQL database, Oracle"
            + " owner)")
    @Validation.Required
    String getTable();

    void setTable(String value);

    @Description(
        "Stop the pipeline (cancel it) after this many seconds; 0, the default, runs until the"
            + " process is stopped")
    @Default.Integer(0)
    Integer getRunSeconds();

    void setRunSeconds(Integer value);

    @Description(
        "Direct runner: serve the pipeline's HeliosDB IO metrics for Prometheus at"
            + " http://localhost:<port>/metrics; 0, the default, serves none. On Flink, Flink's"
            + " Prometheus reporter serves them (examples/flink-conf/config.yaml)")
    @Default.Integer(0)
    Integer getMetricsPort();

    void setMetricsPort(Integer value);
  }

  /**
   * The connection of the options, with the password from {@code --password} or {@value
   * #PASSWORD_VARIABLE}; removes the password from the options and redacts the URL in them, since
   * runners may log or display the options.
   */
  static ConnectionConfiguration connection(Options options) {
    String password =
        options.getPassword() != null ? options.getPassword() : System.getenv(PASSWORD_VARIABLE);
    ConnectionConfiguration connection = ConnectionConfiguration.create(options.getJdbcUrl());
    if (options.getUsername() != null) {
      connection = connection.withUsername(options.getUsername());
    }
    if (password != null) {
      connection = connection.withPassword(password);
    }
    options.setPassword(null);
    options.setJdbcUrl(connection.getRedactedUrl());
    return connection;
  }

  /**
   * Sets what an unbounded pipeline needs: streaming mode; on the Direct runner a non-blocking
   * {@code run()} (otherwise it never returns); on the Flink runner a detached job and, unless
   * given, checkpointing every {@value #DEFAULT_CHECKPOINTING_MILLIS} ms (without it Flink polls
   * the source in a busy loop and cannot cancel it; CDC refuses to start).
   */
  static void configureRunner(PipelineOptions options) {
    options.as(StreamingOptions.class).setStreaming(true);
    String runner = options.getRunner().getSimpleName();
    if (runner.equals("DirectRunner")) {
      options.as(DirectOptions.class).setBlockOnRun(false);
    } else if (runner.equals("FlinkRunner")) {
      FlinkPipelineOptions flink = options.as(FlinkPipelineOptions.class);
      flink.setAttachedMode(false);
      if (flink.getCheckpointingInterval() == null || flink.getCheckpointingInterval() <= 0) {
        flink.setCheckpointingInterval(DEFAULT_CHECKPOINTING_MILLIS);
      }
    }
  }

  /**
   * Runs the pipeline for {@code seconds} seconds, then cancels it; with 0, waits until the
   * process is stopped. Returns the result, for its metrics.
   */
  static PipelineResult runFor(Pipeline pipeline, int seconds, int metricsPort)
      throws IOException {
    PipelineResult result = pipeline.run();
    if (metricsPort <= 0 || !pipeline.getOptions().getRunner().getSimpleName()
        .equals("DirectRunner")) {
      return waitOrCancel(result, seconds);
    }
    try (HTTPServer server = PrometheusMetrics.serve(result, metricsPort)) {
      LOG.info("Serving metrics at http://localhost:{}/metrics", server.getPort());
      return waitOrCancel(result, seconds);
    }
  }

  private static PipelineResult waitOrCancel(PipelineResult result, int seconds)
      throws IOException {
    if (seconds <= 0) {
      result.waitUntilFinish();
      return result;
    }
    PipelineResult.State state = result.waitUntilFinish(Duration.standardSeconds(seconds));
    if (state != null && state.isTerminal()) {
      throw new IllegalStateException("The pipeline ended early, in state " + state);
    }
    LOG.info("Stopping the pipeline after {} s", seconds);
    try {
      result.cancel();
    } catch (IllegalStateException e) {
      // the Flink runner's local cluster may already be shutting down
      LOG.info("Cancelling: {}", e.getMessage());
    }
    return result;
  }

  /**
   * The counter {@code rows} of {@code namespace} as "34 rows", or "rows (count unknown)" where the
   * runner reports no metrics (the Flink runner's detached job).
   */
  static String countedRows(PipelineResult result, Class<?> namespace, String unit) {
    long rows = 0;
    boolean counted = false;
    try {
      for (MetricResult<Long> counter :
          result
              .metrics()
              .queryMetrics(
                  MetricsFilter.builder()
                      .addNameFilter(MetricNameFilter.named(namespace, "rows"))
                      .build())
              .getCounters()) {
        rows += counter.getAttempted();
        counted = true;
      }
    } catch (RuntimeException e) {
      LOG.debug("No metrics", e);
    }
    return counted ? rows + " " + unit : unit + " (count unknown: the runner reports no metrics)";
  }

  /** Prints each line to standard output. */
  static class PrintFn extends DoFn<String, Void> {
    @ProcessElement
    public void processElement(@Element String line) {
      System.out.println(line);
    }
  }
}
