package io.heliosdb.beam;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.heliosdb.beam.testing.StreamCollector;
import io.heliosdb.beam.testing.TestDatabase;
import io.heliosdb.beam.testing.TestDatabases;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.util.SerializableUtils;
import org.apache.beam.sdk.values.PCollectionRowTuple;
import org.apache.beam.sdk.values.Row;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ArgumentsSource;

/**
 * Connecting as production does, on the real servers: a dedicated user with a password given by
 * a {@link PasswordProvider} (MariaDB: its replication rights granted through a default role),
 * connections from a {@link DataSourceProvider}, and Debezium settings passed through. The local
 * PostgreSQL authenticates by trust, so the password itself is checked by MariaDB only.
 */
@ExtendWith(TestPipelineExtension.class)
class CredentialsIT {
  /** Calls of the counting providers, by their file: they run in the Direct runner's JVM. */
  static final Map<String, AtomicInteger> CALLS = new ConcurrentHashMap<>();
  /** Whether each data source the provider created was closed (by its pool or connection). */
  static final List<java.util.concurrent.atomic.AtomicBoolean> CLOSED =
      new CopyOnWriteArrayList<>();

  /** A password read from a file at each call, counted. */
  record CountingFileProvider(String path) implements PasswordProvider {
    @Override
    public String password() throws Exception {
      CALLS.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
      return PasswordProvider.fromFile(path).password();
    }
  }

  /**
   * A plain data source of the user (its password read from the file when it is created) that
   * opens connections through the driver and records in {@link #CLOSED} whether it was closed.
   */
  record UserDataSource(String url, String user, String passwordFile)
      implements DataSourceProvider {
    @Override
    public javax.sql.DataSource create() throws Exception {
      String password = PasswordProvider.fromFile(passwordFile).password();
      java.util.concurrent.atomic.AtomicBoolean closed =
          new java.util.concurrent.atomic.AtomicBoolean();
      CLOSED.add(closed);
      return (javax.sql.DataSource) java.lang.reflect.Proxy.newProxyInstance(
          getClass().getClassLoader(),
          new Class<?>[] {javax.sql.DataSource.class, AutoCloseable.class},
          (proxy, method, arguments) -> switch (method.getName()) {
            case "getConnection" -> java.sql.DriverManager.getConnection(url, user, password);
            case "close" -> {
              closed.set(true);
              yield null;
            }
            case "toString" -> "data source of " + user;
            case "hashCode" -> System.identityHashCode(proxy);
            case "equals" -> proxy == arguments[0];
            default -> throw new UnsupportedOperationException(method.getName());
          });
    }
  }

  /** A user of its own with a password, and a table it may read and stream. */
  static final class DedicatedUser implements AutoCloseable {
    final TestDatabase db;
    final String name = TestDatabase.uniqueName("heliosdb_user");
    final String password = "pw-" + UUID.randomUUID();
    final String table = TestDatabase.uniqueName("cred");
    final Path passwordFile;

    DedicatedUser(TestDatabase db, Path dir) throws Exception {
      this.db = db;
      passwordFile = dir.resolve(name);
      Files.writeString(passwordFile, password + "\n", StandardCharsets.UTF_8);
      db.execute("CREATE TABLE " + table + " (id BIGINT PRIMARY KEY, v VARCHAR(20) NOT NULL)",
          "INSERT INTO " + table + " VALUES (1, 'a'), (2, 'b')");
      if (db.isPostgres()) {
        db.execute("CREATE ROLE " + name + " LOGIN REPLICATION PASSWORD '" + password + "'",
            "ALTER TABLE " + table + " OWNER TO " + name,
            "ALTER TABLE " + table + " REPLICA IDENTITY FULL");
        try (Connection connection = db.connect()) {
          db.execute("GRANT CREATE ON DATABASE " + connection.getCatalog() + " TO " + name);
        }
      } else {
        // the replication rights only through a role, the user's default
        db.execute("CREATE ROLE " + name + "_r",
            "GRANT REPLICATION SLAVE, BINLOG MONITOR ON *.* TO " + name + "_r",
            "CREATE USER " + name + "@'%' IDENTIFIED BY '" + password + "'",
            "GRANT SELECT ON " + table + " TO " + name + "@'%'",
            "GRANT " + name + "_r TO " + name + "@'%'",
            "SET DEFAULT ROLE " + name + "_r FOR " + name + "@'%'");
      }
    }

    ConnectionConfiguration withProvider() {
      return ConnectionConfiguration.create(db.url()).withUsername(name)
          .withPasswordProvider(new CountingFileProvider(passwordFile.toString()));
    }

    @Override
    public void close() throws Exception {
      if (db.isPostgres()) {
        db.dropSlotAndPublication(table);
        db.dropQuietly(table);
        try (Connection connection = db.connect()) {
          db.execute("REVOKE CREATE ON DATABASE " + connection.getCatalog() + " FROM " + name);
        }
        db.execute("DROP OWNED BY " + name, "DROP ROLE " + name);
      } else {
        db.dropQuietly(table);
        db.execute("DROP USER " + name + "@'%'", "DROP ROLE " + name + "_r");
      }
    }
  }

  static HeliosDbIO.Read snapshotThenCdc(ConnectionConfiguration config, String table) {
    return HeliosDbIO.read().withConnection(config).withTable(table)
        .withSnapshot(SnapshotOptions.byPrimaryKey())
        .withCdc(CdcOptions.create().withSlotName(table)
            .withHeartbeatInterval(org.joda.time.Duration.standardSeconds(1)));
  }

  /** Runs {@code read}, writes two changes, and checks that snapshot and changes arrive. */
  static void snapshotThenStream(TestPipeline pipeline, DedicatedUser user, HeliosDbIO.Read read)
      throws Exception {
    StreamCollector events = new StreamCollector();
    events.collect(pipeline.apply(read), CdcReadIT::render);
    PipelineResult result = CdcReadIT.start(pipeline);
    try {
      CdcReadIT.awaitWhileRunning(result, () -> events.values().size() >= 2);
      user.db.execute("INSERT INTO " + user.table + " VALUES (3, 'c')",
          "UPDATE " + user.table + " SET v = 'b2' WHERE id = 2");
      CdcReadIT.awaitWhileRunning(result, () -> events.values().size() >= 4);
      assertThat(events.values())
          .containsExactlyInAnyOrder("r:1:-:a", "r:2:-:b", "c:3:-:c", "u:2:b:b2");
    } finally {
      result.cancel();
    }
  }

  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void snapshotAndChangesAsAUserWhosePasswordComesFromAProvider(
      TestDatabase db, TestPipeline pipeline, @TempDir Path dir) throws Exception {
    try (DedicatedUser user = new DedicatedUser(db, dir)) {
      HeliosDbIO.Read read = snapshotThenCdc(user.withProvider(), user.table);
      assertThat(read.toString()).doesNotContain(user.password);
      assertThat(DisplayData.from(read).toString()).doesNotContain(user.password)
          .contains(CountingFileProvider.class.getName());
      assertThat(new String(SerializableUtils.serializeToByteArray(read),
          StandardCharsets.ISO_8859_1)).as("the serialized read").doesNotContain(user.password);

      snapshotThenStream(pipeline, user, read);
      // the pools' connections, the catalog reads and the log reader each asked the provider
      assertThat(CALLS.get(user.passwordFile.toString()).get()).isGreaterThanOrEqualTo(3);

      // a provider that fails fails the build, naming it, without the password
      Files.delete(user.passwordFile);
      assertThatThrownBy(() -> Pipeline.create().apply(snapshotThenCdc(user.withProvider(),
              user.table)))
          .hasMessageContaining("The password provider " + CountingFileProvider.class.getName()
              + " of ConnectionConfiguration.withPasswordProvider failed")
          .hasMessageNotContaining(user.password);
      if (!db.isPostgres()) { // MariaDB checks the password: a wrong one is refused
        Files.writeString(user.passwordFile, "wrong", StandardCharsets.UTF_8);
        assertThatThrownBy(() -> Pipeline.create().apply(snapshotThenCdc(user.withProvider(),
                user.table)))
            .hasMessageContaining("Cannot connect to").hasMessageContaining(user.name)
            .hasMessageNotContaining(user.password);
      }
    }
  }

  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void connectionsFromADataSourceProviderAndTheLogReaderFromUserAndPassword(
      TestDatabase db, TestPipeline pipeline, @TempDir Path dir) throws Exception {
    CLOSED.clear();
    try (DedicatedUser user = new DedicatedUser(db, dir)) {
      // the URL names no user: JDBC connections are the data source's, CDC logs in as the user
      ConnectionConfiguration config = user.withProvider().withDataSourceProvider(
          new UserDataSource(db.url(), user.name, user.passwordFile.toString()));
      assertThat(config.toString()).contains("dataSource=<provider>");
      snapshotThenStream(pipeline, user, snapshotThenCdc(config, user.table));
      assertThat(CLOSED).as("data sources created by the provider").isNotEmpty();
      assertThat(CLOSED).as("closed with their pools or connections")
          .allSatisfy(closed -> assertThat(closed).isTrue());
      assertThatThrownBy(() -> Pipeline.create().apply(snapshotThenCdc(
              config.withConnectionProperties(Map.of("connectTimeout", "5")), user.table)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("withConnectionProperties(...) is ignored with"
              + " withDataSourceProvider(...)");
    }
  }

  /** The same for a single table's {@code read().withCdc(...)}: the column truncated. */
  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void debeziumPropertiesReachTheLogReaderOfASingleTable(TestDatabase db, TestPipeline pipeline)
      throws Exception {
    String table = TestDatabase.uniqueName("dbzprop1");
    db.execute("CREATE TABLE " + table + " (id BIGINT PRIMARY KEY, v VARCHAR(20) NOT NULL,"
        + " secret VARCHAR(80))");
    try {
      CdcOptions options = db.cdcFromNow(table).withDebeziumProperties(Map.of(
          "column.truncate.to.3.chars", namespace(db) + "." + table + ".secret"));
      StreamCollector events = new StreamCollector();
      events.collect(pipeline.apply(HeliosDbIO.read().withConnection(db.connectionConfiguration())
          .withTable(table).withCdc(options)), (Row change) ->
          change.getRow("after").getString("secret"));
      PipelineResult result = CdcReadIT.start(pipeline);
      try {
        Thread.sleep(2_000); // MariaDB: the reader is at the binlog's end
        db.execute("INSERT INTO " + table + " VALUES (1, 'a', 'hunter2')");
        CdcReadIT.awaitWhileRunning(result, () -> !events.values().isEmpty());
        assertThat(events.values()).containsExactly("hun");
      } finally {
        result.cancel();
      }
    } finally {
      CdcReadIT.dropSlot(db, table);
      db.dropQuietly(table);
    }
  }

  /** The namespace of the test database's unqualified tables, as Debezium names it. */
  static String namespace(TestDatabase db) throws Exception {
    try (Connection connection = db.connect()) {
      return db.isPostgres() ? "public" : connection.getCatalog();
    }
  }

  /**
   * A Debezium setting the source does not own reaches the log reader: a column masked in the
   * change events of {@code readTables().withCdc(...)}.
   */
  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void debeziumPropertiesReachTheLogReader(TestDatabase db, TestPipeline pipeline)
      throws Exception {
    String table = TestDatabase.uniqueName("dbzprops");
    db.execute("CREATE TABLE " + table + " (id BIGINT PRIMARY KEY, v VARCHAR(20) NOT NULL,"
        + " secret VARCHAR(20))");
    String namespace = namespace(db);
    try {
      CdcOptions options = db.cdcFromNow(table).withDebeziumProperties(
          Map.of("column.mask.with.6.chars", namespace + "." + table + ".secret"));
      ReadTables read = HeliosDbIO.readTables().withConnection(db.connectionConfiguration())
          .withTables(table).withCdc(options);
      assertThat(DisplayData.from(read).toString()).contains("column.mask.with.6.chars");
      StreamCollector events = new StreamCollector();
      PCollectionRowTuple outputs = pipeline.apply(read);
      events.collect(outputs.get(namespace + "." + table), (Row change) ->
          change.getRow("after").getString("v") + "/" + change.getRow("after").getString("secret"));
      PipelineResult result = CdcReadIT.start(pipeline);
      try {
        Thread.sleep(2_000); // MariaDB: the reader is at the binlog's end
        db.execute("INSERT INTO " + table + " VALUES (1, 'a', 'hunter2')");
        CdcReadIT.awaitWhileRunning(result, () -> !events.values().isEmpty());
        assertThat(events.values()).containsExactly("a/******");
      } finally {
        result.cancel();
      }
    } finally {
      CdcReadIT.dropSlot(db, table);
      db.dropQuietly(table);
    }
  }
}
