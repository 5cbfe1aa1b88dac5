package io.heliosdb.beam.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class PositionOrderTest {

  private static List<String> sorted(String... positions) {
    List<String> list = new ArrayList<>(List.of(positions));
    Collections.shuffle(list, new java.util.Random(7));
    list.sort(PositionOrder.INSTANCE);
    return list;
  }

  @Test
  void postgresPositionsSortByRecordedCommitThenLsnWithSnapshotPointsFirst() {
    assertThat(
            sorted(
                "0/300@0/250:UPDATE", "0/100", "0/90@0/100:INSERT", "0/120@0/100:UPDATE",
                "1/0@0/300:DELETE", "0/A0@0/100:INSERT"))
        .containsExactly(
            "0/100", "0/90@0/100:INSERT", "0/A0@0/100:INSERT", "0/120@0/100:UPDATE",
            "0/300@0/250:UPDATE", "1/0@0/300:DELETE");
  }

  @Test
  void binlogPositionsSortByFileNumberPositionEventAndRowWithSnapshotPointsFirst() {
    assertThat(
            sorted(
                "mariadb-bin.000002:4;gtids=0-1-9;event=2;row=1",
                "mariadb-bin.000001:900;gtids=0-1-8;event=3;row=0",
                "mariadb-bin.000002:4",
                "mariadb-bin.000002:4;gtids=0-1-9;event=2;row=0",
                "mariadb-bin.000010:4;gtids=0-1-20;event=1;row=0",
                "mariadb-bin.000002:4;gtids=0-1-9;event=10;row=0"))
        .containsExactly(
            "mariadb-bin.000001:900;gtids=0-1-8;event=3;row=0",
            "mariadb-bin.000002:4",
            "mariadb-bin.000002:4;gtids=0-1-9;event=2;row=0",
            "mariadb-bin.000002:4;gtids=0-1-9;event=2;row=1",
            "mariadb-bin.000002:4;gtids=0-1-9;event=10;row=0",
            "mariadb-bin.000010:4;gtids=0-1-20;event=1;row=0");
  }

  @Test
  void oracleSortsByCommitScnThenScn() {
    assertThat(sorted("120@150", "100", "110@150", "200@160"))
        .containsExactly("100", "110@150", "120@150", "200@160");
  }

  @Test
  void aStringThatIsNoPositionIsAnError() {
    assertThatThrownBy(() -> PositionOrder.INSTANCE.compare("0-1-17", "0/1"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("0-1-17");
  }
}
