package io.heliosdb.examples;

import io.heliosdb.beam.ConnectionConfiguration;
import io.heliosdb.beam.HeliosDbIO;
import io.heliosdb.beam.IncrementalOptions;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.TextIO;
import org.apache.beam.sdk.io.fs.ResolveOptions.StandardResolveOptions;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Polls a table for new and updated rows with {@link HeliosDbIO}'s incremental mode and writes
 * each row version as one line of JSON with its event time (the row's tracking value for
 * timestamp columns): {@code {"event_time":"2026-11-24T08:30:01.123Z","row":{"id":7,...}}}.
 *
 * <p>The lines go to standard output, or with {@code --output=<directory>} to one file per 10 s
 * window of event time ({@code <directory>/rows-<window start>-<window end>-pane-...json}), each
 * written once the watermark passes the window's end. The watermark follows the database's clock
 * minus the commit delay, so windows close while the table is idle too.
 *
 * <p>The demo, from the project's root directory: it creates the table {@code demo_poll} in the
 * local PostgreSQL database {@code heliosdb}, runs the pipeline for 20 s while a background loop
 * inserts and updates rows, and shows the output:
 *
 * <pre>{@code
 * scripts/run-example.sh incremental
 * scripts/run-example.sh incremental --output=target/demo-output/poll    # windowed files
 * }</pre>
 *
 * <p>On your own table:
 *
 * <pre>{@code
 * mvn -B -q install -pl examples -am -DskipTests -Djacoco.skip=true
 * HELIOSDB_PASSWORD=secret mvn -pl examples exec:java \
 *     -Dexec.mainClass=io.heliosdb.examples.PollTableToJson -Dexec.args="\
 *     --jdbcUrl=jdbc:mariadb://db.example.com:3306/shop --username=reader --table=shop.orders \
 *     --trackingColumn=updated_at --pollIntervalSeconds=5 --commitDelaySeconds=10"
 * }</pre>
 *
 * <p>The pipeline runs in streaming mode: on the Direct runner with a non-blocking {@code run()},
 * on the Flink runner ({@code --runner=FlinkRunner --flinkConfDir=examples/flink-conf}) detached
 * and with checkpointing every second unless {@code --checkpointingInterval} is given. It runs
 * until the process is stopped, or for {@code --runSeconds} and is then cancelled; the window
 * being filled at that moment is not written.
 *
 * <p>The password is taken from {@code --password} or, better, from the environment variable
 * {@code HELIOSDB_PASSWORD}; it is never logged, printed, or stored in the pipeline options.
 */
public class PollTableToJson {
  private static final Logger LOG = LoggerFactory.getLogger(PollTableToJson.class);

  static final Duration WINDOW = Duration.standardSeconds(10);

  /** Options of {@link PollTableToJson}. */
  public interface Options extends StreamingExample.Options {
    @Description(
        "The tracking column: a last-modified timestamp or an ever-increasing number, NOT NULL,"
            + " as the catalog spells it (PostgreSQL: lower case)")
    @Default.String("updated_at")
    String getTrackingColumn();

    void setTrackingColumn(String value);

    @Description("Seconds between polls once all readable rows were read: 1 to 3600")
    @Default.Integer(10)
    Integer getPollIntervalSeconds();

    void setPollIntervalSeconds(Integer value);

    @Description(
        "A poll reads only rows whose tracking value is at least this many seconds older than the"
            + " database's clock: set it above your longest writing transaction (0 to 86400)")
    @Default.Integer(10)
    Integer getCommitDelaySeconds();

    void setCommitDelaySeconds(Integer value);

    @Description(
        "The first tracking value to read, inclusive: 2026-11-24T10:00:00Z (timestamptz),"
            + " 2026-11-24T10:00:00 (timestamp without zone), 42 (number). Default: the"
            + " beginning of the table")
    String getStartFrom();

    void setStartFrom(String value);

    @Description(
        "'stdout' to print the lines, or a directory to write one file of JSON lines per 10 s"
            + " window of event time")
    @Default.String("stdout")
    String getOutput();

    void setOutput(String value);
  }

  /** Formats each row with its event time as one line of JSON, and counts the rows. */
  static class FormatWithTimeFn extends DoFn<Row, String> {
    private final Counter rows = Metrics.counter(PollTableToJson.class, "rows");

    @ProcessElement
    public void processElement(
        @Element Row row, @Timestamp Instant eventTime, OutputReceiver<String> out) {
      rows.inc();
      // an ISO 8601 instant needs no escaping
      out.output("{\"event_time\":\"" + eventTime + "\",\"row\":" + RowToJson.format(row) + "}");
    }
  }

  public static void main(String[] args) throws Exception {
    PipelineOptionsFactory.register(Options.class);
    Options options = PipelineOptionsFactory.fromArgs(args).withValidation().as(Options.class);
    ConnectionConfiguration connection = StreamingExample.connection(options);
    StreamingExample.configureRunner(options);

    IncrementalOptions incremental =
        IncrementalOptions.trackingColumn(options.getTrackingColumn())
            .withPollInterval(Duration.standardSeconds(options.getPollIntervalSeconds()))
            .withCommitDelay(Duration.standardSeconds(options.getCommitDelaySeconds()));
    if (options.getStartFrom() != null) {
      incremental = incremental.withStartFrom(options.getStartFrom());
    }

    Pipeline pipeline = Pipeline.create(options);
    PCollection<String> lines =
        pipeline
            .apply(
                "Poll " + options.getTable(),
                HeliosDbIO.read()
                    .withConnection(connection)
                    .withTable(options.getTable())
                    .withIncremental(incremental))
            .apply("Format as JSON", ParDo.of(new FormatWithTimeFn()));
    String destination;
    if (options.getOutput().equals("stdout")) {
      lines.apply("Print", ParDo.of(new StreamingExample.PrintFn()));
      destination = "standard output";
    } else {
      String prefix =
          FileSystems.matchNewResource(options.getOutput(), true)
              .resolve("rows-", StandardResolveOptions.RESOLVE_FILE)
              .toString();
      lines
          .apply("Windows of 10 s", Window.into(FixedWindows.of(WINDOW)))
          .apply(
              "Write JSON",
              TextIO.write().to(prefix).withSuffix(".json").withWindowedWrites().withNumShards(1));
      destination = prefix + "<window>-pane-*.json";
    }

    LOG.info(
        "Polling {} from {} as {} by {} every {} s (commit delay {} s) to {}",
        options.getTable(), connection.getRedactedUrl(), connection.getUsername(),
        options.getTrackingColumn(), options.getPollIntervalSeconds(),
        options.getCommitDelaySeconds(), destination);
    PipelineResult result = StreamingExample.runFor(
        pipeline, options.getRunSeconds(), options.getMetricsPort());
    LOG.info(
        "Polled {} of {} in {} s ({})",
        StreamingExample.countedRows(result, PollTableToJson.class, "rows"),
        options.getTable(), options.getRunSeconds(), options.getRunner().getSimpleName());
  }
}
