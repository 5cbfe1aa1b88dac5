package io.heliosdb.beam;

import static org.apache.beam.sdk.util.Preconditions.checkArgumentNotNull;

import com.google.auto.value.AutoValue;
import java.io.Serializable;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.util.SerializableUtils;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;

/**
 * Where and how to connect: a JDBC URL (or the {@code postgresql://user:password@host:port/db}
 * form, also {@code mysql://}, {@code mariadb://} and {@code oracle://}), credentials and the
 * options of the HikariCP pool that workers share.
 *
 * <pre>{@code
 * ConnectionConfiguration.create("jdbc:postgresql://db:5432/shop")
 *     .withUsername("reader")
 *     .withPassword(secret)
 *     .withMaxConnections(8);
 * }</pre>
 *
 * <p>The password never appears in {@link #toString()}, display data, logs or exceptions; a
 * {@code password=} parameter inside the URL is redacted as well. To keep it out of the pipeline
 * altogether, give a {@link PasswordProvider} ({@link #withPasswordProvider}), called where
 * connections are opened; for connections a URL cannot describe (IAM logins, socket factories,
 * TLS built in code), a {@link DataSourceProvider} ({@link #withDataSourceProvider}).
 */
@AutoValue
public abstract class ConnectionConfiguration implements Serializable {
  private static final long serialVersionUID = 1L;

  private static final Map<String, String> URL_SCHEMES =
      Map.of(
          "postgresql", "jdbc:postgresql://",
          "postgres", "jdbc:postgresql://",
          "mysql", "jdbc:mysql://",
          "mariadb", "jdbc:mariadb://");
  private static final Pattern PASSWORD_PARAM =
      Pattern.compile("(?i)(password=)[^&;]*");
  /** Oracle's {@code jdbc:oracle:thin:user/password@host...}: credentials before the {@code @}. */
  private static final Pattern ORACLE_CREDENTIALS =
      Pattern.compile("(?i)^(jdbc:oracle:\\w+:)[^@]+@");

  public abstract String getJdbcUrl();

  public abstract @Nullable String getUsername();

  abstract @Nullable String getPassword();

  /** The provider of the password, if one is set; see {@link #withPasswordProvider}. */
  public abstract @Nullable PasswordProvider getPasswordProvider();

  /** The provider of the data source, if one is set; see {@link #withDataSourceProvider}. */
  public abstract @Nullable DataSourceProvider getDataSourceProvider();

  /** Minimum idle connections of the pool; default 1, range 1–100. */
  public abstract int getMinConnections();

  /** Maximum connections of the pool; default 10, range 1–100. */
  public abstract int getMaxConnections();

  /** How long to wait for a connection; default 30 s, at least 250 ms. */
  public abstract Duration getConnectTimeout();

  /** How long a connection may sit idle before it is closed; default 10 min, at least 10 s. */
  public abstract Duration getIdleTimeout();

  /** The longest a connection lives; default 30 min, at least 30 s. */
  public abstract Duration getMaxLifetime();

  /** How reads retry failures; set through {@code HeliosDbIO.Read#withRetry}. */
  abstract RetryOptions getRetryOptions();

  /** Properties given to the JDBC driver with every connection; see {@link #withConnectionProperties}. */
  public abstract java.util.Map<String, String> getConnectionProperties();

  /** Statements run on every new connection; see {@link #withConnectionInitSql}. */
  public abstract java.util.List<String> getConnectionInitSql();

  abstract Builder toBuilder();

  @AutoValue.Builder
  abstract static class Builder {
    abstract Builder setJdbcUrl(String url);

    abstract Builder setUsername(@Nullable String username);

    abstract Builder setPassword(@Nullable String password);

    abstract Builder setPasswordProvider(@Nullable PasswordProvider provider);

    abstract Builder setDataSourceProvider(@Nullable DataSourceProvider provider);

    abstract Builder setMinConnections(int min);

    abstract Builder setMaxConnections(int max);

    abstract Builder setConnectTimeout(Duration timeout);

    abstract Builder setIdleTimeout(Duration timeout);

    abstract Builder setMaxLifetime(Duration lifetime);

    abstract Builder setRetryOptions(RetryOptions options);

    abstract Builder setConnectionProperties(java.util.Map<String, String> properties);

    abstract Builder setConnectionInitSql(java.util.List<String> statements);

    abstract ConnectionConfiguration build();
  }

  /**
   * Creates a configuration from a JDBC URL ({@code jdbc:postgresql:}, {@code jdbc:mysql:}, {@code
   * jdbc:mariadb:}, {@code jdbc:oracle:}) or a URL of the form {@code
   * postgresql://user:password@host:port/database} ({@code mysql://}, {@code mariadb://}, {@code
   * oracle://host:port/service}); credentials in such a URL become the username and password.
   */
  public static ConnectionConfiguration create(String url) {
    checkArgumentNotNull(url, "ConnectionConfiguration.create(url) requires a URL");
    Builder builder =
        new AutoValue_ConnectionConfiguration.Builder()
            .setMinConnections(1)
            .setMaxConnections(10)
            .setConnectTimeout(Duration.standardSeconds(30))
            .setIdleTimeout(Duration.standardMinutes(10))
            .setMaxLifetime(Duration.standardMinutes(30))
            .setRetryOptions(RetryOptions.create())
            .setConnectionProperties(java.util.Map.of())
            .setConnectionInitSql(java.util.List.of());
    if (url.regionMatches(true, 0, "jdbc:", 0, 5)) {
      return builder.setJdbcUrl(url).build();
    }
    return parseUrlWithCredentials(url, builder);
  }

  private static ConnectionConfiguration parseUrlWithCredentials(String url, Builder builder) {
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(
          "ConnectionConfiguration.create(url): not a valid URL: " + redact(url), e);
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (uri.getHost() == null) {
      throw new IllegalArgumentException(
          "ConnectionConfiguration.create(url): no host in " + redact(url));
    }
    String hostPort = uri.getHost() + (uri.getPort() > 0 ? ":" + uri.getPort() : "");
    String path = uri.getRawPath() == null ? "" : uri.getRawPath();
    String query = uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery();
    String jdbcUrl;
    if (scheme.equals("oracle")) {
      jdbcUrl = "jdbc:oracle:thin:@//" + hostPort + path;
    } else if (URL_SCHEMES.containsKey(scheme)) {
      jdbcUrl = URL_SCHEMES.get(scheme) + hostPort + path + query;
    } else {
      throw new IllegalArgumentException(
          "ConnectionConfiguration.create(url): unsupported scheme '"
              + scheme
              + "' in "
              + redact(url)
              + "; use jdbc:..., postgresql://, mysql://, mariadb:// or oracle://");
    }
    builder.setJdbcUrl(jdbcUrl);
    String userInfo = uri.getRawUserInfo();
    if (userInfo != null) {
      int colon = userInfo.indexOf(':');
      builder.setUsername(decode(colon < 0 ? userInfo : userInfo.substring(0, colon)));
      if (colon >= 0) {
        builder.setPassword(decode(userInfo.substring(colon + 1)));
      }
    }
    return builder.build();
  }

  private static String decode(String s) {
    return URLDecoder.decode(s, StandardCharsets.UTF_8);
  }

  /** Replaces credentials (user info and {@code password=} parameters) in a URL with {@code ***}. */
  static String redact(String url) {
    String withoutUserInfo = ORACLE_CREDENTIALS.matcher(url.replaceFirst("//[^/@]*@", "//***@"))
        .replaceFirst("$1***@");
    return PASSWORD_PARAM.matcher(withoutUserInfo).replaceAll("$1***");
  }

  ConnectionConfiguration withRetryOptions(RetryOptions options) {
    return toBuilder().setRetryOptions(options).build();
  }

  /** The retry settings of reads, for the readers. */
  public io.heliosdb.beam.retry.RetryPolicy retryPolicy() {
    return getRetryOptions().policy();
  }

  /** The JDBC URL with any credentials in it replaced by {@code ***}: safe to log. */
  public String getRedactedUrl() {
    return redact(getJdbcUrl());
  }

  public ConnectionConfiguration withUsername(String username) {
    return toBuilder().setUsername(username).build();
  }

  /**
   * The password, kept in the pipeline (serialized with it, never shown). Refused together with
   * {@link #withPasswordProvider}.
   */
  public ConnectionConfiguration withPassword(String password) {
    if (getPasswordProvider() != null) {
      throw new IllegalArgumentException(BOTH_PASSWORDS);
    }
    return toBuilder().setPassword(password).build();
  }

  private static final String BOTH_PASSWORDS =
      "ConnectionConfiguration: withPassword(...) (or a password in the URL) and"
          + " withPasswordProvider(...) both give the password; set only one";

  /**
   * Where the password comes from, asked each time a connection is opened: on the workers for
   * the pool's connections and the CDC log reader's ({@code database.password} of Debezium), and
   * where the pipeline is built for its catalog reads. Only the provider is serialized with the
   * pipeline; the password it returns is never kept in the configuration, nor shown in {@link
   * #toString()}, display data, logs or exceptions. A provider that fails, or returns null, fails
   * the connection with an error of SQLState {@code 08001} naming the provider's class, retried
   * as a connection failure ({@link RetryOptions#withConnectionRetryTime}).
   *
   * <p>Pools are shared by configurations that are equal, the provider compared by its
   * serialized form; connections of a pool keep the password they were opened with.
   *
   * @throws IllegalArgumentException if a password is set too ({@link #withPassword} or the
   *     URL's {@code user:password@})
   */
  public ConnectionConfiguration withPasswordProvider(PasswordProvider provider) {
    checkArgumentNotNull(
        provider, "ConnectionConfiguration.withPasswordProvider(provider): must not be null");
    if (getPassword() != null) {
      throw new IllegalArgumentException(BOTH_PASSWORDS);
    }
    return toBuilder().setPasswordProvider(provider).build();
  }

  /**
   * Opens every JDBC connection of HeliosDbIO from the {@link javax.sql.DataSource} the provider
   * creates on the worker, instead of from the URL, {@link #withUsername username} and password:
   * the pool (HikariCP, with this configuration's sizes and time-outs) wraps that data source,
   * and {@link #withConnectionInitSql} still runs on each connection. The data source brings its
   * own credentials, driver properties and TLS, so {@link #withConnectionProperties} is refused
   * with it.
   *
   * <p>The JDBC URL is still required: it names the database, which picks the dialect (SQL,
   * types, log reader) and the database in metrics, and it gives the CDC log reader its host,
   * port, database and TLS parameters. Debezium connects by itself, not through this data
   * source: CDC logs in with {@link #withUsername} and {@link #withPassword} or {@link
   * #withPasswordProvider} (for IAM authentication, a provider of the current token). Point the
   * URL at the host the log reader can reach.
   */
  public ConnectionConfiguration withDataSourceProvider(DataSourceProvider provider) {
    checkArgumentNotNull(
        provider, "ConnectionConfiguration.withDataSourceProvider(provider): must not be null");
    return toBuilder().setDataSourceProvider(provider).build();
  }

  /** Minimum idle connections kept by the pool (1–100, default 1). */
  public ConnectionConfiguration withMinConnections(int min) {
    checkPoolSize("withMinConnections", min);
    return toBuilder().setMinConnections(min).build();
  }

  /** Maximum connections of the pool (1–100, default 10). */
  public ConnectionConfiguration withMaxConnections(int max) {
    checkPoolSize("withMaxConnections", max);
    return toBuilder().setMaxConnections(max).build();
  }

  /** How long a reader waits for a connection (at least 250 ms, default 30 s). */
  public ConnectionConfiguration withConnectTimeout(Duration timeout) {
    checkAtLeast("withConnectTimeout", timeout, Duration.millis(250));
    return toBuilder().setConnectTimeout(timeout).build();
  }

  /** How long an idle connection is kept (at least 10 s, default 10 min). */
  public ConnectionConfiguration withIdleTimeout(Duration timeout) {
    checkAtLeast("withIdleTimeout", timeout, Duration.standardSeconds(10));
    return toBuilder().setIdleTimeout(timeout).build();
  }

  /** The longest a pooled connection lives (at least 30 s, default 30 min). */
  public ConnectionConfiguration withMaxLifetime(Duration lifetime) {
    checkAtLeast("withMaxLifetime", lifetime, Duration.standardSeconds(30));
    return toBuilder().setMaxLifetime(lifetime).build();
  }

  /**
   * Properties given to the JDBC driver with every connection HeliosDbIO opens through JDBC (its
   * pool, and the connections that check the table and plan reads), beside those of the URL: TLS
   * settings, an application name, time-outs, as the driver names them (for example {@code
   * ApplicationName}, {@code sslmode}, {@code sslrootcert} for PostgreSQL; {@code sslMode}, {@code
   * connectTimeout} for MariaDB). The log reader of CDC takes its TLS settings from the URL.
   * Values are never logged or shown in display data (they may hold key store passwords).
   *
   * @throws IllegalArgumentException for a null or blank key, a null value, or {@code user} or
   *     {@code password}, which {@link #withUsername} and {@link #withPassword} set
   */
  public ConnectionConfiguration withConnectionProperties(java.util.Map<String, String> properties) {
    java.util.Map<String, String> copy =
        NamedValues.copyOf("ConnectionConfiguration.withConnectionProperties", properties);
    for (String key : copy.keySet()) {
      if (key.equalsIgnoreCase("user") || key.equalsIgnoreCase("password")) {
        throw new IllegalArgumentException(
            "ConnectionConfiguration.withConnectionProperties: set '" + key + "' with with"
                + (key.equalsIgnoreCase("user") ? "Username" : "Password") + "(...)");
      }
    }
    return toBuilder().setConnectionProperties(copy).build();
  }

  /**
   * Statements run, in order, on every new connection HeliosDbIO opens through JDBC, after its
   * own session settings (MySQL/MariaDB: {@code SET time_zone = '+00:00'}): for example {@code SET
   * ROLE reader}, {@code SET app.tenant = 'acme'} (for row-level security), {@code SET
   * search_path TO shop}. A failing statement fails the connection, and so the read, with the
   * database's error. The log reader of CDC does not run them.
   *
   * @throws IllegalArgumentException for a null or blank statement
   */
  public ConnectionConfiguration withConnectionInitSql(String... statements) {
    checkArgumentNotNull(
        statements, "ConnectionConfiguration.withConnectionInitSql(statements): must not be null");
    for (String statement : statements) {
      if (statement == null || statement.isBlank()) {
        throw new IllegalArgumentException(
            "ConnectionConfiguration.withConnectionInitSql: a statement must not be null or"
                + " blank");
      }
    }
    return toBuilder().setConnectionInitSql(java.util.List.of(statements)).build();
  }

  /** Cross-option checks; called when the pipeline is built. */
  void validate() {
    if (getDataSourceProvider() != null && !getConnectionProperties().isEmpty()) {
      throw new IllegalArgumentException(
          "ConnectionConfiguration: withConnectionProperties(...) is ignored with"
              + " withDataSourceProvider(...); set the properties " + getConnectionProperties()
              .keySet() + " on the data source the provider creates");
    }
    if (getMinConnections() > getMaxConnections()) {
      throw new IllegalArgumentException(
          String.format(
              "ConnectionConfiguration: withMinConnections(%d) exceeds withMaxConnections(%d)",
              getMinConnections(), getMaxConnections()));
    }
  }

  private static void checkPoolSize(String option, int size) {
    if (size < 1 || size > 100) {
      throw new IllegalArgumentException(
          "ConnectionConfiguration." + option + "(" + size + "): must be between 1 and 100");
    }
  }

  private static void checkAtLeast(String option, Duration value, Duration minimum) {
    if (value == null || value.isShorterThan(minimum)) {
      throw new IllegalArgumentException(
          "ConnectionConfiguration." + option + "(" + value + "): must be at least " + minimum);
    }
  }

  /**
   * The password, for opening connections only: {@link #withPassword}'s, else the provider's
   * answer (asked on each call), else null.
   *
   * @throws java.sql.SQLException of SQLState {@code 08001} if the provider fails or returns
   *     null, naming its class
   */
  public @Nullable String password() throws java.sql.SQLException {
    PasswordProvider provider = getPasswordProvider();
    if (provider == null) {
      return getPassword();
    }
    String password;
    try {
      password = provider.password();
    } catch (Exception e) {
      throw new java.sql.SQLException("The password provider " + provider.getClass().getName()
          + " of ConnectionConfiguration.withPasswordProvider failed: " + e, "08001", e);
    }
    if (password == null) {
      throw new java.sql.SQLException("The password provider " + provider.getClass().getName()
          + " of ConnectionConfiguration.withPasswordProvider returned null", "08001");
    }
    return password;
  }

  /**
   * Identifies the credentials without holding them: the password's SHA-256, or that of the
   * serialized providers (of the password and of the data source), equal for the copies a worker
   * deserializes of one configuration. Pools are shared by it.
   */
  public String credentialsFingerprint() {
    StringBuilder fingerprint = new StringBuilder();
    if (getPasswordProvider() != null) {
      fingerprint.append("password provider ").append(
          sha256(SerializableUtils.serializeToByteArray(getPasswordProvider())));
    } else if (getPassword() != null) {
      fingerprint.append(sha256(getPassword().getBytes(StandardCharsets.UTF_8)));
    }
    if (getDataSourceProvider() != null) {
      fingerprint.append(" data source provider ").append(
          sha256(SerializableUtils.serializeToByteArray(getDataSourceProvider())));
    }
    return fingerprint.toString();
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  void populateDisplayData(DisplayData.Builder builder) {
    builder
        .add(DisplayData.item("jdbcUrl", getRedactedUrl()).withLabel("JDBC URL"))
        .addIfNotNull(DisplayData.item("username", getUsername()).withLabel("Username"))
        .add(DisplayData.item("minConnections", getMinConnections()).withLabel("Pool minimum"))
        .add(DisplayData.item("maxConnections", getMaxConnections()).withLabel("Pool maximum"))
        .add(DisplayData.item("connectTimeout", getConnectTimeout()).withLabel("Connect timeout"))
        .add(DisplayData.item("idleTimeout", getIdleTimeout()).withLabel("Idle timeout"))
        .add(DisplayData.item("maxLifetime", getMaxLifetime()).withLabel("Max lifetime"));
    if (!getConnectionProperties().isEmpty()) {
      builder.add(DisplayData.item(
              "connectionProperties", String.join(", ", getConnectionProperties().keySet()))
          .withLabel("Connection properties (names)"));
    }
    if (getPasswordProvider() != null) {
      builder.add(DisplayData.item("passwordProvider", getPasswordProvider().getClass().getName())
          .withLabel("Password provider"));
    }
    if (getDataSourceProvider() != null) {
      builder.add(DisplayData.item(
              "dataSourceProvider", getDataSourceProvider().getClass().getName())
          .withLabel("Data source provider"));
    }
    if (!getConnectionInitSql().isEmpty()) {
      builder.add(DisplayData.item("connectionInitSql", getConnectionInitSql().size() + " statements")
          .withLabel("Connection init SQL"));
    }
  }

  @Override
  public final String toString() {
    return "ConnectionConfiguration{url="
        + getRedactedUrl()
        + ", username="
        + getUsername()
        + ", password="
        + (getPassword() != null ? "***"
            : getPasswordProvider() != null ? "<provider>" : "<none>")
        + (getDataSourceProvider() == null ? "" : ", dataSource=<provider>")
        + ", pool="
        + getMinConnections()
        + ".."
        + getMaxConnections()
        + "}";
  }
}
