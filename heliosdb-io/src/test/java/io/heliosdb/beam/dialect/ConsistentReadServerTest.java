package io.heliosdb.beam.dialect;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Which MySQL-family servers snapshot then CDC accepts, decided from {@code SELECT VERSION()}
 * when the pipeline is built: only MariaDB reports the binlog position of a consistent snapshot.
 * The version strings are those the servers report; no MySQL server is needed.
 */
class ConsistentReadServerTest {

  @ParameterizedTest
  @ValueSource(
      strings = {
        "10.11.6-MariaDB-0+deb12u1-log", "11.4.2-MariaDB", "10.6.16-MariaDB-1:10.6.16+maria~ubu2004",
        "5.5.5-10.11.6-MariaDB" // as MySQL Connector/J's handshake reports MariaDB
      })
  void mariaDbServersAreAccepted(String version) {
    assertThatCode(() -> MySqlDialect.requireConsistentReadServer(version))
        .doesNotThrowAnyException();
  }

  @ParameterizedTest
  @ValueSource(strings = {"8.0.36", "8.4.0", "9.1.0", "5.7.44-log", "8.0.36-28" /* Percona */})
  void mySqlServersAreRefusedNamingTheVersion(String version) {
    assertThatThrownBy(() -> MySqlDialect.requireConsistentReadServer(version))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("snapshot then CDC needs MariaDB, but the server is MySQL " + version
            + ", which reports no binlog position for a consistent snapshot"
            + " (binlog_snapshot_file). Read MySQL tables with withSnapshot(...) and withCdc(...)"
            + " as two reads");
  }
}
