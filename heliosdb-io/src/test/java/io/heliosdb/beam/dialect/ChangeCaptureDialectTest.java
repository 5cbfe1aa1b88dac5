package io.heliosdb.beam.dialect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.heliosdb.beam.schema.TableId;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The CDC parts of the dialects that need no database: connector settings and positions. */
class ChangeCaptureDialectTest {
  static final ChangeCaptureSettings SETTINGS =
      new ChangeCaptureSettings(new TableId("shop", "order.items"), "src_1", "slot_a", "pub_a",
          4242, 10_000, 10);

  @Test
  void configuresThePostgresConnectorForOneTableAndItsSlot() {
    Map<String, String> properties = new PostgresDialect().changeTaskProperties(
        "jdbc:postgresql://db.example:6543/shop?ssl=true", "redacted", SETTINGS);
    assertThat(properties)
        .containsEntry("database.hostname", "db.example")
        .containsEntry("database.port", "6543")
        .containsEntry("database.dbname", "shop")
        .containsEntry("slot.name", "slot_a")
        .containsEntry("publication.name", "pub_a")
        .containsEntry("publication.autocreate.mode", "disabled")
        .containsEntry("table.include.list", "\\Qshop.order.items\\E")
        .containsEntry("topic.prefix", "src_1")
        .doesNotContainKey("database.password");
  }

  @Test
  void configuresTheMariaDbConnectorWithoutSchemaHistoryAndWithTheUrlsTls() {
    Map<String, String> properties = new MySqlDialect(false).changeTaskProperties(
        "jdbc:mariadb://127.0.0.1/shop?sslMode=verify-full", "redacted", SETTINGS);
    assertThat(properties)
        .containsEntry("database.port", "3306")
        .containsEntry("database.server.id", "4242")
        .containsEntry("database.ssl.mode", "verify-full")
        .containsEntry("schema.history.internal",
            "io.debezium.relational.history.MemorySchemaHistory")
        .containsEntry("connector.class", "io.debezium.connector.mariadb.MariaDbConnector");
    assertThat(new MySqlDialect(false).changeTaskProperties("jdbc:mariadb://h/shop", "r",
        SETTINGS)).containsEntry("database.ssl.mode", "disable");
    assertThat(new MySqlDialect(true).changeTaskClass())
        .isEqualTo("io.debezium.connector.mysql.MySqlConnectorTask");
    assertThatThrownBy(() -> new MySqlDialect(false).changeTaskProperties(
            "jdbc:mariadb:sequential:h1,h2", "jdbc:mariadb:sequential:h1,h2", SETTINGS))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("CDC needs a URL of the form jdbc:<driver>://host[:port]/database");
  }

  @Test
  void postgresPositionsRoundTripAndBadOnesNameTheOption() {
    PostgresDialect postgres = new PostgresDialect();
    Map<String, Object> offset = Map.of("lsn", 0x1_0000_00FFL, "lsn_proc", 0x1_0000_00FFL,
        "lsn_commit", 0x1_0000_0010L, "messageType", "UPDATE", "txId", 7L);
    String position = postgres.positionOf(offset);
    assertThat(position).isEqualTo("1/FF@1/10:UPDATE");
    assertThat(PostgresDialect.parsePosition(position)).isEqualTo(Map.of("lsn", 0x1_0000_00FFL,
        "lsn_proc", 0x1_0000_00FFL, "lsn_commit", 0x1_0000_0010L, "messageType", "UPDATE"));
    assertThat(PostgresDialect.parsePosition("0/16B3748")).isEqualTo(Map.of("lsn", 0x16B3748L));
    assertThat(postgres.positionOf(Map.of("lsn", 0x16B3748L))).isEqualTo("0/16B3748");
    assertThatThrownBy(() -> postgres.checkPosition("16B3748"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("CdcOptions.withStartPosition(\"16B3748\"): expected a PostgreSQL LSN such as"
            + " 0/16B3748, or a position of the output such as 0/16B3748@0/16B3700:INSERT");
  }

  @Test
  void mariaDbPositionsAndOracleRefusal() {
    MySqlDialect mariaDb = new MySqlDialect(false);
    assertThat(mariaDb.positionOf(Map.of("file", "bin.000001", "pos", 4L, "gtids", "0-1-5",
        "event", 2L, "row", 1L))).isEqualTo("bin.000001:4;gtids=0-1-5;event=2;row=1");
    mariaDb.checkPosition("bin.000001:4;gtids=0-1-5;event=2;row=1");
    mariaDb.checkPosition("0-1-5,1-2-3");
    mariaDb.checkPosition("bin.000001:4");
    assertThatThrownBy(() -> mariaDb.checkPosition("yesterday"))
        .hasMessageContaining("CdcOptions.withStartPosition(\"yesterday\")");
    OracleDialect oracle = new OracleDialect();
    assertThatThrownBy(() -> oracle.changeTaskProperties("jdbc:oracle:thin:@//h:1521/x", "r",
            SETTINGS))
        .isInstanceOf(UnsupportedOperationException.class)
        .hasMessage("CDC on Oracle (LogMiner) is not supported yet");
    assertThat(oracle.positionOf(Map.of("scn", "123"))).isEqualTo("123");
  }
}
