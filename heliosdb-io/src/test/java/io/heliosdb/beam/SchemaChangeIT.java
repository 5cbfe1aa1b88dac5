package io.heliosdb.beam;

import static org.assertj.core.api.Assertions.assertThat;

import io.heliosdb.beam.schema.ColumnCheck;
import io.heliosdb.beam.testing.TestDatabase;
import io.heliosdb.beam.testing.TestDatabases;
import java.sql.SQLException;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ArgumentsSource;

/**
 * The output schema is fixed when the pipeline is built: a table whose columns changed since then
 * fails the read at once, with a message that names the change ({@link ColumnCheck}), in
 * snapshot and incremental mode (CDC: {@code CdcReadIT}). Each test changes the table after the
 * build and before the run, as an {@code ALTER TABLE} between a deployment's build and its
 * workers' start, or before a restore, would.
 */
@ExtendWith({TestPipelineExtension.class, TestDatabases.class})
class SchemaChangeIT {

  private static String table(TestDatabase db) throws SQLException {
    String table = BadInputIT.createTable(db, "schema_change", true, "");
    db.execute("INSERT INTO " + table + " VALUES (1, 'a', " + now(db) + "), (2, 'b', "
        + now(db) + ")");
    return table;
  }

  private static String now(TestDatabase db) {
    return db.isPostgres() ? "clock_timestamp()" : "NOW(6)";
  }

  private static HeliosDbIO.Read incremental(TestDatabase db, String table) {
    return BadInputIT.in(BadInputIT.Mode.INCREMENTAL, BadInputIT.read(db, table), table);
  }

  private static String failure(TestPipeline pipeline) {
    return BadInputIT.causeOf(BadInputIT.failsAtStart(pipeline), HeliosDbException.class)
        .getMessage();
  }

  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void incrementalFailsOnAnAddedColumn(TestDatabase db, TestPipeline pipeline) throws Exception {
    String table = table(db);
    try {
      pipeline.apply(incremental(db, table));
      db.execute("ALTER TABLE " + table + " ADD COLUMN note VARCHAR(20)");
      assertThat(failure(pipeline))
          .contains("[", table, "] the table's columns changed since the pipeline was built"
              + " (added [note], removed [], now [id, v, updated_at, note]); incremental polling"
              + " after the start stopped before reading with them. Restart the pipeline to"
              + " read the new schema");
    } finally {
      db.dropQuietly(table);
    }
  }

  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void incrementalFailsOnADroppedOrRetypedColumn(TestDatabase db, TestPipeline pipeline)
      throws Exception {
    String table = table(db);
    try {
      pipeline.apply(incremental(db, table));
      db.execute("ALTER TABLE " + table + " DROP COLUMN v",
          "ALTER TABLE " + table + (db.isPostgres() ? " ALTER COLUMN id TYPE NUMERIC(20)"
              : " MODIFY id DECIMAL(20)"));
      assertThat(failure(pipeline))
          .contains("the table's columns changed since the pipeline was built (added [],"
              + " removed [v], retyped [id: ", "now [id, updated_at])");
    } finally {
      db.dropQuietly(table);
    }
  }

  /** A dropped column makes the chunk query fail permanently; the message says why. */
  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void snapshotFailsOnADroppedColumn(TestDatabase db, TestPipeline pipeline) throws Exception {
    String table = table(db);
    try {
      pipeline.apply(BadInputIT.in(BadInputIT.Mode.SNAPSHOT, BadInputIT.read(db, table), table));
      db.execute("ALTER TABLE " + table + " DROP COLUMN v");
      assertThat(failure(pipeline))
          .contains("the table's columns changed since the pipeline was built (added [],"
              + " removed [v], now [id, updated_at]); snapshot read of");
    } finally {
      db.dropQuietly(table);
    }
  }
}
