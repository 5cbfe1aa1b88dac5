package io.heliosdb.beam.dialect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.junit.jupiter.api.Test;

/** Which changes a consistent chunk read saw, from the change's Debezium source block. */
class ChangeVisibilityTest {
  private static final Schema PG =
      SchemaBuilder.struct().field("txId", Schema.OPTIONAL_INT64_SCHEMA).build();
  private static final Schema BINLOG =
      SchemaBuilder.struct()
          .field("file", Schema.OPTIONAL_STRING_SCHEMA)
          .field("pos", Schema.OPTIONAL_INT64_SCHEMA)
          .build();

  private static Struct tx(long xid) {
    return new Struct(PG).put("txId", xid);
  }

  private static Struct at(String file, long pos) {
    return new Struct(BINLOG).put("file", file).put("pos", pos);
  }

  @Test
  void aPostgresSnapshotSeesCommittedTransactionsBelowXmaxExceptThoseInProgress() {
    ChangeVisibility snapshot = new PostgresDialect().changeVisibility("100:105:101,103");
    assertThat(snapshot.saw(tx(99))).isTrue();
    assertThat(snapshot.saw(tx(100))).isTrue(); // xmin itself is not in progress
    assertThat(snapshot.saw(tx(101))).isFalse();
    assertThat(snapshot.saw(tx(102))).isTrue();
    assertThat(snapshot.saw(tx(103))).isFalse();
    assertThat(snapshot.saw(tx(104))).isTrue();
    assertThat(snapshot.saw(tx(105))).isFalse();
    assertThat(snapshot.saw(tx(1_000))).isFalse();
    assertThat(new PostgresDialect().changeVisibility("7:7:").saw(tx(7))).isFalse();
  }

  @Test
  void postgresTransactionIdsAreWidenedToTheSnapshotsEpoch() {
    long epoch = 1L << 32;
    // xmax just past a wraparound: 32-bit ids near 2^32 belong to the previous epoch
    ChangeVisibility snapshot =
        new PostgresDialect().changeVisibility((3 * epoch - 10) + ":" + (3 * epoch + 5) + ":");
    assertThat(snapshot.saw(tx(epoch - 20))).isTrue(); // 3*2^32 - 20, below xmin
    assertThat(snapshot.saw(tx(epoch - 5))).isTrue(); // committed, below xmax
    assertThat(snapshot.saw(tx(4))).isTrue(); // 3*2^32 + 4 < xmax
    assertThat(snapshot.saw(tx(6))).isFalse(); // 3*2^32 + 6, after the snapshot
  }

  @Test
  void aPostgresChangeWithoutItsTransactionIdIsAnError() {
    assertThatThrownBy(() -> new PostgresDialect().changeVisibility("1:2:").saw(new Struct(PG)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("txId");
    assertThatThrownBy(() -> new PostgresDialect().changeVisibility("1:2"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aBinlogSnapshotSeesChangesBeforeItsPositionByFileNumberThenPosition() {
    ChangeVisibility snapshot = new MySqlDialect(false).changeVisibility("mariadb-bin.000009:500");
    assertThat(snapshot.saw(at("mariadb-bin.000009", 499))).isTrue();
    assertThat(snapshot.saw(at("mariadb-bin.000009", 500))).isFalse();
    assertThat(snapshot.saw(at("mariadb-bin.000009", 501))).isFalse();
    assertThat(snapshot.saw(at("mariadb-bin.000008", 90_000))).isTrue();
    assertThat(snapshot.saw(at("mariadb-bin.000010", 4))).isFalse();
    assertThat(snapshot.saw(at("mariadb-bin.1000000", 4))).isFalse(); // numbers, not text
    assertThatThrownBy(() -> snapshot.saw(new Struct(BINLOG)))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> new MySqlDialect(false).changeVisibility("no position"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void mariaDbSnapshotRowsArePositionedAtTheSnapshotsBinlogPosition() {
    assertThat(new MySqlDialect(false).snapshotPosition("mariadb-bin.000009:500", "x:4"))
        .isEqualTo("mariadb-bin.000009:500");
    assertThat(new PostgresDialect().snapshotPosition("100:105:", "0/16B3748"))
        .isEqualTo("0/16B3748");
  }

  @Test
  void thePostgresPositionOfAFirstChangeTakesTheStreamStartAsItsCommit() {
    PostgresDialect dialect = new PostgresDialect();
    java.util.Map<String, Object> first = java.util.Map.of("lsn", 0x200L, "messageType", "INSERT");
    assertThat(dialect.positionOf(first, java.util.Map.of("lsn", 0x100L)))
        .isEqualTo("0/200@0/100:INSERT");
    assertThat(dialect.positionOf(first, java.util.Map.of("lsn", 0x100L, "lsn_commit", 0x80L)))
        .isEqualTo("0/200@0/80:INSERT");
    java.util.Map<String, Object> later =
        java.util.Map.of("lsn", 0x300L, "lsn_commit", 0x250L, "messageType", "UPDATE");
    assertThat(dialect.positionOf(later, java.util.Map.of("lsn", 0x100L)))
        .isEqualTo("0/300@0/250:UPDATE");
    assertThat(dialect.positionOf(java.util.Map.of("lsn", 0x300L), java.util.Map.of("lsn", 1L)))
        .isEqualTo("0/300");
  }
}
