package io.heliosdb.beam.dialect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The check that a read's JDBC driver and Debezium connector are on the class path, with class
 * lookups that leave out the classes of one library.
 */
class RequiredLibrariesTest {
  private static final Dialect POSTGRES = new PostgresDialect();

  static List<Dialect> dialects() {
    return List.of(POSTGRES, new MySqlDialect(true), new MySqlDialect(false), new OracleDialect());
  }

  private static Predicate<String> without(String... classNames) {
    Set<String> missing = Set.of(classNames);
    return className -> !missing.contains(className);
  }

  @Test
  void missingDriverNamesItsMavenCoordinates() {
    assertThatThrownBy(
            () -> RequiredLibraries.check(
                POSTGRES, false, "HeliosDbIO.read()", without("org.postgresql.Driver")))
        .isInstanceOf(IllegalStateException.class)
        .message()
        .startsWith("HeliosDbIO.read() of a postgresql database needs its JDBC driver"
            + " (org.postgresql.Driver), not on the class path: add the Maven dependency"
            + " org.postgresql:postgresql:")
        .matches(".*:postgresql:\\d+\\.\\d+\\.\\d+$");
  }

  @Test
  void cdcReadNamesTheDebeziumConnectorToo() {
    assertThatThrownBy(
            () -> RequiredLibraries.check(
                new MySqlDialect(false), true, "HeliosDbIO.readTables()",
                without("org.mariadb.jdbc.Driver",
                    "io.debezium.connector.mariadb.MariaDbConnectorTask")))
        .isInstanceOf(IllegalStateException.class)
        .message()
        .startsWith("HeliosDbIO.readTables() of a mysql database needs its JDBC driver"
            + " (org.mariadb.jdbc.Driver) and its Debezium connector, for withCdc(...)"
            + " (io.debezium.connector.mariadb.MariaDbConnectorTask), not on the class path:"
            + " add the Maven dependencies org.mariadb.jdbc:mariadb-java-client:")
        .matches(".* and io\\.debezium:debezium-connector-mariadb:\\d+\\.\\d+\\.\\d+\\.Final$");
  }

  @Test
  void connectorIsNeededByCdcReadsOnly() {
    Predicate<String> noConnector =
        without("io.debezium.connector.oracle.OracleConnectorTask");
    assertThatCode(
            () -> RequiredLibraries.check(new OracleDialect(), false, "read", noConnector))
        .doesNotThrowAnyException();
    assertThatThrownBy(
            () -> RequiredLibraries.check(new OracleDialect(), true, "read", noConnector))
        .hasMessageEndingWith("add the Maven dependency io.debezium:debezium-connector-oracle:"
            + new OracleDialect().changeConnector().coordinates().split(":")[2]);
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void everyDatabaseLibraryNamesARealClassAndATestedVersion(Dialect dialect) {
    assertThatCode(() -> RequiredLibraries.check(dialect, true, "HeliosDbIO.read()"))
        .doesNotThrowAnyException();
    for (Library library : List.of(dialect.jdbcDriver(), dialect.changeConnector())) {
      assertThat(library.coordinates())
          .startsWith(library.groupId() + ":" + library.artifactId() + ":")
          .matches(".*:\\d+(\\.\\d+)+(\\.Final)?$");
    }
  }

  @Test
  void mysqlUrlsNeedMySqlConnectorJ() {
    Dialect mysql = new MySqlDialect(true);
    assertThat(mysql.jdbcDriver().coordinates()).startsWith("com.mysql:mysql-connector-j:");
    assertThat(mysql.changeConnector().artifactId()).isEqualTo("debezium-connector-mysql");
  }
}
