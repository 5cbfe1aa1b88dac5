package io.heliosdb.bench;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Locale;
import java.util.Properties;

/**
 * The local benchmark databases (see {@code scripts/prepare-databases.sh}). The URL and user can
 * be overridden with the environment variables {@code BENCH_PG_URL}, {@code BENCH_PG_USER},
 * {@code BENCH_MARIADB_URL} and {@code BENCH_MARIADB_USER}; the passwords are empty locally and
 * are read from {@code BENCH_PG_PASSWORD} / {@code BENCH_MARIADB_PASSWORD} if set.
 */
public enum BenchDatabase {
  POSTGRES(
      "postgres",
      "org.postgresql.Driver",
      env("BENCH_PG_URL", "jdbc:postgresql://127.0.0.1:5432/heliosdb"),
      env("BENCH_PG_USER", "postgres"),
      System.getenv("BENCH_PG_PASSWORD"),
      "public"),
  MARIADB(
      "mariadb",
      "org.mariadb.jdbc.Driver",
      env("BENCH_MARIADB_URL", "jdbc:mariadb://127.0.0.1:3306/heliosdb"),
      env("BENCH_MARIADB_USER", "root"),
      System.getenv("BENCH_MARIADB_PASSWORD"),
      "heliosdb");

  /** The name used on the command line and in the JSON output. */
  public final String id;

  public final String driverClass;
  public final String url;
  public final String user;
  public final String password;
  /** PostgreSQL schema or MariaDB database that holds the benchmark tables. */
  public final String namespace;

  BenchDatabase(
      String id,
      String driverClass,
      String url,
      String user,
      String password,
      String namespace) {
    this.id = id;
    this.driverClass = driverClass;
    this.url = url;
    this.user = user;
    this.password = password == null || password.isEmpty() ? null : password;
    this.namespace = namespace;
  }

  private static String env(String name, String fallback) {
    String value = System.getenv(name);
    return value == null || value.isBlank() ? fallback : value;
  }

  public static BenchDatabase parse(String id) {
    for (BenchDatabase db : values()) {
      if (db.id.equals(id.toLowerCase(Locale.ROOT))) {
        return db;
      }
    }
    throw new IllegalArgumentException("unknown database '" + id + "' (postgres, mariadb)");
  }

  public boolean isPostgres() {
    return this == POSTGRES;
  }

  /** A plain JDBC connection (autocommit on). */
  public Connection connect() throws SQLException {
    Properties props = new Properties();
    props.setProperty("user", user);
    if (password != null) {
      props.setProperty("password", password);
    }
    return DriverManager.getConnection(url, props);
  }
}
