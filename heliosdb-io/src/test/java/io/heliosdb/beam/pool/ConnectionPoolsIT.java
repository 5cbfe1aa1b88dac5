package io.heliosdb.beam.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.heliosdb.beam.ConnectionConfiguration;
import io.heliosdb.beam.HeliosDbException;
import io.heliosdb.beam.testing.DatabaseKind;
import io.heliosdb.beam.testing.TestDatabase;
import io.heliosdb.beam.testing.TestDatabases;
import java.sql.Connection;
import org.joda.time.Duration;
import org.junit.jupiter.api.Test;

class ConnectionPoolsIT {

  @Test
  void sharesOnePoolPerConfigurationAndClosesItWithTheLastUser() throws Exception {
    TestDatabase db = TestDatabases.get(DatabaseKind.POSTGRES);
    int before = ConnectionPools.openPools();
    ConnectionConfiguration config = db.connectionConfiguration().withMaxConnections(3);
    PooledDataSource first = ConnectionPools.acquire(config);
    PooledDataSource second = ConnectionPools.acquire(config);
    assertThat(ConnectionPools.openPools()).isEqualTo(before + 1);
    PooledDataSource otherCredentials =
        ConnectionPools.acquire(config.withPassword("another secret"));
    assertThat(ConnectionPools.openPools()).isEqualTo(before + 2);
    try (Connection connection = second.getConnection()) {
      assertThat(connection.isValid(1)).isTrue();
    }
    first.close();
    first.close(); // a second close gives nothing back twice
    assertThat(ConnectionPools.openPools()).isEqualTo(before + 2);
    second.close();
    otherCredentials.close();
    assertThat(ConnectionPools.openPools()).isEqualTo(before);
  }

  @Test
  void poolKeysNameTheDatabaseWithoutThePassword() {
    ConnectionConfiguration config =
        ConnectionConfiguration.create("jdbc:postgresql://h/db?password=hunter2")
            .withUsername("reader").withPassword("hunter3");
    assertThat(PoolKey.of(config).toString())
        .isEqualTo("jdbc:postgresql://h/db?password=*** as reader");
    assertThat(PoolKey.of(config)).isNotEqualTo(PoolKey.of(config.withPassword("other")));
  }

  @Test
  void wrongCredentialsFailWithAMessageWithoutThePassword() {
    TestDatabase db = TestDatabases.get(DatabaseKind.MYSQL);
    ConnectionConfiguration config =
        ConnectionConfiguration.create(db.url())
            .withUsername("no_such_user")
            .withPassword("hunter2")
            .withConnectTimeout(Duration.standardSeconds(2));
    try (PooledDataSource pool = ConnectionPools.acquire(config)) {
      assertThatThrownBy(pool::getConnection)
          .isInstanceOf(java.sql.SQLException.class)
          .hasMessageContaining("Cannot get a connection to " + config.getRedactedUrl())
          .hasMessageContaining("no_such_user")
          .hasMessageContaining("(cause: ") // the driver's reason, not only the pool's time-out
          .hasMessageContaining("Access denied")
          .hasMessageNotContaining("hunter2");
    }
  }
}
