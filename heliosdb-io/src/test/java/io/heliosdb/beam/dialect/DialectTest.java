package io.heliosdb.beam.dialect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.heliosdb.beam.schema.ColumnInfo;
import io.heliosdb.beam.schema.ColumnMapping;
import io.heliosdb.beam.schema.Mappings;
import io.heliosdb.beam.schema.TableId;
import java.sql.Types;
import java.util.List;
import java.util.Optional;
import org.apache.beam.sdk.schemas.Schema.FieldType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Pure dialect logic: quoting, name parsing, type mapping, SQL fragments. */
class DialectTest {
  private static final PostgresDialect POSTGRES = new PostgresDialect();
  private static final MySqlDialect MYSQL = new MySqlDialect(false);
  private static final OracleDialect ORACLE = new OracleDialect();

  static ColumnInfo column(String type, String columnType, int precision, int scale) {
    return new ColumnInfo("c", Types.OTHER, type, columnType, precision, scale, true);
  }

  static FieldType mapped(Dialect dialect, String type, String columnType, int precision,
      int scale) {
    return dialect.mapColumn(column(type, columnType, precision, scale))
        .map(ColumnMapping::fieldType).orElse(null);
  }

  @Test
  void quotesIdentifiersEscapingQuotes() {
    assertThat(POSTGRES.quoteIdentifier("a\"b")).isEqualTo("\"a\"\"b\"");
    assertThat(MYSQL.quoteIdentifier("a`b")).isEqualTo("`a``b`");
    assertThat(ORACLE.quoteIdentifier("Robert'); DROP TABLE x;--"))
        .isEqualTo("\"Robert'); DROP TABLE x;--\"");
    assertThat(POSTGRES.quoteTable(new TableId("public", "t"))).isEqualTo("\"public\".\"t\"");
    assertThat(MYSQL.quoteTable(new TableId(null, "t"))).isEqualTo("`t`");
  }

  @Test
  void splitsTableNamesFoldingUnquotedParts() {
    assertThat(TableNameParser.split("Public.Orders", '"', POSTGRES::foldUnquoted))
        .containsExactly("public", "orders");
    assertThat(TableNameParser.split("\"My Schema\".\"a.b\"\"c\"", '"', POSTGRES::foldUnquoted))
        .containsExactly("My Schema", "a.b\"c");
    assertThat(TableNameParser.split("shop.`Order Items`", '`', MYSQL::foldUnquoted))
        .containsExactly("shop", "Order Items");
    assertThat(TableNameParser.split("scott.emp", '"', ORACLE::foldUnquoted))
        .containsExactly("SCOTT", "EMP");
    assertThatThrownBy(() -> TableNameParser.split("\"open", '"', String::trim))
        .hasMessageContaining("unbalanced quote");
    assertThatThrownBy(() -> TableNameParser.split("a..b", '"', String::trim))
        .hasMessageContaining("empty identifier");
  }

  @Test
  void picksTheDialectFromTheUrl() {
    assertThat(Dialects.forJdbcUrl("jdbc:postgresql://h/db", "x")).isInstanceOf(
        PostgresDialect.class);
    assertThat(Dialects.forJdbcUrl("jdbc:mysql://h/db", "x").name()).isEqualTo("mysql");
    assertThat(Dialects.forJdbcUrl("JDBC:MARIADB://h/db", "x").name()).isEqualTo("mysql");
    assertThat(Dialects.forJdbcUrl("jdbc:oracle:thin:@//h/db", "x").name()).isEqualTo("oracle");
    assertThatThrownBy(() -> Dialects.forJdbcUrl("jdbc:h2:mem:", "jdbc:h2:mem:"))
        .hasMessageContaining("unsupported database URL jdbc:h2:mem:");
  }

  @Test
  void limitsAndPageSupport() {
    assertThat(POSTGRES.limitClause()).isEqualTo("LIMIT ?");
    assertThat(MYSQL.limitClause()).isEqualTo("LIMIT ?");
    assertThat(ORACLE.limitClause()).isEqualTo("FETCH FIRST ? ROWS ONLY");
    assertThat(POSTGRES.supportsPageRanges()).isTrue();
    assertThat(POSTGRES.pageRangePredicate()).contains("ctid >= CAST(? AS tid)");
    assertThat(MYSQL.supportsPageRanges()).isFalse();
    assertThat(ORACLE.supportsPageRanges()).isFalse();
    assertThatThrownBy(() -> MYSQL.pageRangePredicate())
        .isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> ORACLE.pageCount(null, null))
        .isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> MYSQL.bindPageRange(null, 1, 0, 1))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @ParameterizedTest
  @CsvSource({
    "number, 2, 0, BYTE",
    "number, 4, 0, INT16",
    "number, 9, 0, INT32",
    "number, 18, 0, INT64",
    "number, 38, 0, DECIMAL",
    "number, 0, -127, DECIMAL",
    "number, 12, 2, DECIMAL",
    "float, 126, 0, DECIMAL",
    "binary_float, 0, 0, FLOAT",
    "binary_double, 0, 0, DOUBLE",
    "varchar2, 10, 0, STRING",
    "nvarchar2, 10, 0, STRING",
    "char, 1, 0, STRING",
    "clob, 0, 0, STRING",
    "nclob, 0, 0, STRING",
    "blob, 0, 0, BYTES",
    "raw, 16, 0, BYTES",
    "long raw, 0, 0, BYTES",
  })
  void mapsOracleTypes(String type, int precision, int scale, String beamType) {
    assertThat(mapped(ORACLE, type, type, precision, scale).getTypeName().name())
        .isEqualTo(beamType);
  }

  @Test
  void mapsOracleDatesAndTimestamps() {
    assertThat(mapped(ORACLE, "DATE", "", 0, 0)).isEqualTo(Mappings.DATETIME);
    assertThat(mapped(ORACLE, "TIMESTAMP(6)", "", 0, 0)).isEqualTo(Mappings.DATETIME);
    assertThat(mapped(ORACLE, "TIMESTAMP(6) WITH TIME ZONE", "", 0, 0))
        .isEqualTo(Mappings.TIMESTAMP);
    assertThat(mapped(ORACLE, "TIMESTAMP(3) WITH LOCAL TIME ZONE", "", 0, 0))
        .isEqualTo(Mappings.TIMESTAMP);
    assertThat(mapped(ORACLE, "SDO_GEOMETRY", "", 0, 0)).isNull(); // Types.OTHER
    assertThat(ORACLE.mapColumn(new ColumnInfo("i", Types.INTEGER, "integer", "", 0, 0, true)))
        .map(ColumnMapping::fieldType).isEqualTo(Optional.of(FieldType.INT32));
  }

  @ParameterizedTest
  @CsvSource({
    "tinyint, tinyint(4), BYTE",
    "tinyint, tinyint(1), BOOLEAN",
    "tinyint, tinyint(3) unsigned, INT16",
    "smallint, smallint(6), INT16",
    "smallint, smallint(5) unsigned, INT32",
    "int, int(10) unsigned, INT64",
    "bigint, bigint(20) unsigned, DECIMAL",
    "double, double, DOUBLE",
    "real, real, DOUBLE",
    "longtext, longtext, STRING",
    "longblob, longblob, BYTES",
    "year, year(4), INT16",
  })
  void mapsMySqlTypes(String type, String columnType, String beamType) {
    assertThat(mapped(MYSQL, type, columnType, 0, 0).getTypeName().name()).isEqualTo(beamType);
    assertThat(mapped(MYSQL, "geometry", "geometry", 0, 0)).isNull();
  }

  @Test
  void mapsPostgresArraysAndFallsBackForEnums() {
    assertThat(mapped(POSTGRES, "_int8", "", 0, 0))
        .isEqualTo(FieldType.array(FieldType.INT64.withNullable(true)));
    assertThat(mapped(POSTGRES, "_timestamptz", "", 0, 0))
        .isEqualTo(FieldType.array(Mappings.TIMESTAMP.withNullable(true)));
    assertThat(mapped(POSTGRES, "_point", "", 0, 0)).isNull();
    assertThat(mapped(POSTGRES, "bigserial", "", 0, 0)).isEqualTo(FieldType.INT64);
    ColumnInfo enumColumn = new ColumnInfo("e", Types.VARCHAR, "mood", "mood", 0, 0, true);
    assertThat(POSTGRES.mapColumn(enumColumn)).map(ColumnMapping::fieldType)
        .isEqualTo(Optional.of(FieldType.STRING));
  }

  @Test
  void fallsBackToStandardJdbcTypes() {
    for (int type : List.of(Types.TINYINT, Types.SMALLINT, Types.INTEGER, Types.BIGINT,
        Types.REAL, Types.DOUBLE, Types.NUMERIC, Types.BOOLEAN, Types.NVARCHAR, Types.BLOB,
        Types.DATE, Types.TIME, Types.TIMESTAMP, Types.TIMESTAMP_WITH_TIMEZONE)) {
      assertThat(Mappings.forJdbcType(type)).as("JDBC type %s", type).isPresent();
    }
    assertThat(Mappings.forJdbcType(Types.STRUCT)).isEmpty();
  }

  @Test
  void listsBaseTablesWithoutTheDatabasesOwnNamespaces() {
    assertThat(new PostgresDialect().listTablesSql(false))
        .contains("relkind IN ('r', 'p')", "NOT c.relispartition", "has_table_privilege",
            "NOT IN ('pg_catalog', 'information_schema')");
    assertThat(new PostgresDialect().listTablesSql(true)).contains("n.nspname = ?")
        .doesNotContain("pg_catalog'");
    assertThat(new MySqlDialect(false).listTablesSql(false))
        .contains("'BASE TABLE'", "'performance_schema'");
    assertThat(new OracleDialect().listTablesSql(true)).contains("t.owner = ?", "nested = 'NO'");
    assertThat(new OracleDialect().listTablesSql(false)).contains("oracle_maintained = 'N'");
  }
}
