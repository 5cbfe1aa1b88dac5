package io.heliosdb.examples;

import io.heliosdb.beam.CdcOptions;
import io.heliosdb.beam.ConnectionConfiguration;
import io.heliosdb.beam.HeliosDbIO;
import java.util.Arrays;
import java.util.List;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollectionRowTuple;
import org.apache.beam.sdk.values.Row;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Streams every insert, update and delete of a table with {@link HeliosDbIO}'s CDC mode
 * (PostgreSQL logical replication, the MariaDB/MySQL binary log) and prints each change envelope
 * as one line of JSON:
 *
 * <pre>{@code
 * {"op":"u","before":{"id":3,...},"after":{"id":3,...},
 *  "source":{"database":"heliosdb","schema":"public","table":"demo_cdc"},
 *  "position":"0/4E87160@0/4E870F8:UPDATE","order_key":"0000000004e870f810000000004e87160",
 *  "commit_time":"2026-11-24T08:30:01.123Z"}
 * }</pre>
 *
 * <p>The demo, from the project's root directory: it creates the table {@code demo_cdc} (with
 * {@code REPLICA IDENTITY FULL}, for complete before images), its publication and the
 * replication slot {@code demo_cdc_slot} in the local PostgreSQL database {@code heliosdb}, runs
 * the pipeline for 20 s while a background loop inserts, updates and deletes rows, and drops the
 * slot and publication at the end:
 *
 * <pre>{@code
 * scripts/run-example.sh cdc
 * }</pre>
 *
 * <p>On your own table (the database must be set up for CDC: see docs/cdc.md):
 *
 * <pre>{@code
 * mvn -B -q install -pl examples -am -DskipTests -Djacoco.skip=true
 * HELIOSDB_PASSWORD=secret mvn -pl examples exec:java \
 *     -Dexec.mainClass=io.heliosdb.examples.StreamChangesToJson -Dexec.args="\
 *     --jdbcUrl=jdbc:postgresql://db.example.com:5432/shop --username=replicator \
 *     --table=public.orders --slotName=orders_cdc"
 * }</pre>
 *
 * <p>Several tables, comma-separated ({@code --table=public.orders,public.customers}), are
 * captured by ONE log reader ({@link HeliosDbIO#readTables()}: one replication slot, or one
 * binlog connection), and each table's changes go to a sink of their own.
 *
 * <p>On PostgreSQL the replication slot is created if missing and <b>never dropped</b>: it keeps
 * all WAL the stream has not acknowledged, so drop it ({@code SELECT
 * pg_drop_replication_slot('orders_cdc')}) once you no longer run the pipeline. A later run with
 * the same slot continues where the last one stopped. {@code --startPosition} starts right after
 * a {@code position} of the output instead.
 *
 * <p>The pipeline runs in streaming mode as {@link PollTableToJson} does: on the Direct runner
 * with a non-blocking {@code run()}, on the Flink runner detached and with checkpointing every
 * second unless {@code --checkpointingInterval} is given (CDC acknowledges the log only when a
 * checkpoint completes). It runs until the process is stopped, or for {@code --runSeconds}.
 *
 * <p>The password is taken from {@code --password} or, better, from the environment variable
 * {@code HELIOSDB_PASSWORD}; it is never logged, printed, or stored in the pipeline options.
 */
public class StreamChangesToJson {
  private static final Logger LOG = LoggerFactory.getLogger(StreamChangesToJson.class);

  /** Options of {@link StreamChangesToJson}. */
  public interface Options extends StreamingExample.Options {
    @Description(
        "PostgreSQL: the replication slot (lower-case letters, digits, underscores), created if"
            + " missing and never dropped; its publication has the same name. Default:"
            + " heliosdb_<schema>_<table>. Ignored by MariaDB/MySQL")
    String getSlotName();

    void setSlotName(String value);

    @Description(
        "Where the stream starts: right after a 'position' of the output, or at a PostgreSQL LSN"
            + " (0/16B3748), a binlog file:offset or a MariaDB GTID list. Default: the slot's"
            + " confirmed position (PostgreSQL) or the binlog's current end")
    String getStartPosition();

    void setStartPosition(String value);
  }

  /** Formats each change envelope as one line of JSON, and counts the changes. */
  static class FormatAsJsonFn extends DoFn<Row, String> {
    private final Counter rows = Metrics.counter(StreamChangesToJson.class, "rows");

    @ProcessElement
    public void processElement(@Element Row change, OutputReceiver<String> out) {
      rows.inc();
      out.output(RowToJson.format(change));
    }
  }

  public static void main(String[] args) throws Exception {
    PipelineOptionsFactory.register(Options.class);
    Options options = PipelineOptionsFactory.fromArgs(args).withValidation().as(Options.class);
    ConnectionConfiguration connection = StreamingExample.connection(options);
    StreamingExample.configureRunner(options);

    CdcOptions cdc = CdcOptions.create();
    if (options.getSlotName() != null) {
      cdc = cdc.withSlotName(options.getSlotName());
    }
    if (options.getStartPosition() != null) {
      cdc = cdc.withStartPosition(options.getStartPosition());
    }

    Pipeline pipeline = Pipeline.create(options);
    List<String> tables = Arrays.stream(options.getTable().split(",")).map(String::trim).toList();
    if (tables.size() == 1) {
      pipeline
          .apply(
              "Changes of " + options.getTable(),
              HeliosDbIO.read()
                  .withConnection(connection)
                  .withTable(options.getTable())
                  .withCdc(cdc))
          .apply("Format as JSON", ParDo.of(new FormatAsJsonFn()))
          .apply("Print", ParDo.of(new StreamingExample.PrintFn()));
    } else {
      // one log reader for all the tables; each table's changes to a sink of its own
      PCollectionRowTuple changes = pipeline.apply(
          "Changes of " + tables.size() + " tables",
          HeliosDbIO.readTables().withConnection(connection).withTables(tables).withCdc(cdc));
      changes.getAll().forEach((table, envelopes) -> envelopes
          .apply("Format " + table, ParDo.of(new FormatAsJsonFn()))
          .apply("Print " + table, ParDo.of(new StreamingExample.PrintFn())));
    }

    LOG.info(
        "Streaming the changes of {} from {} as {}{}",
        options.getTable(), connection.getRedactedUrl(), connection.getUsername(),
        options.getSlotName() != null ? " through slot " + options.getSlotName() : "");
    PipelineResult result = StreamingExample.runFor(
        pipeline, options.getRunSeconds(), options.getMetricsPort());
    LOG.info(
        "Streamed {} of {} in {} s ({})",
        StreamingExample.countedRows(result, StreamChangesToJson.class, "changes"),
        options.getTable(), options.getRunSeconds(), options.getRunner().getSimpleName());
  }
}
