package io.heliosdb.beam.testing;

/** The databases tests run against, with where to find each. */
public enum DatabaseKind {
  POSTGRES(
      "HELIOSDB_TEST_POSTGRES",
      "jdbc:postgresql://127.0.0.1:5432/postgres",
      "jdbc:postgresql://127.0.0.1:5432/heliosdb",
      "postgres"),
  MYSQL(
      "HELIOSDB_TEST_MYSQL",
      "jdbc:mariadb://127.0.0.1:3306/",
      "jdbc:mariadb://127.0.0.1:3306/heliosdb",
      "root"),
  ORACLE("HELIOSDB_TEST_ORACLE", null, null, null);

  /** Prefix of the environment variables {@code _URL}, {@code _USER}, {@code _PASSWORD}. */
  final String envPrefix;
  /** A local server's administrative URL, to create the test database; null if none. */
  final String localAdminUrl;
  /** The local server's test database. */
  final String localUrl;
  final String localUser;

  DatabaseKind(String envPrefix, String localAdminUrl, String localUrl, String localUser) {
    this.envPrefix = envPrefix;
    this.localAdminUrl = localAdminUrl;
    this.localUrl = localUrl;
    this.localUser = localUser;
  }
}
