package io.heliosdb.beam.incremental;

import io.heliosdb.beam.schema.TypeOptions;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.heliosdb.beam.ConnectionConfiguration;
import io.heliosdb.beam.RowFilter;
import io.heliosdb.beam.sql.TablePart;
import io.heliosdb.beam.dialect.Dialect;
import io.heliosdb.beam.dialect.MySqlDialect;
import io.heliosdb.beam.dialect.OracleDialect;
import io.heliosdb.beam.dialect.PostgresDialect;
import io.heliosdb.beam.incremental.IncrementalSpec.TrackingKind;
import io.heliosdb.beam.schema.ColumnInfo;
import io.heliosdb.beam.schema.TableId;
import io.heliosdb.beam.schema.TableMetadata;
import java.math.BigDecimal;
import java.sql.Types;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.List;
import org.apache.beam.sdk.values.Row;
import org.junit.jupiter.api.Test;

/** Validation of the tracking column and the poll query; no database needed. */
class IncrementalSpecTest {
  private static final PostgresDialect POSTGRES = new PostgresDialect();

  static ColumnInfo column(String name, String type, boolean nullable) {
    return new ColumnInfo(name, Types.OTHER, type, type, 0, 0, nullable);
  }

  static TableMetadata table(List<String> key, ColumnInfo... columns) {
    return new TableMetadata(new TableId("s", "orders"), List.of(columns), key, List.of());
  }

  static final TableMetadata ORDERS =
      table(
          List.of("region", "id"),
          column("region", "int4", false),
          column("id", "int8", false),
          column("updated_at", "timestamptz", false),
          column("created", "timestamp", false),
          column("name", "text", false),
          column("maybe", "timestamptz", true));

  static IncrementalSpec spec(
      Dialect dialect, TableMetadata table, String column, boolean skipNulls, String start) {
    return spec(dialect, table, column, skipNulls, start, null);
  }

  static IncrementalSpec spec(
      Dialect dialect, TableMetadata table, String column, boolean skipNulls, String start,
      java.time.ZoneId zone) {
    return IncrementalSpec.create(
        ConnectionConfiguration.create("jdbc:postgresql://h/db"), dialect, table, column,
        skipNulls, 1_000, 2_000, start, zone, 100, 100, 10, TypeOptions.DEFAULT);
  }

  @Test
  void aTrackingTimeZoneIsKeptForDateTimesWithoutZoneAndRefusedForOthers() {
    java.time.ZoneId tokyo = java.time.ZoneId.of("Asia/Tokyo");
    assertThat(spec(POSTGRES, ORDERS, "created", false, null, tokyo).trackingZone())
        .isEqualTo(tokyo);
    assertThatThrownBy(() -> spec(POSTGRES, ORDERS, "updated_at", false, null, tokyo))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("IncrementalOptions.withTrackingTimeZone(Asia/Tokyo)")
        .hasMessageContaining("column updated_at of table")
        .hasMessageContaining("are instants already");
    assertThatThrownBy(() -> spec(POSTGRES, ORDERS, "id", false, null, tokyo))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("are not date-times");
  }

  @Test
  void classifiesTrackingColumnsAndKeepsTheKeyAsTieBreak() {
    IncrementalSpec zoned = spec(POSTGRES, ORDERS, "updated_at", false, null);
    assertThat(zoned.kind()).isEqualTo(TrackingKind.INSTANT);
    assertThat(zoned.cursorColumns()).containsExactly("updated_at", "region", "id");
    assertThat(spec(POSTGRES, ORDERS, "created", false, null).kind())
        .isEqualTo(TrackingKind.LOCAL_DATE_TIME);
    IncrementalSpec ids = spec(POSTGRES, ORDERS, "id", false, "42");
    assertThat(ids.kind()).isEqualTo(TrackingKind.INTEGER);
    assertThat(ids.tieBreakColumns()).containsExactly("region");
    assertThat(ids.startFrom()).isEqualTo(42L);
    assertThat(spec(POSTGRES, ORDERS, "region", false, "7").startFrom()).isEqualTo(7);
    TableMetadata oracle =
        table(List.of("ID"), new ColumnInfo("ID", Types.NUMERIC, "number", "number", 0, 0, false));
    assertThat(spec(new OracleDialect(), oracle, "ID", false, "12345678901234567890").startFrom())
        .isEqualTo(new BigDecimal("12345678901234567890"));
    TableMetadata mysql =
        table(List.of("id"), column("id", "bigint", false), column("ts", "datetime", false));
    assertThat(spec(new MySqlDialect(false), mysql, "ts", false, "2026-11-24T10:00:00.5")
            .startFrom())
        .isEqualTo(LocalDateTime.parse("2026-11-24T10:00:00.5"));
  }

  @Test
  void parsesStartValuesByColumnKind() {
    assertThat(spec(POSTGRES, ORDERS, "updated_at", false, "2026-11-24T10:00:00Z").startFrom())
        .isEqualTo(Instant.parse("2026-11-24T10:00:00Z"));
    assertThatThrownBy(() -> spec(POSTGRES, ORDERS, "updated_at", false, "2026-11-24T10:00:00"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "IncrementalOptions.withStartFrom(\"2026-11-24T10:00:00\"): not a value of tracking"
                + " column updated_at (timestamptz); expected an ISO-8601 instant such as"
                + " 2026-11-24T10:00:00Z");
    assertThatThrownBy(() -> spec(POSTGRES, ORDERS, "id", false, "1.5"))
        .hasMessageContaining("expected a number");
    assertThatThrownBy(() -> spec(POSTGRES, ORDERS, "region", false, "99999999999"))
        .hasMessageContaining("withStartFrom(\"99999999999\")");
  }

  @Test
  void rejectsColumnsThatCannotTrackChangesNamingThem() {
    assertThatThrownBy(() -> spec(POSTGRES, ORDERS, "nope", false, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "IncrementalOptions.trackingColumn(\"nope\"): table s.orders has no such column; its"
                + " columns are [region, id, updated_at, created, name, maybe]");
    assertThatThrownBy(() -> spec(POSTGRES, ORDERS, "name", false, null))
        .hasMessage(
            "IncrementalOptions.trackingColumn(\"name\"): column name of table s.orders has type"
                + " text, which cannot track changes; use a timestamp or date-time column or a"
                + " number column such as an auto-increment id");
    assertThatThrownBy(() -> spec(POSTGRES, ORDERS, "maybe", false, null))
        .hasMessageContaining("column maybe of table s.orders is nullable")
        .hasMessageContaining("IncrementalOptions.withNullTrackingValuesSkipped()");
    assertThat(spec(POSTGRES, ORDERS, "maybe", true, null).kind())
        .isEqualTo(TrackingKind.INSTANT);
    TableMetadata keyless = table(List.of(), column("updated_at", "timestamptz", false));
    assertThatThrownBy(() -> spec(POSTGRES, keyless, "updated_at", false, null))
        .hasMessageContaining("table s.orders has no primary key");
  }

  @Test
  void pollQueriesCompareTheCursorTupleWithBoundParameters() {
    IncrementalSql sql = new IncrementalSql(spec(POSTGRES, ORDERS, "updated_at", false, null));
    String select =
        "SELECT \"region\", \"id\", \"updated_at\", \"created\", \"name\", \"maybe\" FROM"
            + " \"s\".\"orders\" WHERE ";
    String order = " ORDER BY \"updated_at\", \"region\", \"id\" LIMIT ?";
    assertThat(sql.poll(null, false)).isEqualTo(select + "\"updated_at\" <= ?" + order);
    assertThat(sql.poll(null, true))
        .isEqualTo(select + "\"updated_at\" >= ? AND \"updated_at\" <= ?" + order);
    Row position =
        Row.withSchema(spec(POSTGRES, ORDERS, "updated_at", false, null).cursorSchema())
            .addValues(Instant.EPOCH, 1, 2L)
            .build();
    assertThat(sql.poll(position, false))
        .isEqualTo(select + "\"updated_at\" >= ? AND (\"updated_at\" > ? OR (\"updated_at\" = ?"
            + " AND (\"region\" > ? OR (\"region\" = ? AND \"id\" > ?)))) AND \"updated_at\" <= ?"
            + order);
  }

  @Test
  void aPartPollsItsColumnsThenTheCursorsWithTheFilterFirst() {
    IncrementalSpec spec = spec(POSTGRES, ORDERS, "updated_at", false, null)
        .withPart(new TablePart(List.of("name", "id"), RowFilter.of("name LIKE ?", "a%")));
    assertThat(spec.tableSchema().schema().getFieldNames()).containsExactly("name", "id");
    assertThat(spec.selectedSchema().schema().getFieldNames())
        .containsExactly("name", "id", "updated_at", "region");
    assertThat(new IncrementalSql(spec).poll(null, true))
        .isEqualTo("SELECT \"name\", \"id\", \"updated_at\", \"region\" FROM \"s\".\"orders\""
            + " WHERE (name LIKE ?\n) AND \"updated_at\" >= ? AND \"updated_at\" <= ?"
            + " ORDER BY \"updated_at\", \"region\", \"id\" LIMIT ?");
  }

  @Test
  void theTrackingColumnAsWholeKeyNeedsNoTieBreak() {
    TableMetadata ids = table(List.of("id"), column("id", "bigint", false));
    IncrementalSpec spec = spec(new MySqlDialect(false), ids, "id", false, null);
    assertThat(spec.cursorColumns()).containsExactly("id");
    Row position = Row.withSchema(spec.cursorSchema()).addValues(5L).build();
    assertThat(new IncrementalSql(spec).poll(position, false))
        .isEqualTo("SELECT `id` FROM `s`.`orders` WHERE `id` >= ? AND `id` > ? AND `id` <= ?"
            + " ORDER BY `id` LIMIT ?");
  }
}
