package io.heliosdb.beam.schema;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Types;
import java.util.List;
import org.junit.jupiter.api.Test;

class ColumnChangeTest {
  private static ColumnInfo column(String name, String type) {
    return new ColumnInfo(name, Types.OTHER, type, type, 0, 0, true);
  }

  private static final List<ColumnInfo> BUILT =
      List.of(column("id", "bigint"), column("v", "varchar(40)"));

  @Test
  void sameColumnsAreNoChange() {
    assertThat(ColumnChange.between(BUILT, List.of(column("id", "bigint"),
        column("v", "varchar(40)")))).isEmpty();
    assertThat(ColumnChange.betweenNames(List.of("id", "v"), List.of("id", "v"))).isEmpty();
  }

  @Test
  void namesAddedRemovedAndRetypedColumns() {
    ColumnChange change = ColumnChange.between(BUILT,
        List.of(column("id", "numeric(20)"), column("note", "text"))).orElseThrow();
    assertThat(change.added()).containsExactly("note");
    assertThat(change.removed()).containsExactly("v");
    assertThat(change.retyped()).containsExactly("id: bigint -> numeric(20)");
    assertThat(change).hasToString("added [note], removed [v], retyped [id: bigint ->"
        + " numeric(20)], now [id, note]");
  }

  @Test
  void aReorderIsNoChangeInTheCatalogButIsInALogRecord() {
    assertThat(ColumnChange.between(BUILT, List.of(column("v", "varchar(40)"),
        column("id", "bigint")))).isEmpty();
    assertThat(ColumnChange.betweenNames(List.of("id", "v"), List.of("v", "id")).orElseThrow())
        .hasToString("added [], removed [], now [v, id]");
  }

  @Test
  void aRenameIsARemovalAndAnAddition() {
    assertThat(ColumnChange.betweenNames(List.of("id", "v"), List.of("id", "w")).orElseThrow())
        .hasToString("added [w], removed [v], now [id, w]");
  }
}
