package io.heliosdb.beam.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.lang.reflect.Parameter;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.ArgumentsProvider;
import org.opentest4j.TestAbortedException;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.JdbcDatabaseContainer;
import org.testcontainers.mariadb.MariaDBContainer;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * The one JUnit 5 extension that hands tests their databases, shared by {@code heliosdb-io} and
 * {@code runners-it}. Each database is found, in order:
 *
 * <ol>
 *   <li>from {@code HELIOSDB_TEST_POSTGRES_URL}, {@code HELIOSDB_TEST_MYSQL_URL} or {@code
 *       HELIOSDB_TEST_ORACLE_URL}, with {@code _USER} and {@code _PASSWORD};
 *   <li>else the local servers on 127.0.0.1:5432 and 127.0.0.1:3306 (database {@code heliosdb},
 *       created if missing);
 *   <li>else Testcontainers, where a Docker engine runs.
 * </ol>
 *
 * <p>When no PostgreSQL or MySQL-family database is found, tests that need one FAIL with a message
 * saying how to provide it; they are never skipped. Oracle tests are skipped, visibly, when {@code
 * HELIOSDB_TEST_ORACLE_URL} is not set.
 *
 * <p>Use it as a parameter source for tests that run on PostgreSQL and MariaDB:
 *
 * <pre>{@code
 * @ParameterizedTest
 * @ArgumentsSource(TestDatabases.class)
 * void readsEverything(TestDatabase db, TestPipeline pipeline) { ... }
 * }</pre>
 *
 * (on the kinds of {@code HELIOSDB_TEST_KINDS}, when set), or as a resolver of one database: {@code @ExtendWith(TestDatabases.class)} and a parameter
 * {@code @Use(DatabaseKind.ORACLE) TestDatabase db}.
 */
public final class TestDatabases
    implements ArgumentsProvider, ParameterResolver, ExecutionCondition {

  /** Selects the database of a {@link TestDatabase} parameter. */
  @Retention(RetentionPolicy.RUNTIME)
  @Target(ElementType.PARAMETER)
  public @interface Use {
    DatabaseKind value();
  }

  private static final Map<DatabaseKind, Object> FOUND = new EnumMap<>(DatabaseKind.class);

  @Override
  public Stream<? extends Arguments> provideArguments(ExtensionContext context) {
    return parameterKinds(System.getenv("HELIOSDB_TEST_KINDS")).stream()
        .map(k -> Arguments.of(get(k)));
  }

  /**
   * The databases a parameterized test runs on: PostgreSQL and MySQL-family, or the kinds named,
   * comma-separated, in {@code HELIOSDB_TEST_KINDS} (e.g. {@code POSTGRES} to test one more
   * PostgreSQL server without repeating the MariaDB cases).
   */
  static List<DatabaseKind> parameterKinds(String names) {
    if (names == null || names.isBlank()) {
      return List.of(DatabaseKind.POSTGRES, DatabaseKind.MYSQL);
    }
    List<DatabaseKind> kinds = new ArrayList<>();
    for (String name : names.split(",")) {
      try {
        kinds.add(DatabaseKind.valueOf(name.trim().toUpperCase(Locale.ROOT)));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "HELIOSDB_TEST_KINDS: unknown database kind '" + name.trim() + "'; use "
                + Arrays.toString(DatabaseKind.values()), e);
      }
    }
    return kinds;
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext extension) {
    return parameter.getParameter().getType() == TestDatabase.class
        && parameter.isAnnotated(Use.class);
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext extension)
      throws ParameterResolutionException {
    return get(parameter.findAnnotation(Use.class).orElseThrow().value());
  }

  /** Skips, with the reason shown, a test whose {@code @Use(ORACLE)} database is not given. */
  @Override
  public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
    if (context.getTestMethod().isPresent()) {
      for (Parameter parameter : context.getTestMethod().get().getParameters()) {
        Use use = parameter.getAnnotation(Use.class);
        if (use != null && use.value() == DatabaseKind.ORACLE) {
          Object found = find(use.value());
          if (!(found instanceof TestDatabase)) {
            return ConditionEvaluationResult.disabled((String) found);
          }
        }
      }
    }
    return ConditionEvaluationResult.enabled("databases given");
  }

  private static synchronized Object find(DatabaseKind kind) {
    return FOUND.computeIfAbsent(kind, TestDatabases::locate);
  }

  /**
   * The database of a kind.
   *
   * @throws IllegalStateException (failing the test) if no PostgreSQL or MySQL is found
   * @throws TestAbortedException (skipping the test) if no Oracle database is given
   */
  public static TestDatabase get(DatabaseKind kind) {
    Object found = find(kind);
    if (found instanceof TestDatabase db) {
      return db;
    }
    if (kind == DatabaseKind.ORACLE) {
      throw new TestAbortedException((String) found);
    }
    throw new IllegalStateException((String) found);
  }

  private static Object locate(DatabaseKind kind) {
    String url = System.getenv(kind.envPrefix + "_URL");
    if (url != null && !url.isBlank()) {
      String password = System.getenv(kind.envPrefix + "_PASSWORD");
      return new TestDatabase(kind, url, System.getenv(kind.envPrefix + "_USER"),
          password == null ? "" : password);
    }
    if (kind == DatabaseKind.ORACLE) {
      return "Oracle tests skipped: no Oracle database given. Set HELIOSDB_TEST_ORACLE_URL"
          + " (e.g. jdbc:oracle:thin:@//host:1521/FREEPDB1), HELIOSDB_TEST_ORACLE_USER and"
          + " HELIOSDB_TEST_ORACLE_PASSWORD to run them.";
    }
    String localProblem;
    try {
      return local(kind);
    } catch (SQLException e) {
      localProblem = e.getMessage();
    }
    if (dockerAvailable()) {
      return container(kind);
    }
    return "No " + kind + " database for the tests. Set " + kind.envPrefix + "_URL (with "
        + kind.envPrefix + "_USER and " + kind.envPrefix + "_PASSWORD), or start the local"
        + " server with scripts/prepare-databases.sh (" + kind.localUrl + " answered: "
        + localProblem + "), or run a Docker engine for Testcontainers.";
  }

  private static TestDatabase local(DatabaseKind kind) throws SQLException {
    try (Connection admin = DriverManager.getConnection(kind.localAdminUrl, kind.localUser, "");
        Statement statement = admin.createStatement()) {
      if (kind == DatabaseKind.POSTGRES) {
        boolean exists =
            statement.executeQuery("SELECT 1 FROM pg_database WHERE datname = 'heliosdb'").next();
        if (!exists) {
          statement.execute("CREATE DATABASE heliosdb");
        }
      } else {
        statement.execute("CREATE DATABASE IF NOT EXISTS heliosdb");
      }
    }
    return new TestDatabase(kind, kind.localUrl, kind.localUser, "");
  }

  private static boolean dockerAvailable() {
    try {
      return DockerClientFactory.instance().isDockerAvailable();
    } catch (RuntimeException | LinkageError e) {
      return false;
    }
  }

  private static TestDatabase container(DatabaseKind kind) {
    JdbcDatabaseContainer<?> container =
        kind == DatabaseKind.POSTGRES
            ? new PostgreSQLContainer("postgres:15").withCommand("postgres", "-c",
                "wal_level=logical")
            : new MariaDBContainer("mariadb:10.11").withCommand("--log-bin", "--binlog-format=ROW");
    container.start();
    return new TestDatabase(
        kind, container.getJdbcUrl(), container.getUsername(), container.getPassword());
  }
}
