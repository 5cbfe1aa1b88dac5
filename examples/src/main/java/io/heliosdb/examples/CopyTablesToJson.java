package io.heliosdb.examples;

import com.fasterxml.jackson.annotation.JsonIgnore;
import io.heliosdb.beam.ConnectionConfiguration;
import io.heliosdb.beam.HeliosDbIO;
import io.heliosdb.beam.ReadTables;
import io.heliosdb.beam.SnapshotOptions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.io.TextIO;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionRowTuple;
import org.apache.beam.sdk.values.Row;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies a set of tables (a list, a pattern or a whole schema) to newline-delimited JSON files,
 * one directory per table, with {@link HeliosDbIO#readTables()}: the chunks of all tables are
 * read by the same parallel readers, and each table's rows go to its own files.
 *
 * <p>Without {@code --source} it runs a demo: it creates the tables {@code demo_orders} (10,000
 * rows) and {@code demo_customers} (6 rows) in the local PostgreSQL database {@code heliosdb} and
 * copies every table matching {@code public\.demo_.*} to {@code
 * target/demo-output/tables/<table>/part-*.json}:
 *
 * <pre>{@code
 * mvn -B -q install -pl examples -am -DskipTests -Djacoco.skip=true
 * mvn -pl examples exec:java -Dexec.mainClass=io.heliosdb.examples.CopyTablesToJson
 * HELIOSDB_PASSWORD=secret mvn -pl examples exec:java \
 *     -Dexec.mainClass=io.heliosdb.examples.CopyTablesToJson -Dexec.args="\
 *     --source=jdbc:mysql://db.example.com:3306/shop --username=reader \
 *     --namespace=shop --output=/tmp/shop --parallelism=8"
 * }</pre>
 */
public class CopyTablesToJson {
  private static final Logger LOG = LoggerFactory.getLogger(CopyTablesToJson.class);
  static final String DEMO_PATTERN = "public\\.demo_.*";
  static final String DEFAULT_OUTPUT = "target/demo-output/tables";

  /** Options of {@link CopyTablesToJson}. */
  public interface Options extends PipelineOptions {
    @Description("The database, as for CopyTableToJson; without it, the demo on the local"
        + " PostgreSQL " + CopyTableToJson.DEMO_URL)
    String getSource();

    void setSource(String value);

    @Description("The database user; the demo's default is " + CopyTableToJson.DEMO_USER)
    String getUsername();

    void setUsername(String value);

    @Description("The database password; prefer the environment variable "
        + CopyTableToJson.PASSWORD_VARIABLE + ". Never logged.")
    @JsonIgnore
    String getPassword();

    void setPassword(String value);

    @Description("Tables to copy, comma-separated, each as table or namespace.table")
    String getTables();

    void setTables(String value);

    @Description("A regular expression over namespace.table: copies every table it matches")
    String getTablePattern();

    void setTablePattern(String value);

    @Description("A schema or database: copies every table of it")
    String getNamespace();

    void setNamespace(String value);

    /** No {@code @Default}: other examples' options of this name have defaults of their own. */
    @Description("The output directory; each table is written to <output>/<namespace.table>/."
        + " Default: " + DEFAULT_OUTPUT)
    String getOutput();

    void setOutput(String value);

    @Description("Readers shared by all tables (and Flink's parallelism on the FlinkRunner);"
        + " -1, the default, means 4")
    @Default.Integer(-1)
    Integer getParallelism();

    void setParallelism(Integer value);
  }

  public static void main(String[] args) throws Exception {
    // not registered: registered options of every example would have to agree in one JVM
    Options options = PipelineOptionsFactory.fromArgs(args).withValidation().as(Options.class);
    boolean demo = options.getSource() == null;
    String url = demo ? CopyTableToJson.DEMO_URL : options.getSource();
    String username = options.getUsername() != null
        ? options.getUsername() : demo ? CopyTableToJson.DEMO_USER : null;
    String password = options.getPassword() != null
        ? options.getPassword() : System.getenv(CopyTableToJson.PASSWORD_VARIABLE);
    ConnectionConfiguration connection = ConnectionConfiguration.create(url);
    if (username != null) {
      connection = connection.withUsername(username);
    }
    if (password != null) {
      connection = connection.withPassword(password);
    }
    options.setPassword(null); // runners may display the options: keep the password out
    if (!demo) {
      options.setSource(connection.getRedactedUrl());
    } else {
      CopyTableToJson.createDemoTable(url, username, password);
      createDemoCustomers(url, username, password);
    }

    int parallelism = options.getParallelism() == -1
        ? CopyTableToJson.DEFAULT_PARALLELISM : options.getParallelism();
    ReadTables read = HeliosDbIO.readTables()
        .withConnection(connection)
        .withSnapshot(SnapshotOptions.byPrimaryKey().withChunkSize(50_000))
        .withParallelism(parallelism);
    if (options.getTables() != null) {
      read = read.withTables(Arrays.stream(options.getTables().split(",")).map(String::trim)
          .toList());
    } else if (options.getNamespace() != null) {
      read = read.withNamespace(options.getNamespace());
    } else {
      read = read.withTablePattern(
          options.getTablePattern() != null ? options.getTablePattern() : DEMO_PATTERN);
    }

    String output = options.getOutput() != null ? options.getOutput() : DEFAULT_OUTPUT;
    Pipeline pipeline = Pipeline.create(options);
    PCollectionRowTuple tables = pipeline.apply("Read tables", read);
    for (Map.Entry<String, PCollection<Row>> table : tables.getAll().entrySet()) {
      String prefix = output + "/" + table.getKey() + "/part";
      CopyTableToJson.deleteOldOutput(prefix);
      table.getValue()
          .apply("Format " + table.getKey(), ParDo.of(new CopyTableToJson.FormatAsJsonFn()))
          .apply("Write " + table.getKey(), TextIO.write().to(prefix).withSuffix(".json"));
    }
    LOG.info("Copying {} tables from {} to {}", tables.getAll().size(),
        connection.getRedactedUrl(), output);
    PipelineResult.State state = pipeline.run().waitUntilFinish();
    if (state != PipelineResult.State.DONE) {
      throw new IllegalStateException("The pipeline ended in state " + state);
    }
    System.out.printf("Copied %s to %s/<table>/%n", tables.getAll().keySet(), output);
  }

  /** The demo's second table: a few customers, created and filled if missing. */
  static void createDemoCustomers(String url, String username, String password)
      throws SQLException {
    try (Connection connection = DriverManager.getConnection(url, username, password);
        Statement statement = connection.createStatement()) {
      statement.execute("CREATE TABLE IF NOT EXISTS demo_customers"
          + " (name varchar(100) PRIMARY KEY, country char(2) NOT NULL)");
      statement.execute("INSERT INTO demo_customers VALUES ('Acme Corp', 'US'), ('Globex', 'US'),"
          + " ('Initech', 'US'), ('Zoë \"Z\" O''Brien', 'IE'), ('Ωmega Ltd.', 'GR'),"
          + " ('Tab\tand\\backslash', 'DE') ON CONFLICT DO NOTHING");
    }
  }
}
