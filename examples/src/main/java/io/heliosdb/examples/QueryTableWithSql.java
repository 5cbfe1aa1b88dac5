package io.heliosdb.examples;

import com.fasterxml.jackson.annotation.JsonIgnore;
import io.heliosdb.beam.ConnectionConfiguration;
import io.heliosdb.beam.HeliosDbIO;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.extensions.sql.SqlTransform;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.options.Validation;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;

/**
 * Reads a table with {@link HeliosDbIO} and queries its rows with Beam SQL ({@link
 * SqlTransform}), printing each result row as JSON. The table is {@code PCOLLECTION} in the
 * query; timestamp-with-time-zone and UUID columns are rewritten first by {@link
 * SqlCompatibleRows}, since Beam SQL cannot plan their Beam types (docs/beam-sql.md).
 *
 * <pre>{@code
 * HELIOSDB_PASSWORD=secret mvn -pl examples exec:java \
 *     -Dexec.mainClass=io.heliosdb.examples.QueryTableWithSql -Dexec.args="\
 *     --source=jdbc:postgresql://127.0.0.1:5432/heliosdb --username=postgres \
 *     --table=public.demo_orders \
 *     --query='SELECT status, COUNT(*) AS n FROM PCOLLECTION GROUP BY status'"
 * }</pre>
 */
public class QueryTableWithSql {
  /** Options of {@link QueryTableWithSql}. */
  public interface Options extends PipelineOptions {
    @Description("The database: a JDBC URL or postgresql://, mysql://, mariadb://, oracle:// URL")
    @Validation.Required
    String getSource();

    void setSource(String value);

    @Description("The database user")
    String getUsername();

    void setUsername(String value);

    @Description("The database password; prefer the environment variable "
        + CopyTableToJson.PASSWORD_VARIABLE + ". Never logged.")
    @JsonIgnore
    String getPassword();

    void setPassword(String value);

    @Description("The table to read, as table or namespace.table")
    @Validation.Required
    String getTable();

    void setTable(String value);

    @Description("The Beam SQL query; the table's rows are PCOLLECTION")
    @Default.String("SELECT COUNT(*) AS row_count FROM PCOLLECTION")
    String getQuery();

    void setQuery(String value);
  }

  /** Reads the table of {@code read} and runs {@code query} over its rows. */
  public static PCollection<Row> query(Pipeline pipeline, HeliosDbIO.Read read, String query) {
    return pipeline
        .apply("Read", read)
        .apply("For Beam SQL", SqlCompatibleRows.create())
        .apply("Query", SqlTransform.query(query));
  }

  static class PrintFn extends DoFn<Row, Void> {
    @ProcessElement
    public void processElement(@Element Row row) {
      System.out.println(RowToJson.format(row));
    }
  }

  public static void main(String[] args) {
    PipelineOptionsFactory.register(Options.class);
    Options options = PipelineOptionsFactory.fromArgs(args).withValidation().as(Options.class);
    ConnectionConfiguration connection = ConnectionConfiguration.create(options.getSource());
    if (options.getUsername() != null) {
      connection = connection.withUsername(options.getUsername());
    }
    String password = options.getPassword() != null
        ? options.getPassword() : System.getenv(CopyTableToJson.PASSWORD_VARIABLE);
    if (password != null) {
      connection = connection.withPassword(password);
    }
    // Runners may log or display the pipeline options: keep the credentials out of them.
    options.setPassword(null);
    options.setSource(connection.getRedactedUrl());

    Pipeline pipeline = Pipeline.create(options);
    query(pipeline, HeliosDbIO.read().withConnection(connection).withTable(options.getTable()),
        options.getQuery())
        .apply("Print", ParDo.of(new PrintFn()));
    pipeline.run().waitUntilFinish();
  }
}
