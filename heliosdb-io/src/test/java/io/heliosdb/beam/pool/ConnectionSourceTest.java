package io.heliosdb.beam.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.heliosdb.beam.ConnectionConfiguration;
import io.heliosdb.beam.PasswordProvider;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/** How connections are opened from a configuration's providers, without a database. */
class ConnectionSourceTest {
  static final ConnectionConfiguration CONFIG =
      ConnectionConfiguration.create("jdbc:postgresql://127.0.0.1:1/db");

  @Test
  void aFailingOrNullDataSourceProviderFailsTheConnectionNamingIt() {
    ConnectionSource failing = new ConnectionSource(CONFIG.withDataSourceProvider(() -> {
      throw new IllegalStateException("no token service");
    }));
    assertThatThrownBy(failing::getConnection)
        .isInstanceOf(SQLException.class)
        .hasMessageContaining("of ConnectionConfiguration.withDataSourceProvider failed:"
            + " java.lang.IllegalStateException: no token service")
        .extracting(e -> ((SQLException) e).getSQLState()).isEqualTo("08001");
    ConnectionSource none = new ConnectionSource(CONFIG.withDataSourceProvider(() -> null));
    assertThatThrownBy(none::getConnection)
        .hasMessageContaining("of ConnectionConfiguration.withDataSourceProvider returned null");
    none.close();
    assertThatThrownBy(none::getConnection)
        .hasMessage("The connections of jdbc:postgresql://127.0.0.1:1/db are closed");
  }

  @Test
  void aFailingPasswordProviderFailsBeforeTheDriverIsAsked() {
    ConnectionSource source = new ConnectionSource(CONFIG.withUsername("reader")
        .withPasswordProvider(PasswordProvider.fromEnvironment("HELIOSDB_UNSET_VARIABLE_42")));
    assertThatThrownBy(source::getConnection)
        .isInstanceOf(SQLException.class)
        .hasMessageContaining("failed: java.lang.IllegalStateException: the environment"
            + " variable HELIOSDB_UNSET_VARIABLE_42 of the password is not set");
    assertThatThrownBy(() -> PasswordProvider.fromEnvironment(" "))
        .hasMessage("PasswordProvider.fromEnvironment(variable): name a variable");
    assertThatThrownBy(() -> PasswordProvider.fromFile(""))
        .hasMessage("PasswordProvider.fromFile(path): name a file");
  }

  @Test
  void aPasswordInADriverMessageIsReplaced() {
    SQLException said = new SQLException("login with hunter2 refused", "28P01", 7);
    SQLException shown = ConnectionSource.withoutPassword(said, "hunter2");
    assertThat(shown.getMessage()).isEqualTo("login with *** refused");
    assertThat(shown.getCause()).isNull();
    assertThat(shown.getSQLState()).isEqualTo("28P01");
    assertThat(shown.getErrorCode()).isEqualTo(7);
    assertThat((Object) ConnectionSource.withoutPassword(said, null)).isSameAs(said);
    assertThat((Object) ConnectionSource.withoutPassword(said, "other")).isSameAs(said);
  }

  @Test
  void isADataSourceOnlyForItsOwnCredentials() throws Exception {
    ConnectionSource source = new ConnectionSource(CONFIG);
    assertThatThrownBy(() -> source.getConnection("u", "p"))
        .isInstanceOf(SQLFeatureNotSupportedException.class);
    assertThat(source.isWrapperFor(DataSource.class)).isTrue();
    assertThat(source.unwrap(ConnectionSource.class)).isSameAs(source);
    assertThatThrownBy(() -> source.unwrap(String.class)).isInstanceOf(SQLException.class);
    assertThat(source.getLogWriter()).isNull();
    source.setLogWriter(null);
    source.setLoginTimeout(5);
    assertThat(source.getLoginTimeout()).isZero();
    assertThatThrownBy(source::getParentLogger)
        .isInstanceOf(SQLFeatureNotSupportedException.class);
  }
}
