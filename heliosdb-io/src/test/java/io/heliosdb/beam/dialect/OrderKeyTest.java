package io.heliosdb.beam.dialect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.heliosdb.beam.cdc.PositionOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The order keys of positions, compared as plain text, order them as {@link PositionOrder} does:
 * for every pair, the sign of the text comparison is that of {@code PositionOrder.compare}.
 */
class OrderKeyTest {
  private static final PostgresDialect POSTGRES = new PostgresDialect();
  private static final MySqlDialect MARIADB = new MySqlDialect(false);
  private static final OracleDialect ORACLE = new OracleDialect();

  /** Checks every pair: text order of the keys equals PositionOrder's, with ties alike. */
  private static void assertSameOrder(Dialect dialect, List<String> positions) {
    int width = dialect.orderKey(positions.get(0)).length();
    for (String a : positions) {
      String keyA = dialect.orderKey(a);
      assertThat(keyA).as(a).hasSize(width).matches("[0-9a-f]+");
      for (String b : positions) {
        assertThat(Integer.signum(keyA.compareTo(dialect.orderKey(b))))
            .as("%s vs %s", a, b)
            .isEqualTo(Integer.signum(PositionOrder.INSTANCE.compare(a, b)));
      }
    }
  }

  @Test
  void postgresKeysOrderThePositionsOfPositionOrderTest() {
    assertSameOrder(POSTGRES, List.of("0/300@0/250:UPDATE", "0/100", "0/90@0/100:INSERT",
        "0/120@0/100:UPDATE", "1/0@0/300:DELETE", "0/A0@0/100:INSERT"));
    assertThat(POSTGRES.orderKey("1/FF@1/10:UPDATE"))
        .isEqualTo("0000000100000010" + "1" + "00000001000000ff");
    assertThat(POSTGRES.orderKey("0/16B3748"))
        .isEqualTo("00000000016b3748" + "0" + "00000000016b3748");
  }

  @Test
  void binlogKeysOrderThePositionsOfPositionOrderTest() {
    assertSameOrder(MARIADB, List.of(
        "mariadb-bin.000002:4;gtids=0-1-9;event=2;row=1",
        "mariadb-bin.000001:900;gtids=0-1-8;event=3;row=0",
        "mariadb-bin.000002:4",
        "mariadb-bin.000002:4;gtids=0-1-9;event=2;row=0",
        "mariadb-bin.000010:4;gtids=0-1-20;event=1;row=0",
        "mariadb-bin.000002:4;gtids=0-1-9;event=10;row=0"));
    assertThat(MARIADB.orderKey("mariadb-bin.000002:4;gtids=0-1-9;event=2"))
        .isEqualTo("00000002" + "0000000000000004" + "00000003" + "00000000");
  }

  @Test
  void oracleKeysOrderThePositionsOfPositionOrderTestAndNoneWithoutOneCommitScn() {
    assertSameOrder(ORACLE, List.of("120@150", "100", "110@150", "200@160"));
    assertThat(ORACLE.orderKey("123@12345:1:0a000b00")).isNull();
  }

  @Test
  void postgresKeysOrderGeneratedPositionsAsPositionOrderDoes() {
    Random random = new Random(11);
    assertSameOrder(POSTGRES, generate(400, () -> {
      long lsn = lsn(random);
      if (random.nextInt(4) == 0) {
        return PostgresDialect.formatLsn(lsn); // a snapshot's bare LSN
      }
      long commit = random.nextBoolean() ? lsn : lsn(random);
      String type = List.of("INSERT", "UPDATE", "DELETE", "TRUNCATE").get(random.nextInt(4));
      return POSTGRES.positionOf(Map.of("lsn", lsn, "lsn_commit", commit, "messageType", type));
    }));
  }

  /** LSNs that often coincide, spread over the whole unsigned 64-bit range. */
  private static long lsn(Random random) {
    return switch (random.nextInt(3)) {
      case 0 -> random.nextInt(40);
      case 1 -> ((long) random.nextInt(3) << 32) | random.nextInt(40);
      default -> random.nextLong();
    };
  }

  @Test
  void binlogKeysOrderGeneratedPositionsAsPositionOrderDoes() {
    Random random = new Random(12);
    assertSameOrder(MARIADB, generate(400, () -> {
      Map<String, Object> offset = new java.util.HashMap<>();
      offset.put("file", String.format("mariadb-bin.%06d",
          random.nextInt(5) == 0 ? random.nextInt(999_999) + 1 : random.nextInt(3) + 1));
      offset.put("pos", random.nextBoolean() ? random.nextInt(3) * 1000L + 4
          : (long) random.nextInt(Integer.MAX_VALUE));
      if (random.nextInt(4) != 0) { // a change; Debezium leaves out counts of 0
        offset.put("gtids", "0-1-" + random.nextInt(100));
        int event = random.nextInt(5);
        int row = random.nextInt(5);
        if (event > 0) {
          offset.put("event", (long) event);
        }
        if (row > 0) {
          offset.put("row", (long) row);
        }
      }
      return MARIADB.positionOf(offset);
    }));
  }

  private static List<String> generate(int count, Supplier<String> position) {
    List<String> positions = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      positions.add(position.get());
    }
    return positions;
  }

  @Test
  void aPositionOfAnotherDatabaseOrTooLargeACountIsAnError() {
    assertThatThrownBy(() -> POSTGRES.orderKey("mariadb-bin.000002:4"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("not a PostgreSQL log position: mariadb-bin.000002:4");
    assertThatThrownBy(() -> MARIADB.orderKey("0/16B3748"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("not a binlog position: 0/16B3748");
    assertThatThrownBy(() -> MARIADB.orderKey("bin.000001:4;event=4294967295"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("the event count of log position bin.000001:4;event=4294967295 does not fit"
            + " an order key");
  }

  /** The key of a change from its offset is the key of its position's text, for every shape. */
  private static void assertKeyOfOffsetIsKeyOfText(
      Dialect dialect, Map<String, ?> offset, Map<String, ?> streamStart) {
    String position = dialect.positionOf(offset, streamStart);
    assertThat(dialect.orderKeyOf(position, offset, streamStart))
        .as("%s", offset)
        .isEqualTo(dialect.orderKey(position));
  }

  @Test
  void postgresKeysFromOffsetsEqualKeysFromPositions() {
    Map<String, Object> start = Map.of("lsn", 0x50L, "lsn_commit", 0x40L);
    assertKeyOfOffsetIsKeyOfText(POSTGRES,
        Map.of("lsn", 0x1_0000_00FFL, "lsn_proc", 0x1_0000_00FFL, "lsn_commit", 0x1_0000_0010L,
            "messageType", "UPDATE", "txId", 7L), start);
    assertKeyOfOffsetIsKeyOfText(POSTGRES, Map.of("lsn", 0x16B3748L), start);
    // the first changes after a start have no commit LSN: the stream's start gives it
    assertKeyOfOffsetIsKeyOfText(POSTGRES,
        Map.of("lsn", 0x90L, "messageType", "INSERT"), start);
    assertKeyOfOffsetIsKeyOfText(POSTGRES,
        Map.of("lsn", 0x90L, "messageType", "INSERT"), Map.of("lsn", 0x60L));
    assertKeyOfOffsetIsKeyOfText(POSTGRES,
        Map.of("lsn", 0x90, "lsn_commit", 0x80, "messageType", "DELETE"), start);
    assertKeyOfOffsetIsKeyOfText(POSTGRES, Map.of("lsn", 0x90L, "lsn_commit", 0x80L), start);
  }

  @Test
  void binlogKeysFromOffsetsEqualKeysFromPositions() {
    assertKeyOfOffsetIsKeyOfText(MARIADB,
        Map.of("file", "mysql-bin.000042", "pos", 1_234L, "event", 3L, "row", 1L,
            "gtids", "0-1-99"), Map.of());
    assertKeyOfOffsetIsKeyOfText(MARIADB, Map.of("file", "bin.000001", "pos", 4L), Map.of());
    assertKeyOfOffsetIsKeyOfText(MARIADB,
        Map.of("file", "binlog", "pos", 4L, "event", 0L), Map.of());
    assertKeyOfOffsetIsKeyOfText(MARIADB,
        Map.of("file", "mysql-bin.000002", "pos", 120, "row", 2), Map.of());
    assertKeyOfOffsetIsKeyOfText(MARIADB,
        Map.of("file", "mysql-bin.000002", "pos", 120L, "event", "2", "row", "1"), Map.of());
    assertKeyOfOffsetIsKeyOfText(MARIADB,
        Map.of("file", "mysql-bin.000003", "pos", 4L, "event", 1L,
            "gtids", "3E11FA47-71CA-11E1-9E33-C80AA9429562:1-5"), Map.of());
    assertThatThrownBy(() -> MARIADB.orderKeyOf("bin.000001:4;event=4294967295",
            Map.of("file", "bin.000001", "pos", 4L, "event", 4_294_967_295L), Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("event count");
  }
}
