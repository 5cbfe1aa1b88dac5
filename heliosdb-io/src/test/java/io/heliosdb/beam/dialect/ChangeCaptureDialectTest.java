package io.heliosdb.beam.dialect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.heliosdb.beam.schema.TableId;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The CDC parts of the dialects that need no database: connector settings and positions. */
class ChangeCaptureDialectTest {
  static final ChangeCaptureSettings SETTINGS =
      new ChangeCaptureSettings(java.util.List.of(new TableId("shop", "order.items")), "src_1",
          "slot_a", "pub_a", 4242, 10_000, 10);

  /** Three tables in two namespaces, captured by one log reader. */
  static final ChangeCaptureSettings TABLES =
      new ChangeCaptureSettings(
          java.util.List.of(new TableId("shop", "orders"), new TableId("shop", "order.items"),
              new TableId("crm", "customers")),
          "src_2", "slot_b", "pub_b", 4243, 10_000, 10);

  @Test
  void oneLogReaderCapturesEveryTableOfTheReadAndNoOther() {
    String tables = "\\Qshop.orders\\E,\\Qshop.order.items\\E,\\Qcrm.customers\\E";
    assertThat(new PostgresDialect().changeTaskProperties(
            "jdbc:postgresql://db:5432/app", "r", TABLES))
        .containsEntry("slot.name", "slot_b")
        .containsEntry("publication.name", "pub_b")
        .containsEntry("table.include.list", tables);
    assertThat(new MySqlDialect(false).changeTaskProperties(
            "jdbc:mariadb://db/app", "r", TABLES))
        .containsEntry("database.server.id", "4243")
        .containsEntry("database.include.list", "\\Qshop\\E,\\Qcrm\\E")
        .containsEntry("table.include.list", tables);
    // one LogMiner session mines every table of the read
    assertThat(new OracleDialect().changeTaskProperties(
            "jdbc:oracle:thin:@//db:1521/freepdb1", "r", TABLES))
        .containsEntry("schema.include.list", "\\Qshop\\E,\\Qcrm\\E")
        .containsEntry("table.include.list", tables)
        .containsEntry("database.connection.adapter", "logminer");
    assertThat(TABLES.describeTables())
        .isEqualTo("3 tables [shop.orders, shop.order.items, crm.customers]");
    assertThatThrownBy(() -> new ChangeCaptureSettings(
            java.util.List.of(), "s", "slot", "pub", 1, 1, 1))
        .hasMessageContaining("at least one table");
  }

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
        // truncates as changes; each column's declared type with each change
        .containsEntry("skipped.operations", "none")
        .containsEntry("column.propagate.source.type", ".*")
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
        .containsEntry("connector.class", "io.debezium.connector.mariadb.MariaDbConnector")
        // a restarted server is noticed within 10 s, not Debezium's default minute
        .containsEntry("connect.keep.alive.interval.ms", "10000")
        .containsEntry("skipped.operations", "none")
        .containsEntry("column.propagate.source.type", ".*");
    assertThat(new MySqlDialect(false).changeTaskProperties("jdbc:mariadb://h/shop", "r",
        SETTINGS)).containsEntry("database.ssl.mode", "disable");
    assertThat(new MySqlDialect(true).changeTaskClass())
        .isEqualTo("io.debezium.connector.mysql.MySqlConnectorTask");
    assertThatThrownBy(() -> new MySqlDialect(false).changeTaskProperties(
            "jdbc:mariadb:sequential:h1,h2", "jdbc:mariadb:sequential:h1,h2", SETTINGS))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("CDC needs a URL of the form jdbc:<driver>://host[:port]/database");
  }

  /** The log reader connects with the TLS settings of the JDBC URL, in the connector's terms. */
  @Test
  void theLogReaderFollowsTheTlsSettingsOfTheJdbcUrl() {
    Map<String, String> postgres = new PostgresDialect().changeTaskProperties(
        "jdbc:postgresql://db/shop?sslmode=verify-full&sslrootcert=/etc/ca.pem"
            + "&sslcert=/etc/client.pem&sslkey=/etc/client.key", "r", SETTINGS);
    assertThat(postgres)
        .containsEntry("database.sslmode", "verify-full")
        .containsEntry("database.sslrootcert", "/etc/ca.pem")
        .containsEntry("database.sslcert", "/etc/client.pem")
        .containsEntry("database.sslkey", "/etc/client.key");
    assertThat(sslOf(new PostgresDialect(), "jdbc:postgresql://db/shop?ssl=true"))
        .isEqualTo("verify-full"); // the driver's meaning of ssl=true
    assertThat(sslOf(new PostgresDialect(), "jdbc:postgresql://db/shop?sslmode=disable"))
        .isEqualTo("disable");
    assertThat(sslOf(new PostgresDialect(), "jdbc:postgresql://db/shop")).isEqualTo("prefer");

    MySqlDialect mysql = new MySqlDialect(true);
    assertThat(sslOf(mysql, "jdbc:mysql://db/shop?sslMode=REQUIRED")).isEqualTo("required");
    assertThat(sslOf(mysql, "jdbc:mysql://db/shop?sslMode=VERIFY_IDENTITY"))
        .isEqualTo("verify_identity");
    assertThat(sslOf(mysql, "jdbc:mysql://db/shop?useSSL=true&requireSSL=true"))
        .isEqualTo("required");
    assertThat(sslOf(mysql, "jdbc:mysql://db/shop?useSSL=true&requireSSL=true"
        + "&verifyServerCertificate=true")).isEqualTo("verify_ca");
    assertThat(sslOf(mysql, "jdbc:mysql://db/shop?useSSL=false")).isEqualTo("disabled");
    assertThat(sslOf(mysql, "jdbc:mysql://db/shop")).isEqualTo("preferred");
    assertThat(mysql.changeTaskProperties("jdbc:mysql://db/shop?sslMode=VERIFY_CA"
            + "&trustCertificateKeyStoreUrl=file:/etc/trust.jks"
            + "&trustCertificateKeyStorePassword=secret", "r", SETTINGS))
        .containsEntry("database.ssl.truststore", "/etc/trust.jks")
        .containsEntry("database.ssl.truststore.password", "secret");

    MySqlDialect mariaDb = new MySqlDialect(false);
    assertThat(sslOf(mariaDb, "jdbc:mariadb://db/shop?sslMode=verify-ca")).isEqualTo("verify-ca");
    assertThat(sslOf(mariaDb, "jdbc:mariadb://db/shop?useSsl=true")).isEqualTo("verify-full");
    assertThat(sslOf(mariaDb, "jdbc:mariadb://db/shop?useSSL=true&trustServerCertificate=true"))
        .isEqualTo("trust");
    assertThat(sslOf(mariaDb, "jdbc:mariadb://db/shop")).isEqualTo("disable");
    assertThatThrownBy(() -> mariaDb.changeTaskProperties(
            "jdbc:mariadb://db/shop?sslMode=sometimes", "redacted", SETTINGS))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("sslMode=sometimes");
  }

  private static String sslOf(Dialect dialect, String url) {
    Map<String, String> properties = dialect.changeTaskProperties(url, "r", SETTINGS);
    return properties.containsKey("database.sslmode") ? properties.get("database.sslmode")
        : properties.get("database.ssl.mode");
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
  void mariaDbAndOraclePositionsAndSettings() {
    MySqlDialect mariaDb = new MySqlDialect(false);
    assertThat(mariaDb.positionOf(Map.of("file", "bin.000001", "pos", 4L, "gtids", "0-1-5",
        "event", 2L, "row", 1L))).isEqualTo("bin.000001:4;gtids=0-1-5;event=2;row=1");
    mariaDb.checkPosition("bin.000001:4;gtids=0-1-5;event=2;row=1");
    mariaDb.checkPosition("0-1-5,1-2-3");
    mariaDb.checkPosition("bin.000001:4");
    assertThatThrownBy(() -> mariaDb.checkPosition("yesterday"))
        .hasMessageContaining("CdcOptions.withStartPosition(\"yesterday\")");
    OracleDialect oracle = new OracleDialect();
    assertThat(oracle.changeTaskProperties("jdbc:oracle:thin:@//db:1521/freepdb1", "r", SETTINGS))
        .containsEntry("database.url", "jdbc:oracle:thin:@//db:1521/freepdb1")
        .containsEntry("database.dbname", "FREEPDB1")
        .containsEntry("log.mining.strategy", "online_catalog")
        .containsEntry("table.include.list", "\\Qshop.order.items\\E")
        .containsEntry("snapshot.mode", "recovery");
    assertThat(OracleDialect.databaseName("jdbc:oracle:thin:@host:1521:XE", "r")).isEqualTo("XE");
    assertThatThrownBy(() -> OracleDialect.databaseName("jdbc:oracle:thin:@tnsalias", "r"))
        .hasMessageContaining("CDC on Oracle needs a thin URL naming the database");
    oracle.checkPosition("2489311");
    oracle.checkPosition("2489311@2489400");
    assertThatThrownBy(() -> oracle.checkPosition("0/16B3748"))
        .hasMessage("CdcOptions.withStartPosition(\"0/16B3748\"): expected an Oracle SCN such as"
            + " 2489311, or a position of the output");
    assertThat(oracle.positionOf(Map.of("scn", "123", "commit_scn", "125")))
        .isEqualTo("123@125");
    assertThat(oracle.positionOf(Map.of("scn", "123"))).isEqualTo("123");
  }

  @Test
  void everyDialectsConnectorTaskIsOnTheClasspath() throws Exception {
    for (Dialect dialect : java.util.List.of(new PostgresDialect(), new MySqlDialect(false),
        new MySqlDialect(true), new OracleDialect())) {
      assertThat(org.apache.kafka.connect.source.SourceTask.class.isAssignableFrom(
          Class.forName(dialect.changeTaskClass()))).as(dialect.changeTaskClass()).isTrue();
    }
  }

  @Test
  void aWalInsertPositionAfterAPageHeaderIsTheEndOfTheRecordBeforeIt() {
    long page = 8192;
    long segment = 16L << 20;
    assertThat(PostgresDialect.recordBoundary(3 * page + 24, page, segment)).isEqualTo(3 * page);
    assertThat(PostgresDialect.recordBoundary(segment + 40, page, segment)).isEqualTo(segment);
    assertThat(PostgresDialect.recordBoundary(3 * page + 64, page, segment))
        .isEqualTo(3 * page + 64);
  }

  @Test
  void binlogPositionsCompareInTheBinlogsOrder() {
    assertThat(MySqlDialect.binlogOrder("mysql-bin.000002:4"))
        .isGreaterThan(MySqlDialect.binlogOrder("mysql-bin.000001:4294967295"));
    assertThat(MySqlDialect.binlogOrder("mysql-bin.000001:400"))
        .isGreaterThan(MySqlDialect.binlogOrder("mysql-bin.000001:399"));
    assertThat(MySqlDialect.binlogOrder("nonumber:4")).isEqualTo(-1);
  }
}
