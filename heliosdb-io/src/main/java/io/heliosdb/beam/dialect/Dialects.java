package io.heliosdb.beam.dialect;

import java.util.Locale;

/** Picks the dialect from a JDBC URL. */
public final class Dialects {
  private Dialects() {}

  /**
   * The dialect of a JDBC URL.
   *
   * @throws IllegalArgumentException for a URL of a database HeliosDbIO does not support
   */
  public static Dialect forJdbcUrl(String jdbcUrl, String urlForMessages) {
    String url = jdbcUrl.toLowerCase(Locale.ROOT);
    if (url.startsWith("jdbc:postgresql:")) {
      return new PostgresDialect();
    }
    if (url.startsWith("jdbc:mysql:")) {
      return new MySqlDialect(true);
    }
    if (url.startsWith("jdbc:mariadb:")) {
      return new MySqlDialect(false);
    }
    if (url.startsWith("jdbc:oracle:")) {
      return new OracleDialect();
    }
    throw new IllegalArgumentException(
        "ConnectionConfiguration: unsupported database URL "
            + urlForMessages
            + "; HeliosDbIO reads jdbc:postgresql:, jdbc:mysql:, jdbc:mariadb: and jdbc:oracle:");
  }
}
