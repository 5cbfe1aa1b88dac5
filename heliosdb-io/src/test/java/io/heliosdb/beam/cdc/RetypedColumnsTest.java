package io.heliosdb.beam.cdc;

import static org.assertj.core.api.Assertions.assertThat;

import io.heliosdb.beam.dialect.Dialect;
import io.heliosdb.beam.dialect.MySqlDialect;
import io.heliosdb.beam.dialect.PostgresDialect;
import io.heliosdb.beam.schema.ColumnInfo;
import io.heliosdb.beam.schema.TableId;
import io.heliosdb.beam.schema.TableMetadata;
import io.heliosdb.beam.schema.TableSchema;
import java.sql.Types;
import java.util.List;
import org.apache.beam.sdk.schemas.Schema.FieldType;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.junit.jupiter.api.Test;

/** Which declared types of the log no longer read into the output schema. */
class RetypedColumnsTest {

  /** A log row of one column {@code n}, declared as the connector reports it. */
  private static Schema logRow(Schema.Type type, String declared, String length) {
    SchemaBuilder column = SchemaBuilder.type(type).optional()
        .parameter(RetypedColumns.SOURCE_TYPE, declared);
    if (length != null) {
      column.parameter(RetypedColumns.SOURCE_LENGTH, length);
    }
    return SchemaBuilder.struct().field("n", column.build()).build();
  }

  private static List<String> retyped(Dialect dialect, ColumnInfo built, Schema logRow) {
    TableMetadata table = new TableMetadata(new TableId("s", "t"), List.of(built), List.of(),
        List.of());
    return new RetypedColumns(dialect, table.columns(),
        TableSchema.of(table, dialect::mapColumn, false).schema()).in(logRow);
  }

  @Test
  void postgresIntegerColumnsFailWhenWidenedAndAliasesOfTheSameTypeFit() {
    PostgresDialect postgres = new PostgresDialect();
    ColumnInfo int4 = new ColumnInfo("n", Types.INTEGER, "int4", "int4", 10, 0, false);
    assertThat(retyped(postgres, int4, logRow(Schema.Type.INT32, "INT4", "10"))).isEmpty();
    assertThat(retyped(postgres, int4, logRow(Schema.Type.INT64, "INT8", "19")))
        .containsExactly("n: int4 -> int8");
    assertThat(retyped(postgres, int4, logRow(Schema.Type.STRING, "TEXT", null)))
        .containsExactly("n: int4 -> text");
    ColumnInfo serial = new ColumnInfo("n", Types.INTEGER, "serial", "serial", 10, 0, false);
    assertThat(retyped(postgres, serial, logRow(Schema.Type.INT32, "int4", "10"))).isEmpty();
    // an old change of the narrower type, read after a restart into the wider schema
    ColumnInfo int8 = new ColumnInfo("n", Types.BIGINT, "int8", "int8", 19, 0, false);
    assertThat(retyped(postgres, int8, logRow(Schema.Type.INT32, "int4", "10"))).isEmpty();
    // a user-defined type the dialect does not map, under its own name
    ColumnInfo mood = new ColumnInfo("n", Types.VARCHAR, "mood", "mood", 0, 0, true);
    assertThat(retyped(postgres, mood, logRow(Schema.Type.STRING, "mood", null))).isEmpty();
  }

  @Test
  void mariaDbDeclaredTypesWithAttributesMapAsTheCatalogsDo() {
    MySqlDialect mariaDb = new MySqlDialect(false);
    ColumnInfo integer = new ColumnInfo("n", 0, "int", "int(11)", 10, 0, false);
    assertThat(retyped(mariaDb, integer, logRow(Schema.Type.INT32, "INT", "11"))).isEmpty();
    assertThat(retyped(mariaDb, integer, logRow(Schema.Type.INT32, "INTEGER", null))).isEmpty();
    assertThat(retyped(mariaDb, integer, logRow(Schema.Type.INT64, "BIGINT", null)))
        .containsExactly("n: int(11) -> bigint");
    assertThat(retyped(mariaDb, integer, logRow(Schema.Type.INT64, "INT UNSIGNED", "10")))
        .containsExactly("n: int(11) -> int(10) unsigned");
    ColumnInfo flag = new ColumnInfo("n", 0, "tinyint", "tinyint(1)", 3, 0, true);
    assertThat(retyped(mariaDb, flag, logRow(Schema.Type.INT16, "TINYINT", "1"))).isEmpty();
    assertThat(retyped(mariaDb, flag, logRow(Schema.Type.BOOLEAN, "BOOLEAN", null))).isEmpty();
    ColumnInfo text = new ColumnInfo("n", 0, "varchar", "varchar(20)", 20, 0, true);
    assertThat(retyped(mariaDb, text, logRow(Schema.Type.STRING, "VARCHAR", "50"))).isEmpty();
  }

  @Test
  void aColumnWithoutADeclaredTypeIsNotChecked() {
    ColumnInfo int4 = new ColumnInfo("n", Types.INTEGER, "int4", "int4", 10, 0, false);
    Schema plain = SchemaBuilder.struct().field("n", Schema.INT64_SCHEMA).build();
    assertThat(retyped(new PostgresDialect(), int4, plain)).isEmpty();
  }

  @Test
  void narrowerIntegersAndFloatsFitWiderOnesButNotTheOtherWayRound() {
    assertThat(RetypedColumns.fits(FieldType.INT32, FieldType.INT64.withNullable(true))).isTrue();
    assertThat(RetypedColumns.fits(FieldType.BYTE, FieldType.DECIMAL)).isTrue();
    assertThat(RetypedColumns.fits(FieldType.FLOAT, FieldType.DOUBLE)).isTrue();
    assertThat(RetypedColumns.fits(FieldType.INT64, FieldType.INT32)).isFalse();
    assertThat(RetypedColumns.fits(FieldType.DECIMAL, FieldType.INT64)).isFalse();
    assertThat(RetypedColumns.fits(FieldType.INT32, FieldType.DOUBLE)).isFalse();
    assertThat(RetypedColumns.fits(FieldType.STRING, FieldType.INT32)).isFalse();
    assertThat(RetypedColumns.fits(FieldType.INT32, FieldType.STRING)).isFalse();
  }
}
