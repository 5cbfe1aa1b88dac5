package io.heliosdb.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.heliosdb.faults.FaultResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * HeliosDbIO on a real multi-process Flink 1.19 session cluster ({@code scripts/flink-cluster.sh}:
 * a JobManager and two TaskManagers, each its own JVM): the shaded job jar of the examples
 * ({@code -Pflink-job}) is submitted from its own JVM with {@code --runner=FlinkRunner
 * --flinkMaster=...}, running {@code ReplicateTable}, which upserts by primary key into a
 * PostgreSQL replica table; the replica is compared with the source table.
 *
 * <ul>
 *   <li>a 200,000-row snapshot at parallelism 4, its readers on both TaskManagers;
 *   <li>CDC at parallelism 2 under a steady write load (inserts, updates, deletes), one
 *       TaskManager killed with SIGKILL mid-stream: Flink restarts the job from its last
 *       checkpoint on the surviving TaskManager, and the replica equals the table afterwards.
 * </ul>
 *
 * Run by {@code runners-it/bench.sh cluster} (Maven profile {@code flink-cluster}), which builds
 * the jar and starts and stops the cluster. Results are printed and appended to {@code
 * $FAULT_RESULTS} as JSON lines ({@link FaultResult}).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FlinkClusterIT {
  private static final String URL = System.getenv().getOrDefault(
      "HELIOSDB_TEST_POSTGRES_URL", "jdbc:postgresql://127.0.0.1:5432/heliosdb");
  private static final String USER =
      System.getenv().getOrDefault("HELIOSDB_TEST_POSTGRES_USER", "postgres");
  private static final String SLOT = "fc_slot";
  private static final long SNAPSHOT_ROWS = 200_000;
  private static final long STREAM_ROWS = 20_000;
  private static final int WRITES_PER_SECOND = 100;

  private static FlinkCluster cluster;
  private static Path jar;
  private static Path logs;

  @BeforeAll
  static void clusterAndJar() throws Exception {
    cluster = FlinkCluster.fromSystemProperties();
    jar = Path.of(System.getProperty("flink.job.jar",
        "../examples/target/heliosdb-io-flink-job-0.1.0-SNAPSHOT.jar"));
    assertThat(jar).as("the job jar; build it with mvn -pl heliosdb-io,examples -am -Pflink-job"
        + " package -DskipTests").exists();
    try {
      assertThat(cluster.registeredTaskManagers()).isEqualTo(2);
    } catch (java.io.IOException e) {
      throw new AssertionError("no Flink cluster at " + cluster.restAddress
          + "; start it with scripts/flink-cluster.sh start", e);
    }
    logs = Path.of("target/flink-cluster-it");
    Files.createDirectories(logs);
  }

  @Test
  @Order(1)
  void snapshotAtParallelism4OnBothTaskManagers() throws Exception {
    createTables("fc_snapshot", SNAPSHOT_ROWS, false);
    long submitted = System.currentTimeMillis();
    Process job = submit("snapshot", "--table=public.fc_snapshot",
        "--replicaTable=public.fc_snapshot_replica", "--parallelism=4");
    assertThat(job.waitFor(10, TimeUnit.MINUTES)).as("the job finished").isTrue();
    long millis = System.currentTimeMillis() - submitted;
    assertThat(job.exitValue()).as("exit code; see " + logs.resolve("snapshot.log")).isZero();

    String jobId = cluster.newestJob("replicatetable", submitted);
    assertThat(cluster.state(jobId)).isEqualTo("FINISHED");
    assertThat(failures(jobId)).as("job failures").isZero();
    Set<String> taskManagers = cluster.taskManagersOf(jobId, 4);
    long[] diff = difference("fc_snapshot");
    FaultResult.of("none", "postgres", "flink-cluster", "snapshot")
        .expected(SNAPSHOT_ROWS).lost(diff[0]).duplicates(0)
        .detail("parallelism", 4).detail("taskmanagers", taskManagers.size())
        .detail("submit_to_exit_ms", millis).detail("replica_rows", count("fc_snapshot_replica"))
        .detail("extra_rows", diff[1]).report();
    assertThat(taskManagers).containsExactlyInAnyOrder("taskmanager-1", "taskmanager-2");
    assertThat(diff).containsExactly(0, 0);
    assertThat(count("fc_snapshot_replica")).isEqualTo(SNAPSHOT_ROWS);
  }

  @Test
  @Order(2)
  void cdcSurvivesATaskManagerKilledMidStream() throws Exception {
    createTables("fc_cdc", STREAM_ROWS, true);
    dropSlot();
    long submitted = System.currentTimeMillis();
    Process client = submit("cdc", "--table=public.fc_cdc", "--replicaTable=public.fc_cdc_replica",
        "--mode=cdc", "--slotName=" + SLOT, "--parallelism=2", "--checkpointingInterval=1000");
    String jobId = null;
    AtomicBoolean writing = new AtomicBoolean(true);
    AtomicLong writes = new AtomicLong();
    Thread writer = new Thread(() -> writeLoad(writing, writes), "fc-writer");
    try {
      jobId = await("the CDC job is submitted", 180, () -> newestJob(submitted));
      String id = jobId;
      await("the CDC job runs", 120, () -> allTasksRunning(id));
      // the stream is live once a change made now reaches the replica
      insert(-1);
      await("the first change reaches the replica", 120, () -> replicaHas(-1));

      writer.start();
      Thread.sleep(15_000);
      assertThat(failures(jobId)).as("failures before the kill").isZero();
      Set<String> before = cluster.taskManagersOf(jobId, 2);
      ProcessHandle victim = cluster.taskManager("taskmanager-1");
      long killedAt = System.currentTimeMillis();
      victim.destroyForcibly();
      victim.onExit().get(30, TimeUnit.SECONDS);
      insert(-2);
      await("Flink sees the job fail", 180, () -> failures(id) > 0 && !allTasksRunning(id));
      long failureSeenMs = System.currentTimeMillis() - killedAt;
      await("the job runs again after the kill", 180, () -> allTasksRunning(id));
      long tasksRunningMs = System.currentTimeMillis() - killedAt;
      await("a change made after the kill reaches the replica", 180, () -> replicaHas(-2));
      long recoveryMs = System.currentTimeMillis() - killedAt;
      Set<String> after = cluster.taskManagersOf(jobId, 2);

      Thread.sleep(15_000);
      writing.set(false);
      writer.join();
      insert(-3);
      await("the last change reaches the replica", 180, () -> replicaHas(-3));
      long[] diff = difference("fc_cdc");
      long restarts = failures(jobId);
      FaultResult.of("taskmanager-kill", "postgres", "flink-cluster", "cdc")
          .expected(count("fc_cdc")).lost(diff[0]).duplicates(0).recoveryMillis(recoveryMs)
          .detail("failure_seen_ms", failureSeenMs)
          .detail("tasks_running_again_ms", tasksRunningMs)
          .detail("writes", writes.get()).detail("writes_per_s", WRITES_PER_SECOND)
          .detail("checkpointing_interval_ms", 1000)
          .detail("taskmanagers_before", before.size()).detail("taskmanagers_after", after)
          .detail("job_failures", restarts).detail("extra_rows", diff[1]).report();
      assertThat(restarts).as("the job failed over at least once").isPositive();
      assertThat(after).containsExactly("taskmanager-2");
      assertThat(diff).as("rows differing: missing or stale in the replica, extra in it")
          .containsExactly(0, 0);
    } finally {
      writing.set(false);
      if (writer.isAlive()) {
        writer.join();
      }
      if (jobId != null) {
        cluster.cancel(jobId);
      }
      client.destroyForcibly().waitFor();
      dropSlot();
      // the replacement TaskManager, for whatever runs next on the cluster
      new ProcessBuilder("../scripts/flink-cluster.sh", "start").inheritIO().start()
          .waitFor(5, TimeUnit.MINUTES);
    }
  }

  private Process submit(String name, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", jar.toString(), "io.heliosdb.examples.ReplicateTable",
        "--runner=FlinkRunner", "--flinkMaster=" + cluster.restAddress,
        "--jdbcUrl=" + URL, "--username=" + USER));
    command.addAll(List.of(args));
    return new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(logs.resolve(name + ".log").toFile()).start();
  }

  private static void createTables(String table, long rows, boolean copy) throws SQLException {
    try (Connection c = connect(); Statement s = c.createStatement()) {
      s.execute("DROP TABLE IF EXISTS " + table + ", " + table + "_replica");
      s.execute("CREATE TABLE " + table + " (id bigint PRIMARY KEY, v bigint NOT NULL, s text,"
          + " amount numeric(12,2), ts timestamptz)");
      s.execute("ALTER TABLE " + table + " REPLICA IDENTITY FULL");
      s.execute("INSERT INTO " + table + " SELECT g, g * 7, 'row ' || g, (g % 100000) / 100.0,"
          + " timestamptz '2026-01-01' + g * interval '1 second' FROM generate_series(1, " + rows
          + ") g");
      s.execute("CREATE TABLE " + table + "_replica (LIKE " + table + " INCLUDING ALL)");
      if (copy) {
        s.execute("INSERT INTO " + table + "_replica SELECT * FROM " + table);
      }
    }
  }

  /** Inserts, updates and deletes at {@value #WRITES_PER_SECOND} autocommit statements/s. */
  private static void writeLoad(AtomicBoolean writing, AtomicLong writes) {
    long nextId = STREAM_ROWS + 1;
    ThreadLocalRandom random = ThreadLocalRandom.current();
    try (Connection c = connect();
        PreparedStatement insert = c.prepareStatement(
            "INSERT INTO fc_cdc VALUES (?, ?, 'new', 1.5, now())");
        PreparedStatement update = c.prepareStatement(
            "UPDATE fc_cdc SET v = v + 1, s = 'updated', ts = now() WHERE id = ?");
        PreparedStatement delete = c.prepareStatement("DELETE FROM fc_cdc WHERE id = ?")) {
      long start = System.nanoTime();
      while (writing.get()) {
        int op = random.nextInt(10);
        long id = 1 + random.nextLong(nextId - 1);
        if (op < 4) {
          insert.setLong(1, nextId);
          insert.setLong(2, nextId++);
          insert.executeUpdate();
        } else if (op < 9) {
          update.setLong(1, id);
          update.executeUpdate();
        } else {
          delete.setLong(1, id);
          delete.executeUpdate();
        }
        long due = start + writes.incrementAndGet() * 1_000_000_000L / WRITES_PER_SECOND;
        long sleep = due - System.nanoTime();
        if (sleep > 0) {
          Thread.sleep(sleep / 1_000_000, (int) (sleep % 1_000_000));
        }
      }
    } catch (SQLException | InterruptedException e) {
      throw new IllegalStateException("write load failed", e);
    }
  }

  /** Rows of the table missing from (or different in) the replica, and rows only the replica has. */
  private static long[] difference(String table) throws SQLException {
    try (Connection c = connect(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT"
            + " (SELECT count(*) FROM (SELECT * FROM " + table + " EXCEPT SELECT * FROM " + table
            + "_replica) a), (SELECT count(*) FROM (SELECT * FROM " + table + "_replica EXCEPT"
            + " SELECT * FROM " + table + ") b)")) {
      rs.next();
      return new long[] {rs.getLong(1), rs.getLong(2)};
    }
  }

  private static long count(String table) throws SQLException {
    try (Connection c = connect(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT count(*) FROM " + table)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static void insert(long id) throws SQLException {
    try (Connection c = connect(); Statement s = c.createStatement()) {
      s.execute("INSERT INTO fc_cdc VALUES (" + id + ", 0, 'marker', 0, now())");
    }
  }

  private static boolean replicaHas(long id) {
    try (Connection c = connect(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT 1 FROM fc_cdc_replica WHERE id = " + id)) {
      return rs.next();
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String newestJob(long submitted) {
    try {
      return cluster.newestJob("replicatetable", submitted);
    } catch (Exception e) {
      return null;
    }
  }

  /** The job's failures (each followed by a restart) so far, 0 when the REST API does not answer. */
  private static int failures(String jobId) {
    try {
      return cluster.get("/jobs/" + jobId + "/exceptions").path("exceptionHistory")
          .path("entries").size();
    } catch (Exception e) {
      return 0;
    }
  }

  private static boolean allTasksRunning(String jobId) {
    try {
      return cluster.allTasksRunning(jobId);
    } catch (Exception e) {
      return false;
    }
  }

  private static void dropSlot() throws Exception {
    await("the slot " + SLOT + " is dropped", 60, () -> {
      try (Connection c = connect(); Statement s = c.createStatement()) {
        s.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots"
            + " WHERE slot_name = '" + SLOT + "' AND NOT active");
        try (ResultSet rs = s.executeQuery(
            "SELECT 1 FROM pg_replication_slots WHERE slot_name = '" + SLOT + "'")) {
          return !rs.next();
        }
      } catch (SQLException e) {
        return false;
      }
    });
    try (Connection c = connect(); Statement s = c.createStatement()) {
      s.execute("DROP PUBLICATION IF EXISTS " + SLOT);
    }
  }

  private static <T> T await(String what, int seconds, java.util.function.Supplier<T> value)
      throws InterruptedException {
    long deadline = System.currentTimeMillis() + seconds * 1000L;
    while (System.currentTimeMillis() < deadline) {
      T result = value.get();
      if (result != null && !Boolean.FALSE.equals(result)) {
        return result;
      }
      Thread.sleep(200);
    }
    throw new AssertionError(what + ": not within " + seconds + " s");
  }

  private static Connection connect() throws SQLException {
    return DriverManager.getConnection(URL, USER,
        System.getenv("HELIOSDB_TEST_POSTGRES_PASSWORD"));
  }
}
