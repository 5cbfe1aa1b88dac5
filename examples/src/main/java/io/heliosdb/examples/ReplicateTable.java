package io.heliosdb.examples;

import io.heliosdb.beam.CdcOptions;
import io.heliosdb.beam.ConnectionConfiguration;
import io.heliosdb.beam.HeliosDbIO;
import io.heliosdb.beam.SnapshotOptions;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.options.Validation;
import org.apache.beam.sdk.transforms.ParDo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies a table into a PostgreSQL replica table with {@link HeliosDbIO}, upserting by primary
 * key ({@link UpsertToPostgresFn}): with {@code --mode=snapshot} (the default) the table once, read
 * in parallel; with {@code --mode=cdc} its inserts, updates and deletes as they happen, for as long
 * as the pipeline runs; with {@code --mode=snapshot-then-cdc} the table read in parallel, then its
 * changes from the snapshot's position on. The source may be PostgreSQL, MySQL or MariaDB; the
 * replica is PostgreSQL. The replica table must exist, with the source's column names and a
 * primary key. Since every write is an upsert or a delete by key, rows written again after a
 * restart leave the replica unchanged.
 *
 * <p>It is the pipeline the project deploys to a Flink cluster (docs/deploy-flink.md):
 *
 * <pre>{@code
 * mvn -B -q -pl heliosdb-io,examples -am -Pflink-job package -DskipTests -Djacoco.skip=true
 * java -cp examples/target/heliosdb-io-flink-job-0.1.0-SNAPSHOT.jar \
 *     io.heliosdb.examples.ReplicateTable --runner=FlinkRunner --flinkMaster=localhost:18081 \
 *     --jdbcUrl=jdbc:postgresql://127.0.0.1:5432/heliosdb --username=postgres \
 *     --table=public.orders --replicaTable=public.orders_replica --parallelism=4
 * }</pre>
 *
 * <p>In the CDC modes the pipeline runs in streaming mode as {@link StreamChangesToJson} does: on
 * Flink detached, with checkpointing every second unless {@code --checkpointingInterval} is given;
 * {@code run()} returns once the job is submitted and the job runs until it is cancelled.
 *
 * <p>The password is taken from {@code --password} or the environment variable {@code
 * HELIOSDB_PASSWORD}, for both databases; it is never logged or stored in the pipeline options.
 * The replica's user is {@code --replicaUsername}, by default {@code --username}.
 */
public class ReplicateTable {
  private static final Logger LOG = LoggerFactory.getLogger(ReplicateTable.class);

  /** Options of {@link ReplicateTable}. */
  public interface Options extends StreamingExample.Options {
    @Description("The PostgreSQL replica table (table or schema.table), with a primary key")
    @Validation.Required
    String getReplicaTable();

    void setReplicaTable(String value);

    @Description(
        "The JDBC URL of the PostgreSQL database holding the replica table; default: --jdbcUrl")
    String getReplicaUrl();

    void setReplicaUrl(String value);

    @Description("The user of the replica's database; default: --username")
    String getReplicaUsername();

    void setReplicaUsername(String value);

    @Description("snapshot (copy the table once, the default), cdc (stream its changes) or"
        + " snapshot-then-cdc (copy the table, then stream its changes from there)")
    @Default.String("snapshot")
    String getMode();

    void setMode(String value);

    @Description("cdc: the PostgreSQL replication slot; default heliosdb_<schema>_<table>")
    String getSlotName();

    void setSlotName(String value);

    @Description("cdc on MySQL/MariaDB: the server id of the binlog reader (1 to 4294967295);"
        + " default: drawn when the pipeline is built")
    Long getServerId();

    void setServerId(Long value);

    @Description(
        "The number of parallel readers of a snapshot, and on the FlinkRunner Flink's parallelism"
            + " (in both modes); -1, the default, means 4. A job that is to survive the loss of a"
            + " TaskManager needs this many slots on the TaskManagers that remain")
    @Default.Integer(-1)
    Integer getParallelism();

    void setParallelism(Integer value);
  }

  public static void main(String[] args) throws Exception {
    PipelineOptionsFactory.register(Options.class);
    Options options = PipelineOptionsFactory.fromArgs(args).withValidation().as(Options.class);
    String password = options.getPassword() != null
        ? options.getPassword() : System.getenv(StreamingExample.PASSWORD_VARIABLE);
    String replicaUrl =
        options.getReplicaUrl() != null ? options.getReplicaUrl() : options.getJdbcUrl();
    ConnectionConfiguration connection = StreamingExample.connection(options);
    options.setReplicaUrl(ConnectionConfiguration.create(replicaUrl).getRedactedUrl());
    boolean snapshot = !options.getMode().equals("cdc");
    boolean cdc = switch (options.getMode()) {
      case "snapshot" -> false;
      case "cdc", "snapshot-then-cdc" -> true;
      default -> throw new IllegalArgumentException("--mode must be snapshot, cdc or"
          + " snapshot-then-cdc, not '" + options.getMode() + "'");
    };
    String replicaUsername = options.getReplicaUsername() != null
        ? options.getReplicaUsername() : connection.getUsername();
    if (options.getParallelism() == -1) {
      options.setParallelism(4);
    }
    int parallelism = options.getParallelism();

    HeliosDbIO.Read read =
        HeliosDbIO.read().withConnection(connection).withTable(options.getTable());
    if (cdc) {
      StreamingExample.configureRunner(options);
      CdcOptions cdcOptions = CdcOptions.create();
      if (options.getSlotName() != null) {
        cdcOptions = cdcOptions.withSlotName(options.getSlotName());
      }
      if (options.getServerId() != null) {
        cdcOptions = cdcOptions.withServerId(options.getServerId());
      }
      read = read.withCdc(cdcOptions);
    }
    if (snapshot) {
      read = read.withSnapshot(SnapshotOptions.byPrimaryKey().withChunkSize(50_000))
          .withParallelism(parallelism);
    }

    Pipeline pipeline = Pipeline.create(options);
    pipeline
        .apply((cdc ? "Changes of " : "Read ") + options.getTable(), read)
        .apply("Upsert into " + options.getReplicaTable(),
            ParDo.of(new UpsertToPostgresFn(replicaUrl, replicaUsername, password,
                options.getReplicaTable())));

    LOG.info("Replicating {} ({}) from {} into {} at {}", options.getTable(), options.getMode(),
        connection.getRedactedUrl(), options.getReplicaTable(), options.getReplicaUrl());
    long start = System.nanoTime();
    if (cdc) {
      PipelineResult result =
          StreamingExample.runFor(pipeline, options.getRunSeconds(), options.getMetricsPort());
      LOG.info("Streaming job state: {}", result.getState());
      return;
    }
    PipelineResult.State state = pipeline.run().waitUntilFinish();
    if (state != PipelineResult.State.DONE) {
      throw new IllegalStateException("The pipeline ended in state " + state);
    }
    System.out.printf("Replicated %s into %s in %.1f s (%s, parallelism %d)%n",
        options.getTable(), options.getReplicaTable(), (System.nanoTime() - start) / 1e9,
        options.getRunner().getSimpleName(),
        options.as(FlinkPipelineOptions.class).getParallelism());
  }
}
