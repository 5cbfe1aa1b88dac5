package com.example.consumer;

import io.heliosdb.beam.CdcOptions;
import io.heliosdb.beam.ConnectionConfiguration;
import io.heliosdb.beam.HeliosDbIO;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.Row;

/**
 * Reads a table of three rows from PostgreSQL with HeliosDbIO on the Direct runner and checks the
 * rows read. Arguments: the JDBC URL of a database the user {@code postgres} may create tables
 * in; then, to check the error of a read whose library is missing from the class path instead,
 * {@code missing-driver} (a snapshot read) or {@code missing-connector} (a CDC read) and the Maven
 * coordinates the error must name.
 */
public final class ReadPostgres {
  static final AtomicLong ROWS = new AtomicLong();

  public static void main(String[] args) throws SQLException {
    String url = args.length > 0 ? args[0] : "jdbc:postgresql://127.0.0.1:5432/heliosdb";
    if (args.length > 2) {
      checkMissingLibraryError(url, args[1].equals("missing-connector"), args[2]);
      return;
    }
    String table =
        "consumer_check_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    try (Connection connection = DriverManager.getConnection(url, "postgres", "");
        Statement statement = connection.createStatement()) {
      statement.execute("CREATE TABLE " + table + " (id int PRIMARY KEY, name text)");
      try {
        statement.execute("INSERT INTO " + table + " VALUES (1, 'a'), (2, 'b'), (3, 'c')");
        Pipeline pipeline = Pipeline.create(PipelineOptionsFactory.create());
        pipeline.apply(read(url, table)).apply(ParDo.of(new CountRows()));
        pipeline.run().waitUntilFinish();
      } finally {
        statement.execute("DROP TABLE " + table);
      }
    }
    if (ROWS.get() != 3) {
      throw new IllegalStateException("read " + ROWS.get() + " rows of " + table + ", expected 3");
    }
    System.out.println("ReadPostgres: read 3 rows of " + table);
  }

  static HeliosDbIO.Read read(String url, String table) {
    return HeliosDbIO.read()
        .withConnection(ConnectionConfiguration.create(url).withUsername("postgres"))
        .withTable(table);
  }

  /** Builds a read (CDC if {@code cdc}) that must fail naming {@code coordinates}. */
  static void checkMissingLibraryError(String url, boolean cdc, String coordinates) {
    HeliosDbIO.Read read = read(url, "consumer_check_missing");
    try {
      Pipeline.create(PipelineOptionsFactory.create())
          .apply(cdc ? read.withCdc(CdcOptions.create()) : read);
    } catch (IllegalStateException e) {
      if (!e.getMessage().endsWith("add the Maven dependency " + coordinates)) {
        throw new IllegalStateException("the error does not name " + coordinates, e);
      }
      System.out.println("ReadPostgres: built without it: " + e.getMessage());
      return;
    }
    throw new IllegalStateException("the read was built without " + coordinates);
  }

  static final class CountRows extends DoFn<Row, Void> {
    @ProcessElement
    public void processElement(@Element Row row) {
      ROWS.incrementAndGet();
    }
  }
}
