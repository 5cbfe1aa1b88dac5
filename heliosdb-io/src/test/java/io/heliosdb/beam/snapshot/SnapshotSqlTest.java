package io.heliosdb.beam.snapshot;

import io.heliosdb.beam.schema.TypeOptions;
import static org.assertj.core.api.Assertions.assertThat;

import io.heliosdb.beam.ConnectionConfiguration;
import io.heliosdb.beam.RowFilter;
import io.heliosdb.beam.dialect.Dialect;
import io.heliosdb.beam.dialect.MySqlDialect;
import io.heliosdb.beam.dialect.OracleDialect;
import io.heliosdb.beam.dialect.PostgresDialect;
import io.heliosdb.beam.schema.ColumnInfo;
import io.heliosdb.beam.schema.TableId;
import io.heliosdb.beam.schema.TableMetadata;
import io.heliosdb.beam.sql.TablePart;
import java.sql.Types;
import java.util.List;
import org.junit.jupiter.api.Test;

class SnapshotSqlTest {

  static SnapshotSpec spec(Dialect dialect, List<String> key, String... columns) {
    List<ColumnInfo> infos = java.util.Arrays.stream(columns)
        .map(c -> new ColumnInfo(c, Types.INTEGER, "int4", "int", 10, 0, false)).toList();
    TableMetadata table = new TableMetadata(new TableId("s", "t\"x"), infos, key, List.of());
    return SnapshotSpec.create(ConnectionConfiguration.create("jdbc:postgresql://h/db"), dialect,
        table, null, false, 100, 10, 4, 500, true, TypeOptions.DEFAULT);
  }

  @Test
  void keyRangeQueryIsParameterisedAndOrdered() {
    SnapshotSql sql = new SnapshotSql(spec(new PostgresDialect(), List.of("id"), "id", "v"));
    assertThat(sql.keyRange()).isEqualTo(
        "SELECT \"id\", \"v\" FROM \"s\".\"t\"\"x\" WHERE \"id\" >= ? AND \"id\" < ?"
            + " ORDER BY \"id\" LIMIT ?");
    assertThat(sql.minMaxKey()).isEqualTo("SELECT MIN(\"id\"), MAX(\"id\") FROM \"s\".\"t\"\"x\"");
    assertThat(sql.nullKeys()).endsWith("WHERE \"id\" IS NULL");
    assertThat(sql.maxKey()).endsWith("WHERE \"id\" = ?");
    assertThat(sql.fullTable()).isEqualTo("SELECT \"id\", \"v\" FROM \"s\".\"t\"\"x\"");
  }

  @Test
  void aPartSelectsItsColumnsThenTheKeyAndPutsTheFilterFirstInRowQueriesOnly() {
    TablePart part = new TablePart(List.of("v", "w"), RowFilter.of("v > ? OR w = ?", 1, 2));
    SnapshotSpec spec =
        spec(new PostgresDialect(), List.of("id"), "id", "v", "w").withPart(part);
    SnapshotSql sql = new SnapshotSql(spec);
    String select = "SELECT \"v\", \"w\", \"id\" FROM \"s\".\"t\"\"x\" WHERE (v > ? OR w = ?\n)";
    assertThat(spec.tableSchema().schema().getFieldNames()).containsExactly("v", "w");
    assertThat(sql.keyRange())
        .isEqualTo(select + " AND \"id\" >= ? AND \"id\" < ? ORDER BY \"id\" LIMIT ?");
    assertThat(sql.fullTable()).isEqualTo(select);
    assertThat(sql.maxKey()).isEqualTo(select + " AND \"id\" = ?");
    assertThat(sql.chunk(true, false)).isEqualTo(select + " AND \"id\" >= ?");
    // the planner's queries span the whole table
    assertThat(sql.minMaxKey()).isEqualTo("SELECT MIN(\"id\"), MAX(\"id\") FROM \"s\".\"t\"\"x\"");
    assertThat(sql.orderedKeys(false)).doesNotContain("v > ?");
  }

  @Test
  void chunkReadsSelectOnlyTheOutputColumns() {
    SnapshotSpec spec = SnapshotSpec.create(ConnectionConfiguration.create("jdbc:postgresql://h/db"),
        new PostgresDialect(), spec(new PostgresDialect(), List.of("id"), "id", "v").table(), null,
        true, 100, 10, 4, 500, true, TypeOptions.DEFAULT).withPart(new TablePart(List.of("v"), null));
    assertThat(new SnapshotSql(spec).chunk(false, true))
        .isEqualTo("SELECT \"v\" FROM \"s\".\"t\"\"x\" WHERE \"id\" < ?");
  }

  @Test
  void aPartNamingAMissingColumnIsRefused() {
    SnapshotSpec spec = spec(new PostgresDialect(), List.of("id"), "id", "v");
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> spec.withPart(new TablePart(List.of("v", "V"), null)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("withColumns([v, V]): table s.t\"x has no column V; its columns are"
            + " [id, v]");
  }

  @Test
  void compositeChunkComparesTuplesLexicographically() {
    SnapshotSql sql = new SnapshotSql(spec(new MySqlDialect(false), List.of("a", "b", "c"),
        "a", "b", "c"));
    assertThat(sql.chunk(true, true)).endsWith(
        " WHERE `a` >= ? AND (`a` > ? OR (`a` = ? AND (`b` > ? OR (`b` = ? AND `c` >= ?))))"
            + " AND `a` <= ? AND (`a` < ? OR (`a` = ? AND (`b` < ? OR (`b` = ? AND `c` < ?))))");
    assertThat(sql.chunk(false, true)).contains(" WHERE `a` <= ? AND (`a` < ?");
    assertThat(sql.chunk(false, false)).doesNotContain("WHERE");
    assertThat(sql.orderedKeys(false)).isEqualTo("SELECT `a`, `b`, `c` FROM `s`.`t\"x`"
        + " ORDER BY `a`, `b`, `c`");
  }

  @Test
  void chunksOfANullableSplitKeyNeverReadNullKeys() {
    List<ColumnInfo> columns = List.of(
        new ColumnInfo("id", Types.INTEGER, "int4", "int", 10, 0, false),
        new ColumnInfo("code", Types.VARCHAR, "varchar", "varchar", 20, 0, true));
    TableMetadata table =
        new TableMetadata(new TableId("s", "t"), columns, List.of(), List.of("code"));
    SnapshotSql sql = new SnapshotSql(SnapshotSpec.create(
        ConnectionConfiguration.create("jdbc:postgresql://h/db"), new PostgresDialect(), table,
        "code", false, 100, 10, 2, 500, true, TypeOptions.DEFAULT));
    assertThat(sql.chunk(false, false)).endsWith(" WHERE \"code\" IS NOT NULL");
    assertThat(sql.chunk(false, true)).endsWith(" WHERE \"code\" < ?");
    assertThat(sql.chunk(true, false)).endsWith(" WHERE \"code\" >= ?");
    assertThat(sql.nullKeys()).endsWith(" WHERE \"code\" IS NULL");
  }

  @Test
  void specNeverShowsThePassword() {
    SnapshotSpec spec = spec(new PostgresDialect(), List.of("id"), "id");
    SnapshotSpec withSecret = new SnapshotSpec(
        spec.connection().withPassword("hunter2"), spec.dialect(), spec.table(),
        spec.splitColumns(), spec.strategy(), spec.chunkSize(), spec.fetchSize(),
        spec.parallelism(), spec.outputBatchSize(), spec.batchedOutput(),
        spec.types(), spec.part());
    assertThat(withSecret.toString()).doesNotContain("hunter2").contains("password=***");
  }

  @Test
  void usesTheDialectsLimitSyntax() {
    SnapshotSql sql = new SnapshotSql(spec(new OracleDialect(), List.of("ID"), "ID"));
    assertThat(sql.keyRange()).endsWith("ORDER BY \"ID\" FETCH FIRST ? ROWS ONLY");
    assertThat(sql.anyNullKey()).endsWith("IS NULL FETCH FIRST ? ROWS ONLY");
    assertThat(sql.orderedKeys(true)).contains("WHERE \"ID\" IS NOT NULL");
  }
}
