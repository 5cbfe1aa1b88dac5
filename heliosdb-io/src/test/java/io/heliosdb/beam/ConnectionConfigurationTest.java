package io.heliosdb.beam;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.beam.sdk.transforms.display.DisplayData;
import org.joda.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConnectionConfigurationTest {

  @ParameterizedTest
  @CsvSource({
    "postgresql://reader:s3cr%40t@db.example:5432/shop?sslmode=disable,"
        + "jdbc:postgresql://db.example:5432/shop?sslmode=disable,reader,s3cr@t",
    "postgres://u:p@h/db,jdbc:postgresql://h/db,u,p",
    "mysql://root:pw@127.0.0.1:3306/shop,jdbc:mysql://127.0.0.1:3306/shop,root,pw",
    "mariadb://root@127.0.0.1:3306/shop,jdbc:mariadb://127.0.0.1:3306/shop,root,",
    "oracle://scott:tiger@ora:1521/FREEPDB1,jdbc:oracle:thin:@//ora:1521/FREEPDB1,scott,tiger",
    "jdbc:postgresql://h:5432/db,jdbc:postgresql://h:5432/db,,"
  })
  void parsesUrlsWithCredentials(String url, String jdbcUrl, String user, String password)
      throws Exception {
    ConnectionConfiguration config = ConnectionConfiguration.create(url);
    assertThat(config.getJdbcUrl()).isEqualTo(jdbcUrl);
    assertThat(config.getUsername()).isEqualTo(user);
    assertThat(config.password()).isEqualTo(password);
  }

  @Test
  void rejectsUnsupportedAndMalformedUrls() {
    assertThatThrownBy(() -> ConnectionConfiguration.create("sqlserver://u:hunter2@h/db"))
        .hasMessageContaining("unsupported scheme 'sqlserver'")
        .hasMessageNotContaining("hunter2");
    assertThatThrownBy(() -> ConnectionConfiguration.create("postgresql:///db"))
        .hasMessageContaining("no host");
    assertThatThrownBy(() -> ConnectionConfiguration.create("postgresql://u:p@h/a b"))
        .hasMessageContaining("not a valid URL");
    assertThatThrownBy(() -> ConnectionConfiguration.create(null))
        .hasMessageContaining("requires a URL");
  }

  @Test
  void neverShowsThePassword() {
    ConnectionConfiguration config =
        ConnectionConfiguration.create("jdbc:postgresql://h/db?user=x&password=hunter2")
            .withUsername("reader")
            .withPassword("hunter2");
    assertThat(config.toString()).doesNotContain("hunter2").contains("reader");
    assertThat(config.getRedactedUrl()).isEqualTo("jdbc:postgresql://h/db?user=x&password=***");
    DisplayData data = DisplayData.from(builder -> config.populateDisplayData(builder));
    assertThat(data.toString()).doesNotContain("hunter2").contains("reader");
    assertThat(ConnectionConfiguration.create("postgresql://u:hunter2@h/db").toString())
        .doesNotContain("hunter2");
    // Oracle's thin URLs put user/password before the @
    assertThat(ConnectionConfiguration.create("jdbc:oracle:thin:scott/hunter2@//h:1521/ORCL")
        .getRedactedUrl()).isEqualTo("jdbc:oracle:thin:***@//h:1521/ORCL");
    assertThat(ConnectionConfiguration.create("jdbc:oracle:thin:@h:1521:ORCL").getRedactedUrl())
        .isEqualTo("jdbc:oracle:thin:@h:1521:ORCL");
  }

  @Test
  void aPasswordAndAPasswordProviderAreRefusedTogether() {
    ConnectionConfiguration config = ConnectionConfiguration.create("jdbc:postgresql://h/db");
    String both = "ConnectionConfiguration: withPassword(...) (or a password in the URL) and"
        + " withPasswordProvider(...) both give the password; set only one";
    assertThatThrownBy(() -> config.withPassword("hunter2").withPasswordProvider(() -> "x"))
        .isInstanceOf(IllegalArgumentException.class).hasMessage(both);
    assertThatThrownBy(() -> config.withPasswordProvider(() -> "x").withPassword("hunter2"))
        .hasMessage(both);
    assertThatThrownBy(() -> ConnectionConfiguration.create("postgresql://u:hunter2@h/db")
            .withPasswordProvider(() -> "x"))
        .hasMessage(both);
    assertThatThrownBy(() -> config.withPasswordProvider(null))
        .hasMessageContaining("withPasswordProvider(provider): must not be null");
    assertThatThrownBy(() -> config.withDataSourceProvider(null))
        .hasMessageContaining("withDataSourceProvider(provider): must not be null");
  }

  /** Reads the password from a system property: the secret is not in the provider. */
  record PropertyPassword(String property) implements PasswordProvider {
    @Override
    public String password() {
      return System.getProperty(property);
    }
  }

  @Test
  void onlyTheProviderIsKeptAndItsPasswordNeverShown() throws Exception {
    System.setProperty("heliosdb.test.password", "hunter2");
    ConnectionConfiguration config = ConnectionConfiguration.create("jdbc:postgresql://h/db")
        .withUsername("reader")
        .withPasswordProvider(new PropertyPassword("heliosdb.test.password"));
    assertThat(config.password()).isEqualTo("hunter2");
    assertThat(config.toString()).contains("password=<provider>").doesNotContain("hunter2");
    assertThat(DisplayData.from(builder -> config.populateDisplayData(builder)).toString())
        .contains(PropertyPassword.class.getName()).doesNotContain("hunter2");
    byte[] serialized = org.apache.beam.sdk.util.SerializableUtils.serializeToByteArray(config);
    assertThat(new String(serialized, java.nio.charset.StandardCharsets.ISO_8859_1))
        .doesNotContain("hunter2");
    // a worker's copy shares the pool of the original: same fingerprint, never the password
    ConnectionConfiguration copy = (ConnectionConfiguration)
        org.apache.beam.sdk.util.SerializableUtils.deserializeFromByteArray(serialized, "copy");
    assertThat(copy.credentialsFingerprint()).isEqualTo(config.credentialsFingerprint())
        .doesNotContain("hunter2");
    assertThat(config.withPasswordProvider(new PropertyPassword("other")).toString())
        .isNotNull();
    assertThat(ConnectionConfiguration.create("jdbc:postgresql://h/db").withUsername("reader")
            .withPasswordProvider(new PropertyPassword("other")).credentialsFingerprint())
        .isNotEqualTo(config.credentialsFingerprint());
    // a failing provider and one returning null: SQLState 08001, naming the provider
    System.clearProperty("heliosdb.test.password");
    assertThatThrownBy(config::password)
        .isInstanceOf(java.sql.SQLException.class)
        .hasMessage("The password provider " + PropertyPassword.class.getName()
            + " of ConnectionConfiguration.withPasswordProvider returned null")
        .extracting(e -> ((java.sql.SQLException) e).getSQLState()).isEqualTo("08001");
    ConnectionConfiguration failing = ConnectionConfiguration.create("jdbc:postgresql://h/db")
        .withPasswordProvider(PasswordProvider.fromFile("/nonexistent/heliosdb-password"));
    assertThatThrownBy(failing::password)
        .hasMessageContaining("PasswordProvider$FilePasswordProvider of"
            + " ConnectionConfiguration.withPasswordProvider failed: java.nio.file."
            + "NoSuchFileException: /nonexistent/heliosdb-password");
  }

  @Test
  void aDataSourceProviderIsShownByItsClassAndRefusesDriverProperties() {
    ConnectionConfiguration config = ConnectionConfiguration.create("jdbc:postgresql://h/db")
        .withDataSourceProvider(() -> null);
    assertThat(config.toString()).contains("dataSource=<provider>");
    assertThat(DisplayData.from(builder -> config.populateDisplayData(builder)).toString())
        .contains("dataSourceProvider");
    config.validate();
    assertThatThrownBy(() -> config.withConnectionProperties(
            java.util.Map.of("sslmode", "require")).validate())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("ConnectionConfiguration: withConnectionProperties(...) is ignored with"
            + " withDataSourceProvider(...); set the properties [sslmode] on the data source the"
            + " provider creates");
  }

  @Test
  void validatesPoolOptions() {
    ConnectionConfiguration config = ConnectionConfiguration.create("jdbc:postgresql://h/db");
    assertThat(config.getMinConnections()).isEqualTo(1);
    assertThat(config.getMaxConnections()).isEqualTo(10);
    assertThatThrownBy(() -> config.withMaxConnections(0))
        .hasMessage("ConnectionConfiguration.withMaxConnections(0): must be between 1 and 100");
    assertThatThrownBy(() -> config.withMinConnections(101))
        .hasMessageContaining("withMinConnections(101)");
    assertThatThrownBy(() -> config.withConnectTimeout(Duration.millis(10)))
        .hasMessageContaining("withConnectTimeout");
    assertThatThrownBy(() -> config.withIdleTimeout(Duration.standardSeconds(1)))
        .hasMessageContaining("withIdleTimeout");
    assertThatThrownBy(() -> config.withMaxLifetime(Duration.standardSeconds(1)))
        .hasMessageContaining("withMaxLifetime");
    assertThatThrownBy(() -> config.withMinConnections(20).withMaxConnections(5).validate())
        .hasMessageContaining("withMinConnections(20) exceeds withMaxConnections(5)");
    ConnectionConfiguration tuned =
        config.withMinConnections(2).withMaxConnections(8)
            .withConnectTimeout(Duration.standardSeconds(5))
            .withIdleTimeout(Duration.standardMinutes(1))
            .withMaxLifetime(Duration.standardMinutes(5));
    tuned.validate();
    assertThat(tuned.getConnectTimeout()).isEqualTo(Duration.standardSeconds(5));
    assertThat(tuned.getIdleTimeout()).isEqualTo(Duration.standardMinutes(1));
    assertThat(tuned.getMaxLifetime()).isEqualTo(Duration.standardMinutes(5));
  }
}
