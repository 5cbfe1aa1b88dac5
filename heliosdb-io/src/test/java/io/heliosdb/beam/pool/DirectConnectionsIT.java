package io.heliosdb.beam.pool;

import static org.assertj.core.api.Assertions.assertThat;

import io.heliosdb.beam.testing.DatabaseKind;
import io.heliosdb.beam.testing.TestDatabase;
import io.heliosdb.beam.testing.TestDatabases;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.ResultSet;
import org.junit.jupiter.api.Test;

/** Connections, direct and pooled, to the real PostgreSQL server. */
class DirectConnectionsIT {

  /**
   * On a cluster's worker {@code DriverManager} may not know the job's driver (it registered the
   * drivers its first caller's class loader could see): the connection still opens, through the
   * driver of the library's own class loader.
   */
  @Test
  void opensAConnectionWhenDriverManagerDoesNotKnowTheDriver() throws Exception {
    TestDatabase db = TestDatabases.get(DatabaseKind.POSTGRES);
    Driver registered = DriverManager.getDriver(db.url());
    DriverManager.deregisterDriver(registered);
    try (Connection connection = DirectConnections.open(db.connectionConfiguration());
        ResultSet rs = connection.createStatement().executeQuery("SELECT 42")) {
      rs.next();
      assertThat(rs.getInt(1)).isEqualTo(42);
      // and a pool of its own (a connection setting no other test uses) opens through it too
      PooledDataSource pool = ConnectionPools.acquire(
          db.connectionConfiguration().withConnectionProperties(
              java.util.Map.of("ApplicationName", "direct-connections-it")));
      try (Connection pooled = pool.getConnection();
          ResultSet one = pooled.createStatement().executeQuery("SELECT 1")) {
        one.next();
        assertThat(one.getInt(1)).isEqualTo(1);
      } finally {
        pool.close();
      }
    } finally {
      DriverManager.registerDriver(registered);
    }
  }
}
