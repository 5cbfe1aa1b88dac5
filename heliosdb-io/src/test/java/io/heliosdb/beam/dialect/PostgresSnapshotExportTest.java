package io.heliosdb.beam.dialect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.SQLException;
import org.junit.jupiter.api.Test;

class PostgresSnapshotExportTest {

  /** The id is written into SET TRANSACTION SNAPSHOT '...', which takes no parameter. */
  @Test
  void acceptsOnlyTheServersFormOfSnapshotIds() {
    assertThat(PostgresSnapshotExport.checkedId("00000003-0000001B-1"))
        .isEqualTo("00000003-0000001B-1");
    assertThat(PostgresSnapshotExport.checkedId("0000000A-00000FFF-12"))
        .isEqualTo("0000000A-00000FFF-12");
    for (String bad : new String[] {"", "00000003", "00000003-0000001b-1",
        "00000003-0000001B-1'; DROP TABLE t; --", "00000003-0000001B-1' ", "'", "--",
        "00000003-0000001B-1\n", "00000003--1"}) {
      assertThatThrownBy(() -> PostgresSnapshotExport.checkedId(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("not a PostgreSQL snapshot identifier");
    }
    assertThatThrownBy(() -> PostgresSnapshotExport.checkedId(null))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aSnapshotIsGoneWhenTheServerNoLongerKnowsOrCanImportIt() {
    SnapshotExport export = new PostgresDialect().snapshotExport();
    assertThat(export.isSnapshotGone(new SQLException("invalid snapshot identifier", "22023")))
        .isTrue();
    assertThat(export.isSnapshotGone(
        new SQLException("could not import the requested snapshot", "55000"))).isTrue();
    assertThat(export.isSnapshotGone(new SQLException("connection lost", "08006"))).isFalse();
    assertThat(new MySqlDialect(false).snapshotExport()).isNull();
  }
}
