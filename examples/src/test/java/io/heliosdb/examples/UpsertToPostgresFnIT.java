package io.heliosdb.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.heliosdb.beam.cdc.ChangeEnvelope;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.Row;
import org.joda.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link UpsertToPostgresFn} on the Direct runner against the local PostgreSQL: rows written twice
 * leave one row each; change envelopes insert, update, delete and truncate by primary key.
 */
class UpsertToPostgresFnIT {
  private static final String URL = CopyTableToJson.DEMO_URL;
  private static final String USER = CopyTableToJson.DEMO_USER;
  private static final String TABLE = "public.fc_upsert_replica";
  private static final Schema ROW =
      Schema.builder().addInt64Field("id").addInt64Field("v").addNullableStringField("s").build();
  private static final Schema ENVELOPE = ChangeEnvelope.schema(ROW);

  @BeforeEach
  void createTable() throws SQLException {
    try (Connection c = DriverManager.getConnection(URL, USER, null);
        Statement s = c.createStatement()) {
      s.execute("DROP TABLE IF EXISTS " + TABLE);
      s.execute("CREATE TABLE " + TABLE + " (id bigint PRIMARY KEY, v bigint NOT NULL, s text)");
    }
  }

  @AfterAll
  static void dropTable() throws SQLException {
    try (Connection c = DriverManager.getConnection(URL, USER, null);
        Statement s = c.createStatement()) {
      s.execute("DROP TABLE IF EXISTS " + TABLE);
    }
  }

  @Test
  void rowsWrittenTwiceLeaveOneRowEach() throws SQLException {
    write(row(1, 10, "a"), row(2, 20, null), row(3, 30, "c"), row(2, 20, null), row(1, 10, "a"));
    assertThat(replica()).containsExactly("1:10:a", "2:20:null", "3:30:c");
  }

  @Test
  void changesInsertUpdateDeleteAndTruncateByKey() throws SQLException {
    write(change("c", null, row(1, 10, "a")), change("r", null, row(2, 20, "b")),
        change("c", null, row(3, 30, "c")), change("c", null, row(3, 30, "c")));
    assertThat(replica()).containsExactly("1:10:a", "2:20:b", "3:30:c");

    write(change("u", row(2, 20, "b"), row(2, 21, "b2")), change("d", row(1, 10, "a"), null),
        change("d", row(1, 10, "a"), null));
    assertThat(replica()).containsExactly("2:21:b2", "3:30:c");

    write(change("t", null, null));
    assertThat(replica()).isEmpty();
  }

  private static void write(Row... elements) {
    Pipeline pipeline = Pipeline.create(PipelineOptionsFactory.create());
    pipeline
        .apply(Create.of(List.of(elements)).withRowSchema(elements[0].getSchema()))
        .apply(ParDo.of(new UpsertToPostgresFn(URL, USER, null, TABLE)));
    pipeline.run().waitUntilFinish();
  }

  private static Row row(long id, long v, String s) {
    return Row.withSchema(ROW).addValues(id, v, s).build();
  }

  private static Row change(String op, Row before, Row after) {
    Row source = Row.withSchema(ChangeEnvelope.SOURCE_SCHEMA)
        .addValues("heliosdb", "public", "fc_upsert").build();
    return ChangeEnvelope.of(ENVELOPE, op, before, after, source, "0/0", null, Instant.EPOCH);
  }

  private static List<String> replica() throws SQLException {
    List<String> rows = new ArrayList<>();
    try (Connection c = DriverManager.getConnection(URL, USER, null);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT id, v, s FROM " + TABLE + " ORDER BY id")) {
      while (rs.next()) {
        rows.add(rs.getLong(1) + ":" + rs.getLong(2) + ":" + rs.getString(3));
      }
    }
    return rows;
  }
}
