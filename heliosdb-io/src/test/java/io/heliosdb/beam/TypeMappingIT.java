package io.heliosdb.beam;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.heliosdb.beam.schema.Mappings;
import io.heliosdb.beam.testing.DatabaseKind;
import io.heliosdb.beam.testing.TestDatabase;
import io.heliosdb.beam.testing.TestDatabases;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.Schema.FieldType;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Every mapped type of each database, read end to end: the detected Beam schema and the values,
 * with a second row of NULLs in every nullable column.
 */
@ExtendWith(TestPipelineExtension.class)
class TypeMappingIT {

  /** Reads the table and returns its rows by id after checking the schema's field types. */
  static PCollection<Row> readAll(TestDatabase db, String table, TestPipeline pipeline,
      Map<String, FieldType> expectedTypes) {
    PCollection<Row> rows = pipeline.apply(HeliosDbIO.read()
        .withConnection(db.connectionConfiguration()).withTable(table).withParallelism(2));
    Schema schema = rows.getSchema();
    expectedTypes.forEach((column, type) ->
        assertThat(schema.getField(column).getType().withNullable(false))
            .as("type of %s", column).isEqualTo(type));
    return rows;
  }

  static Row byId(Iterable<Row> rows, int id) {
    for (Row row : rows) {
      if (row.getInt32("id") == id) {
        return row;
      }
    }
    throw new AssertionError("no row " + id);
  }

  static void assertAllNullBut(Row row, String... notNull) {
    List<String> keep = Arrays.asList(notNull);
    for (Schema.Field field : row.getSchema().getFields()) {
      if (!keep.contains(field.getName())) {
        assertThat((Object) row.getValue(field.getName())).as(field.getName()).isNull();
      }
    }
  }

  /** A table with every mapped PostgreSQL type: row 1 with values, row 2 with NULLs. */
  static String[] postgresTable(String table) {
    String mood = table + "_mood";
    return new String[] {
        "CREATE TYPE " + mood + " AS ENUM ('sad', 'happy')",
        "CREATE TABLE " + table + " (id int PRIMARY KEY, c_smallint smallint, c_int integer,"
            + " c_bigint bigint, c_serial serial, c_numeric numeric(12,2), c_numeric_free numeric,"
            + " c_real real, c_double double precision, c_bool boolean, c_bit bit(1),"
            + " c_varbit bit varying(8), c_char char(3), c_varchar varchar(10), c_text text,"
            + " c_enum " + mood + ", c_bytea bytea, c_date date, c_time time, c_ts timestamp,"
            + " c_tstz timestamptz, c_uuid uuid, c_json json, c_jsonb jsonb, c_int_array int[],"
            + " c_text_array text[], c_interval interval, c_time_array time[],"
            + " c_ts_array timestamp[], c_tstz_array timestamptz[], c_date_array date[],"
            + " c_uuid_array uuid[], c_numeric_array numeric[])",
        "INSERT INTO " + table + " VALUES (1, -32768, 2147483647, -9223372036854775808, 5,"
            + " 1234567890.12, 3.14159265358979323846, 1.5, 2.25, true, B'1', B'1011', 'ab',"
            + " 'varchar', 'text ü', 'happy', '\\xdeadbeef', '2024-02-29', '23:59:58.123456',"
            + " '2024-02-29 12:34:56.789012', '2024-02-29 12:34:56.789012+02',"
            + " 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{\"a\": 1}', '{\"b\": 2}',"
            + " '{1,NULL,3}', '{x,y}', '1 day 2 hours', '{13:45:00.123456,NULL}',"
            + " '{\"2024-03-31 02:30:00.5\"}', '{\"2024-03-31 02:30:00.123456+00\"}',"
            + " '{2024-02-29}', '{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}', '{1.50,-2}')",
        "INSERT INTO " + table + " (id) VALUES (2)"};
  }

  /** A table with every mapped MariaDB type: row 1 with values, row 2 with NULLs. */
  static String[] mariaDbTable(String table) {
    return new String[] {
        "CREATE TABLE " + table + " (id INT PRIMARY KEY, c_tinyint TINYINT,"
            + " c_tinyint_u TINYINT UNSIGNED, c_bool BOOLEAN, c_smallint SMALLINT,"
            + " c_smallint_u SMALLINT UNSIGNED, c_mediumint MEDIUMINT, c_int INT,"
            + " c_int_u INT UNSIGNED, c_bigint BIGINT, c_bigint_u BIGINT UNSIGNED,"
            + " c_decimal DECIMAL(12,2), c_float FLOAT, c_double DOUBLE, c_bit1 BIT(1),"
            + " c_bit8 BIT(8), c_char CHAR(3), c_varchar VARCHAR(10), c_text TEXT,"
            + " c_enum ENUM('a','b'), c_set SET('x','y','z'), c_varbinary VARBINARY(4),"
            + " c_blob BLOB, c_date DATE, c_time TIME(6), c_datetime DATETIME(6),"
            + " c_timestamp TIMESTAMP(6) NULL DEFAULT NULL, c_year YEAR, c_json JSON,"
            + " c_uuid UUID)",
        "INSERT INTO " + table + " VALUES (1, -128, 255, TRUE, -32768, 65535, -8388608,"
        + " -2147483648, 4294967295, -9223372036854775808, 18446744073709551615, 1234567890.12,"
        + " 1.5, 2.25, b'1', b'10100101', 'ab', 'varchar', 'text ü', 'b', 'x,z', X'DEADBEEF',"
        + " X'CAFE', '2024-02-29', '23:59:58.123456', '2024-02-29 12:34:56.789012', NULL, 2155,"
        + " '{\"a\": 1}', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11')",
        "INSERT INTO " + table + " (id) VALUES (2)"};
  }

  @Test
  void postgresTypes(TestPipeline pipeline) throws Exception {
    TestDatabase db = TestDatabases.get(DatabaseKind.POSTGRES);
    String table = TestDatabase.uniqueName("types_pg");
    db.execute(postgresTable(table));

    PCollection<Row> rows = readAll(db, table, pipeline, Map.ofEntries(
        Map.entry("c_smallint", FieldType.INT16), Map.entry("c_int", FieldType.INT32),
        Map.entry("c_bigint", FieldType.INT64), Map.entry("c_serial", FieldType.INT32),
        Map.entry("c_numeric", FieldType.DECIMAL), Map.entry("c_numeric_free", FieldType.DECIMAL),
        Map.entry("c_real", FieldType.FLOAT), Map.entry("c_double", FieldType.DOUBLE),
        Map.entry("c_bool", FieldType.BOOLEAN), Map.entry("c_bit", FieldType.BOOLEAN),
        Map.entry("c_varbit", FieldType.STRING), Map.entry("c_char", FieldType.STRING),
        Map.entry("c_enum", FieldType.STRING), Map.entry("c_bytea", FieldType.BYTES),
        Map.entry("c_date", Mappings.DATE), Map.entry("c_time", Mappings.TIME),
        Map.entry("c_ts", Mappings.DATETIME), Map.entry("c_tstz", Mappings.TIMESTAMP),
        Map.entry("c_uuid", Mappings.UUID_TYPE), Map.entry("c_jsonb", FieldType.STRING),
        Map.entry("c_int_array", FieldType.array(FieldType.INT32.withNullable(true))),
        Map.entry("c_text_array", FieldType.array(FieldType.STRING.withNullable(true))),
        Map.entry("c_interval", FieldType.STRING)));

    PAssert.that(rows).satisfies(all -> {
      Row row = byId(all, 1);
      assertThat(row.getInt16("c_smallint")).isEqualTo((short) -32768);
      assertThat(row.getInt32("c_int")).isEqualTo(Integer.MAX_VALUE);
      assertThat(row.getInt64("c_bigint")).isEqualTo(Long.MIN_VALUE);
      assertThat(row.getDecimal("c_numeric")).isEqualByComparingTo("1234567890.12");
      assertThat(row.getDecimal("c_numeric_free"))
          .isEqualByComparingTo(new BigDecimal("3.14159265358979323846"));
      assertThat(row.getFloat("c_real")).isEqualTo(1.5f);
      assertThat(row.getDouble("c_double")).isEqualTo(2.25);
      assertThat(row.getBoolean("c_bool")).isTrue();
      assertThat(row.getBoolean("c_bit")).isTrue();
      assertThat(row.getString("c_varbit")).isEqualTo("1011");
      assertThat(row.getString("c_char")).isEqualTo("ab ");
      assertThat(row.getString("c_text")).isEqualTo("text ü");
      assertThat(row.getString("c_enum")).isEqualTo("happy");
      assertThat(row.getBytes("c_bytea")).containsExactly(0xde, 0xad, 0xbe, 0xef);
      assertThat((Object) row.getValue("c_date")).isEqualTo(LocalDate.of(2024, 2, 29));
      assertThat((Object) row.getValue("c_time")).isEqualTo(LocalTime.parse("23:59:58.123456"));
      assertThat((Object) row.getValue("c_ts"))
          .isEqualTo(LocalDateTime.parse("2024-02-29T12:34:56.789012"));
      assertThat((Object) row.getValue("c_tstz"))
          .isEqualTo(Instant.parse("2024-02-29T10:34:56.789012Z"));
      assertThat((Object) row.getValue("c_uuid"))
          .isEqualTo(UUID.fromString("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"));
      assertThat(row.getString("c_json")).isEqualTo("{\"a\": 1}");
      assertThat(row.getString("c_jsonb")).isEqualTo("{\"b\": 2}");
      assertThat(row.<Integer>getArray("c_int_array")).containsExactly(1, null, 3);
      assertThat(row.<String>getArray("c_text_array")).containsExactly("x", "y");
      assertThat(row.getString("c_interval")).isEqualTo("1 day 02:00:00");
      assertThat(row.<Object>getArray("c_time_array"))
          .containsExactly(LocalTime.parse("13:45:00.123456"), null);
      assertThat(row.<Object>getArray("c_ts_array"))
          .containsExactly(LocalDateTime.parse("2024-03-31T02:30:00.5"));
      assertThat(row.<Object>getArray("c_tstz_array"))
          .containsExactly(Instant.parse("2024-03-31T02:30:00.123456Z"));
      assertThat(row.<Object>getArray("c_date_array")).containsExactly(LocalDate.of(2024, 2, 29));
      assertThat(row.<Object>getArray("c_uuid_array"))
          .containsExactly(UUID.fromString("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"));
      assertThat(row.<BigDecimal>getArray("c_numeric_array")).usingElementComparator(
          BigDecimal::compareTo).containsExactly(new BigDecimal("1.5"), new BigDecimal("-2"));
      assertAllNullBut(byId(all, 2), "id", "c_serial");
      return null;
    });
    pipeline.run().waitUntilFinish();
    db.execute("DROP TABLE " + table, "DROP TYPE " + table + "_mood");
  }

  @Test
  void mariaDbTypes(TestPipeline pipeline) throws Exception {
    TestDatabase db = TestDatabases.get(DatabaseKind.MYSQL);
    String table = TestDatabase.uniqueName("types_my");
    db.execute(mariaDbTable(table));
    Instant instant = Instant.parse("2024-02-29T10:34:56.789012Z");
    try (var connection = db.connect();
        var update = connection.prepareStatement(
            "UPDATE " + table + " SET c_timestamp = FROM_UNIXTIME(?) WHERE id = 1")) {
      // the instant itself, whatever the JVM's and the session's zones
      update.setBigDecimal(1, java.math.BigDecimal.valueOf(instant.getEpochSecond())
          .add(java.math.BigDecimal.valueOf(instant.getNano(), 9)));
      update.executeUpdate();
    }

    PCollection<Row> rows = readAll(db, table, pipeline, Map.ofEntries(
        Map.entry("c_tinyint", FieldType.BYTE), Map.entry("c_tinyint_u", FieldType.INT16),
        Map.entry("c_bool", FieldType.BOOLEAN), Map.entry("c_smallint_u", FieldType.INT32),
        Map.entry("c_mediumint", FieldType.INT32), Map.entry("c_int_u", FieldType.INT64),
        Map.entry("c_bigint_u", FieldType.DECIMAL), Map.entry("c_float", FieldType.FLOAT),
        Map.entry("c_bit1", FieldType.BOOLEAN), Map.entry("c_bit8", FieldType.INT64),
        Map.entry("c_enum", FieldType.STRING), Map.entry("c_set", FieldType.array(FieldType.STRING)),
        Map.entry("c_varbinary", FieldType.BYTES), Map.entry("c_blob", FieldType.BYTES),
        Map.entry("c_date", Mappings.DATE), Map.entry("c_time", Mappings.TIME),
        Map.entry("c_datetime", Mappings.DATETIME), Map.entry("c_timestamp", Mappings.TIMESTAMP),
        Map.entry("c_year", FieldType.INT16), Map.entry("c_json", FieldType.STRING),
        Map.entry("c_uuid", Mappings.UUID_TYPE)));

    PAssert.that(rows).satisfies(all -> {
      Row row = byId(all, 1);
      assertThat(row.getByte("c_tinyint")).isEqualTo((byte) -128);
      assertThat(row.getInt16("c_tinyint_u")).isEqualTo((short) 255);
      assertThat(row.getBoolean("c_bool")).isTrue();
      assertThat(row.getInt16("c_smallint")).isEqualTo((short) -32768);
      assertThat(row.getInt32("c_smallint_u")).isEqualTo(65535);
      assertThat(row.getInt32("c_mediumint")).isEqualTo(-8388608);
      assertThat(row.getInt32("c_int")).isEqualTo(Integer.MIN_VALUE);
      assertThat(row.getInt64("c_int_u")).isEqualTo(4294967295L);
      assertThat(row.getInt64("c_bigint")).isEqualTo(Long.MIN_VALUE);
      assertThat(row.getDecimal("c_bigint_u")).isEqualByComparingTo("18446744073709551615");
      assertThat(row.getDecimal("c_decimal")).isEqualByComparingTo("1234567890.12");
      assertThat(row.getFloat("c_float")).isEqualTo(1.5f);
      assertThat(row.getDouble("c_double")).isEqualTo(2.25);
      assertThat(row.getBoolean("c_bit1")).isTrue();
      assertThat(row.getInt64("c_bit8")).isEqualTo(0b10100101L);
      assertThat(row.getString("c_char")).isEqualTo("ab");
      assertThat(row.getString("c_text")).isEqualTo("text ü");
      assertThat(row.getString("c_enum")).isEqualTo("b");
      assertThat(row.<String>getArray("c_set")).containsExactly("x", "z");
      assertThat(row.getBytes("c_varbinary")).containsExactly(0xde, 0xad, 0xbe, 0xef);
      assertThat(row.getBytes("c_blob")).containsExactly(0xca, 0xfe);
      assertThat((Object) row.getValue("c_date")).isEqualTo(LocalDate.of(2024, 2, 29));
      assertThat((Object) row.getValue("c_time")).isEqualTo(LocalTime.parse("23:59:58.123456"));
      assertThat((Object) row.getValue("c_datetime"))
          .isEqualTo(LocalDateTime.parse("2024-02-29T12:34:56.789012"));
      assertThat((Object) row.getValue("c_timestamp")).isEqualTo(instant);
      assertThat(row.getInt16("c_year")).isEqualTo((short) 2155);
      assertThat(row.getString("c_json")).isEqualTo("{\"a\": 1}");
      assertThat((Object) row.getValue("c_uuid"))
          .isEqualTo(UUID.fromString("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"));
      assertAllNullBut(byId(all, 2), "id");
      return null;
    });
    pipeline.run().waitUntilFinish();
    db.dropQuietly(table);
  }

  @Test
  void unknownTypeFailsAtConstructionNamingTheColumnUnlessReadAsString(TestPipeline pipeline)
      throws Exception {
    List<String> tables = new ArrayList<>();
    for (DatabaseKind kind : List.of(DatabaseKind.POSTGRES, DatabaseKind.MYSQL)) {
      TestDatabase db = TestDatabases.get(kind);
      String table = TestDatabase.uniqueName("types_unknown");
      db.execute("CREATE TABLE " + table + " (id INT PRIMARY KEY, location POINT)");
      db.execute("INSERT INTO " + table + " VALUES (1, " + (db.isPostgres() ? "point(1,2)"
          : "POINT(1,2)") + ")");
      HeliosDbIO.Read read = HeliosDbIO.read().withConnection(db.connectionConfiguration())
          .withTable(table);
      assertThatThrownBy(() -> org.apache.beam.sdk.Pipeline.create().apply(read))
          .isInstanceOf(SchemaMappingException.class)
          .hasMessageContaining("location")
          .hasMessageContaining("point")
          .hasMessageContaining("withUnknownTypesAsString");
      PCollection<Row> rows = pipeline.apply("as string " + kind,
          read.withUnknownTypesAsString(true));
      assertThat(rows.getSchema().getField("location").getType().getTypeName())
          .isEqualTo(Schema.TypeName.STRING);
      PAssert.that(rows).satisfies(all -> {
        assertThat(all.iterator().next().getString("location")).isNotEmpty();
        return null;
      });
      tables.add(kind + ":" + table);
    }
    pipeline.run().waitUntilFinish();
    TestDatabases.get(DatabaseKind.POSTGRES).dropQuietly(tables.get(0).split(":")[1]);
    TestDatabases.get(DatabaseKind.MYSQL).dropQuietly(tables.get(1).split(":")[1]);
  }
}
