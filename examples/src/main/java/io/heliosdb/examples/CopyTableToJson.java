package io.heliosdb.examples;

import com.fasterxml.jackson.annotation.JsonIgnore;
import io.heliosdb.beam.ConnectionConfiguration;
import io.heliosdb.beam.HeliosDbIO;
import io.heliosdb.beam.SnapshotOptions;
import java.io.IOException;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.List;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.TextIO;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult.Metadata;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.MetricNameFilter;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.metrics.MetricsFilter;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies a database table to newline-delimited JSON files (or to the console) with {@link
 * HeliosDbIO}: the table is read in parallel, split by its primary key, and every row becomes one
 * JSON object (see {@link RowToJson} for how each column type is written).
 *
 * <p>Without {@code --source} it runs a demo: it creates and fills the table {@code demo_orders}
 * (10,000 rows) in the local PostgreSQL database {@code heliosdb} and copies it to {@code
 * target/demo-output/demo_orders-*.json}. From the project's root directory:
 *
 * <pre>{@code
 * scripts/run-example.sh                         # the demo on the Direct runner
 * scripts/run-example.sh --runner=FlinkRunner    # the demo on an embedded Flink cluster
 * scripts/run-example.sh --output=console        # print the rows instead of writing files
 * }</pre>
 *
 * <p>To copy one of your own tables (PostgreSQL, MySQL, MariaDB or Oracle):
 *
 * <pre>{@code
 * mvn -B -q install -pl examples -am -DskipTests -Djacoco.skip=true
 * HELIOSDB_PASSWORD=secret mvn -pl examples exec:java -Dexec.args="\
 *     --source=jdbc:mysql://db.example.com:3306/shop --username=reader \
 *     --table=shop.orders --output=/tmp/orders --parallelism=8"
 * }</pre>
 *
 * <p>Add {@code --runner=FlinkRunner --flinkConfDir=examples/flink-conf} to run it on an embedded
 * Flink cluster: under {@code exec:java}, Flink needs the setting in that directory to find the
 * pipeline's classes ({@code scripts/run-example.sh} passes it).
 *
 * <p>The password is taken from {@code --password} or, better, from the environment variable
 * {@code HELIOSDB_PASSWORD}; it is never logged, printed, or stored in the pipeline options that
 * runners display.
 */
public class CopyTableToJson {
  private static final Logger LOG = LoggerFactory.getLogger(CopyTableToJson.class);

  static final String DEMO_URL = "jdbc:postgresql://127.0.0.1:5432/heliosdb";
  static final String DEMO_USER = "postgres";
  static final String DEMO_TABLE = "demo_orders";
  static final int DEMO_ROWS = 10_000;
  static final String PASSWORD_VARIABLE = "HELIOSDB_PASSWORD";
  static final int DEFAULT_PARALLELISM = 4;

  /** Options of {@link CopyTableToJson}. */
  public interface Options extends PipelineOptions {
    @Description(
        "The database: a JDBC URL (jdbc:postgresql://host:5432/db, jdbc:mysql://host:3306/db,"
            + " jdbc:mariadb://..., jdbc:oracle:thin:@//host:1521/service) or"
            + " postgresql://user:password@host:port/db (also mysql://, mariadb://, oracle://)."
            + " Without it, runs the demo on the local PostgreSQL " + DEMO_URL)
    String getSource();

    void setSource(String value);

    @Description("The database user; the demo's default is " + DEMO_USER)
    String getUsername();

    void setUsername(String value);

    @Description(
        "The database password; prefer the environment variable " + PASSWORD_VARIABLE
            + ", which keeps it off the command line. Never logged.")
    @JsonIgnore // not serialized with the options: the read's configuration carries it
    String getPassword();

    void setPassword(String value);

    @Description(
        "The table to copy, as table or namespace.table (PostgreSQL schema, MySQL database,"
            + " Oracle owner); required with --source. The demo's default is " + DEMO_TABLE)
    String getTable();

    void setTable(String value);

    @Description(
        "Prefix of the output files (<prefix>-00000-of-00004.json, ...), or 'console' to print"
            + " the rows. Default: target/demo-output/<table>")
    String getOutput();

    void setOutput(String value);

    /**
     * The number of parallel readers. The FlinkRunner has an option of the same name, Flink's
     * parallelism; this declaration matches it, so {@code --parallelism} sets both, and -1 (not
     * set) means {@value CopyTableToJson#DEFAULT_PARALLELISM} readers.
     */
    @Description(
        "The number of parallel readers of the table; -1, the default, means 4. On the"
            + " FlinkRunner it also sets Flink's parallelism.")
    @Default.Integer(-1)
    Integer getParallelism();

    void setParallelism(Integer value);
  }

  /** Formats each row as one line of JSON and counts the rows. */
  static class FormatAsJsonFn extends DoFn<Row, String> {
    private final Counter rows = Metrics.counter(CopyTableToJson.class, "rows");

    @ProcessElement
    public void processElement(@Element Row row, OutputReceiver<String> out) {
      rows.inc();
      out.output(RowToJson.format(row));
    }
  }

  /** Prints each line to standard output, for {@code --output=console}. */
  static class PrintFn extends DoFn<String, Void> {
    @ProcessElement
    public void processElement(@Element String line) {
      System.out.println(line);
    }
  }

  public static void main(String[] args) throws Exception {
    PipelineOptionsFactory.register(Options.class);
    Options options = PipelineOptionsFactory.fromArgs(args).withValidation().as(Options.class);
    boolean demo = options.getSource() == null;
    String url = demo ? DEMO_URL : options.getSource();
    String username =
        options.getUsername() != null ? options.getUsername() : demo ? DEMO_USER : null;
    String password =
        options.getPassword() != null ? options.getPassword() : System.getenv(PASSWORD_VARIABLE);
    String table = options.getTable() != null ? options.getTable() : demo ? DEMO_TABLE : null;
    if (table == null) {
      throw new IllegalArgumentException("--table is required with --source");
    }
    int parallelism =
        options.getParallelism() == -1 ? DEFAULT_PARALLELISM : options.getParallelism();
    String output =
        options.getOutput() != null
            ? options.getOutput()
            : "target/demo-output/" + table.replaceAll("[^A-Za-z0-9_.-]", "_");

    ConnectionConfiguration connection = ConnectionConfiguration.create(url);
    if (username != null) {
      connection = connection.withUsername(username);
    }
    if (password != null) {
      connection = connection.withPassword(password);
    }
    // Runners may log or display the pipeline options: keep the credentials out of them.
    options.setPassword(null);
    if (!demo) {
      options.setSource(connection.getRedactedUrl());
    }

    if (demo && table.equals(DEMO_TABLE)) {
      createDemoTable(url, username, password);
    }

    Pipeline pipeline = Pipeline.create(options);
    PCollection<String> lines =
        pipeline
            .apply(
                "Read " + table,
                HeliosDbIO.read()
                    .withConnection(connection)
                    .withTable(table)
                    .withSnapshot(SnapshotOptions.byPrimaryKey().withChunkSize(50_000))
                    .withParallelism(parallelism))
            .apply("Format as JSON", ParDo.of(new FormatAsJsonFn()));
    String destination;
    if (output.equals("console")) {
      lines.apply("Print", ParDo.of(new PrintFn()));
      destination = "the console";
    } else {
      deleteOldOutput(output);
      lines.apply("Write JSON", TextIO.write().to(output).withSuffix(".json"));
      destination = FileSystems.matchNewResource(output, false) + "-*.json";
    }

    LOG.info(
        "Copying {} from {} as {} with {} readers to {}",
        table, connection.getRedactedUrl(), connection.getUsername(), parallelism, destination);
    long start = System.nanoTime();
    PipelineResult result = pipeline.run();
    PipelineResult.State state = result.waitUntilFinish();
    double seconds = (System.nanoTime() - start) / 1e9;
    if (state != PipelineResult.State.DONE) {
      throw new IllegalStateException("The pipeline ended in state " + state);
    }
    System.out.printf(
        "Copied %d rows of %s to %s in %.1f s (%s)%n",
        countedRows(result), table, destination, seconds, options.getRunner().getSimpleName());
  }

  /** The rows counted by {@link FormatAsJsonFn}. */
  static long countedRows(PipelineResult result) {
    long rows = 0;
    for (MetricResult<Long> counter :
        result
            .metrics()
            .queryMetrics(
                MetricsFilter.builder()
                    .addNameFilter(MetricNameFilter.named(CopyTableToJson.class, "rows"))
                    .build())
            .getCounters()) {
      rows += counter.getAttempted();
    }
    return rows;
  }

  /**
   * Deletes the files of an earlier run with the same prefix: the number of files the runner
   * writes can differ from run to run, and a stale file would add rows to the output.
   */
  static void deleteOldOutput(String prefix) throws IOException {
    List<ResourceId> old =
        FileSystems.match(prefix + "-*-of-*.json", EmptyMatchTreatment.ALLOW).metadata().stream()
            .map(Metadata::resourceId)
            .toList();
    if (!old.isEmpty()) {
      LOG.info("Deleting {} output files of an earlier run", old.size());
      FileSystems.delete(old);
    }
  }

  /**
   * Creates the demo table in the local PostgreSQL if it is missing, and fills it with {@value
   * #DEMO_ROWS} orders unless it already holds exactly that many rows.
   */
  static void createDemoTable(String url, String username, String password) throws SQLException {
    try (Connection connection = DriverManager.getConnection(url, username, password);
        Statement statement = connection.createStatement()) {
      statement.execute(
          "CREATE TABLE IF NOT EXISTS " + DEMO_TABLE + " ("
              + " id bigint PRIMARY KEY,"
              + " customer varchar(100) NOT NULL,"
              + " amount numeric(12,2) NOT NULL,"
              + " status text,"
              + " created_at timestamp NOT NULL,"
              + " updated_at timestamptz)");
      try (ResultSet rs = statement.executeQuery("SELECT count(*) FROM " + DEMO_TABLE)) {
        rs.next();
        if (rs.getLong(1) == DEMO_ROWS) {
          LOG.info("Demo table {} already holds {} rows", DEMO_TABLE, DEMO_ROWS);
          return;
        }
      }
      connection.setAutoCommit(false);
      statement.execute("TRUNCATE " + DEMO_TABLE);
      insertDemoRows(connection);
      connection.commit();
      LOG.info("Filled demo table {} with {} rows", DEMO_TABLE, DEMO_ROWS);
    }
  }

  private static void insertDemoRows(Connection connection) throws SQLException {
    String[] customers = {
      "Acme Corp", "Globex", "Initech", "Zoë \"Z\" O'Brien", "Ωmega Ltd.", "Tab\tand\\backslash"
    };
    String[] statuses = {"NEW", "PAID", "SHIPPED", "DELIVERED", "CANCELLED"};
    LocalDateTime epoch = LocalDateTime.of(2024, 1, 1, 0, 0);
    try (PreparedStatement insert =
        connection.prepareStatement(
            "INSERT INTO " + DEMO_TABLE
                + " (id, customer, amount, status, created_at, updated_at)"
                + " VALUES (?, ?, ?, ?, ?, ?)")) {
      for (int id = 1; id <= DEMO_ROWS; id++) {
        String status = id % 97 == 0 ? null : statuses[id % statuses.length];
        LocalDateTime created = epoch.plusMinutes(id * 37L).plusNanos((id % 1000) * 1_000L);
        insert.setLong(1, id);
        insert.setString(2, customers[id % customers.length]);
        insert.setBigDecimal(3, BigDecimal.valueOf(id * 7919L % 1_000_000, 2));
        insert.setString(4, status);
        insert.setObject(5, created);
        // orders never updated (NEW, or no status) have no updated_at
        insert.setObject(
            6,
            status == null || status.equals("NEW")
                ? null
                : created.plusHours(id % 48 + 1).atOffset(ZoneOffset.UTC),
            java.sql.Types.TIMESTAMP_WITH_TIMEZONE);
        insert.addBatch();
        if (id % 1_000 == 0) {
          insert.executeBatch();
        }
      }
      insert.executeBatch();
    }
  }
}
