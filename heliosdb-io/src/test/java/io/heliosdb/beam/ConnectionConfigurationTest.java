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
  void parsesUrlsWithCredentials(String url, String jdbcUrl, String user, String password) {
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
