package io.heliosdb.cluster;

import static io.heliosdb.cluster.ClusterJobs.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.heliosdb.beam.testing.TestDatabase;
import io.heliosdb.faults.FaultResult;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
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
 *   <li>CDC of PostgreSQL, and of MariaDB, at parallelism 2 under a steady write load (inserts,
 *       updates, deletes), one TaskManager killed with SIGKILL mid-stream: Flink restarts the job
 *       from its last checkpoint on the surviving TaskManager;
 *   <li>snapshot then CDC of a 100,000-row PostgreSQL table under the write load;
 *   <li>CDC of PostgreSQL under the write load, the job cancelled with a savepoint through Flink's
 *       REST API and submitted again from it while the writes go on.
 * </ul>
 *
 * In each case the replica equals the table afterwards. Tables, slots and server ids are named
 * for the run. Run by {@code runners-it/bench.sh cluster} (Maven profile {@code flink-cluster}),
 * which builds the jar and starts and stops the cluster. Results are printed and appended to
 * {@code $FAULT_RESULTS} as JSON lines ({@link FaultResult}).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FlinkClusterIT {
  private static final long SNAPSHOT_ROWS = 200_000;
  private static final long HANDOFF_ROWS = 100_000;
  private static final long STREAM_ROWS = 20_000;
  private static final int WRITES_PER_SECOND = 100;

  private static ClusterJobs jobs;
  private static FlinkCluster cluster;

  @BeforeAll
  static void clusterAndJar() throws Exception {
    jobs = ClusterJobs.open();
    cluster = jobs.cluster;
  }

  @Test
  @Order(1)
  void snapshotAtParallelism4OnBothTaskManagers() throws Exception {
    SourceTable source = SourceTable.postgres(TestDatabase.uniqueName("fc_snapshot"));
    source.create(SNAPSHOT_ROWS, false);
    try {
      long submitted = System.currentTimeMillis();
      Process job = jobs.submit("snapshot", source, "--parallelism=4");
      assertThat(job.waitFor(10, TimeUnit.MINUTES)).as("the job finished").isTrue();
      long millis = System.currentTimeMillis() - submitted;
      assertThat(job.exitValue()).as("exit code; see " + jobs.logs.resolve("snapshot.log"))
          .isZero();

      String jobId = cluster.newestJob("replicatetable", submitted);
      assertThat(cluster.state(jobId)).isEqualTo("FINISHED");
      assertThat(jobs.failures(jobId)).as("job failures").isZero();
      Set<String> taskManagers = cluster.taskManagersOf(jobId, 4);
      long[] diff = source.difference();
      long replicaRows = source.replicaCount();
      FaultResult.of("none", "postgres", "flink-cluster", "snapshot")
          .expected(SNAPSHOT_ROWS).lost(diff[0]).duplicates(0)
          .detail("parallelism", 4).detail("taskmanagers", taskManagers.size())
          .detail("submit_to_exit_ms", millis).detail("replica_rows", replicaRows)
          .detail("extra_rows", diff[1]).report();
      assertThat(taskManagers).containsExactlyInAnyOrder("taskmanager-1", "taskmanager-2");
      assertThat(diff).containsExactly(0, 0);
      assertThat(replicaRows).isEqualTo(SNAPSHOT_ROWS);
    } finally {
      source.drop();
    }
  }

  @Test
  @Order(2)
  void postgresCdcSurvivesATaskManagerKilledMidStream() throws Exception {
    SourceTable source = SourceTable.postgres(TestDatabase.uniqueName("fc_cdc"));
    cdcSurvivesATaskManagerKilledMidStream(source, "--slotName=" + source.name);
  }

  @Test
  @Order(3)
  void mariadbCdcSurvivesATaskManagerKilledMidStream() throws Exception {
    SourceTable source = SourceTable.mariadb(TestDatabase.uniqueName("fc_cdc_maria"));
    long serverId = 2_000_000_000L + ThreadLocalRandom.current().nextLong(100_000_000L);
    cdcSurvivesATaskManagerKilledMidStream(source, "--serverId=" + serverId);
  }

  @Test
  @Order(4)
  void postgresSnapshotThenCdcUnderWrites() throws Exception {
    SourceTable source = SourceTable.postgres(TestDatabase.uniqueName("fc_handoff"));
    source.create(HANDOFF_ROWS, false);
    Load load = new Load(source, HANDOFF_ROWS + 1);
    String jobId = null;
    Process client = null;
    long submitted = 0;
    try {
      load.start();
      long start = System.currentTimeMillis();
      submitted = start;
      client = jobs.submit("handoff", source, "--mode=snapshot-then-cdc",
          "--slotName=" + source.name, "--parallelism=2", "--checkpointingInterval=1000");
      jobId = await("the job is submitted", 180, () -> jobs.newestJob(start));
      // the table's first rows less those deleted since: a lower bound of what the snapshot brings
      long snapshotMs = await("the snapshot's rows reach the replica", 300, () -> {
        try {
          return source.replicaCount() >= HANDOFF_ROWS - load.deletes.get()
              ? System.currentTimeMillis() - start : null;
        } catch (SQLException e) {
          return null;
        }
      });
      Thread.sleep(15_000);
      assertThat(jobs.failures(jobId)).as("job failures").isZero();
      load.stop();
      long lastMarker = System.currentTimeMillis();
      source.insertMarker(-3);
      await("the last change reaches the replica", 180, () -> source.replicaHas(-3));
      long markerMs = System.currentTimeMillis() - lastMarker;
      long[] diff = source.difference();
      FaultResult.of("none", "postgres", "flink-cluster", "snapshot-then-cdc")
          .expected(source.count()).lost(diff[0]).duplicates(0)
          .detail("snapshot_rows", HANDOFF_ROWS).detail("parallelism", 2)
          .detail("submit_to_snapshot_rows_in_replica_ms", snapshotMs)
          .detail("last_change_to_replica_ms", markerMs)
          .detail("writes", load.writes.get()).detail("writes_per_s", WRITES_PER_SECOND)
          .detail("taskmanagers", cluster.taskManagersOf(jobId, 2).size())
          .detail("extra_rows", diff[1]).report();
      assertThat(diff).as("rows differing: missing or stale in the replica, extra in it")
          .containsExactly(0, 0);
    } finally {
      load.stop();
      stop(jobId, submitted, client);
      dropSlot(source.name);
      source.drop();
    }
  }

  @Test
  @Order(5)
  void postgresCdcRestoredFromASavepointLosesNothing() throws Exception {
    SourceTable source = SourceTable.postgres(TestDatabase.uniqueName("fc_savepoint"));
    source.create(STREAM_ROWS, true);
    String[] args = {"--mode=cdc", "--slotName=" + source.name, "--parallelism=2",
        "--checkpointingInterval=1000"};
    Load load = new Load(source, STREAM_ROWS + 1);
    String jobId = null;
    String restoredId = null;
    Process client = null;
    Process restoredClient = null;
    long submitted = 0;
    long resubmitted = 0;
    try {
      submitted = System.currentTimeMillis();
      client = jobs.submit("savepoint-first", source, args);
      jobId = streamUnderLoad(submitted, source, load);
      String first = jobId;

      long stopAt = System.currentTimeMillis();
      String savepoint = cluster.cancelWithSavepoint(jobId,
          Path.of("target/flink-cluster-it/savepoints"), 120);
      long savepointMs = System.currentTimeMillis() - stopAt;
      await("the first job is cancelled", 60, () -> state(first).equals("CANCELED"));
      await("the slot is released", 120, () -> !slotActive(source.name));
      long releasedMs = System.currentTimeMillis() - stopAt;
      long writesWhileStopped = load.writes.get();

      long restart = System.currentTimeMillis();
      resubmitted = restart;
      String[] restore = java.util.Arrays.copyOf(args, args.length + 1);
      restore[args.length] = "--savepointPath=" + savepoint;
      restoredClient = jobs.submit("savepoint-restored", source, restore);
      restoredId = await("the job is submitted again", 180, () -> jobs.newestJob(restart));
      String second = restoredId;
      await("the restored job runs", 120, () -> jobs.allTasksRunning(second));
      long runningMs = System.currentTimeMillis() - stopAt;
      writesWhileStopped = load.writes.get() - writesWhileStopped;
      String restoredFrom = cluster.restoredFrom(restoredId);
      source.insertMarker(-2);
      await("a change made after the restore reaches the replica", 180,
          () -> source.replicaHas(-2));
      long recoveryMs = System.currentTimeMillis() - stopAt;

      Thread.sleep(15_000);
      load.stop();
      source.insertMarker(-3);
      await("the last change reaches the replica", 180, () -> source.replicaHas(-3));
      long[] diff = source.difference();
      FaultResult.of("savepoint-restore", "postgres", "flink-cluster", "cdc")
          .expected(source.count()).lost(diff[0]).duplicates(0).recoveryMillis(recoveryMs)
          .detail("savepoint_ms", savepointMs).detail("slot_released_ms", releasedMs)
          .detail("restored_tasks_running_ms", runningMs)
          .detail("writes_while_stopped", writesWhileStopped)
          .detail("writes", load.writes.get()).detail("writes_per_s", WRITES_PER_SECOND)
          .detail("checkpointing_interval_ms", 1000)
          .detail("restored_from_savepoint", sameSavepoint(savepoint, restoredFrom))
          .detail("restored_job_failures", jobs.failures(restoredId))
          .detail("extra_rows", diff[1]).report();
      assertThat(sameSavepoint(savepoint, restoredFrom))
          .as("the job restored from the savepoint " + savepoint + ": " + restoredFrom).isTrue();
      assertThat(writesWhileStopped).as("writes while no job ran").isPositive();
      assertThat(diff).as("rows differing: missing or stale in the replica, extra in it")
          .containsExactly(0, 0);
    } finally {
      load.stop();
      stop(jobId, submitted, client);
      stop(restoredId, resubmitted, restoredClient);
      dropSlot(source.name);
      source.drop();
    }
  }

  /**
   * CDC at parallelism 2 under the write load; TaskManager 1 is killed with SIGKILL mid-stream;
   * the replica equals the table once the job runs again on TaskManager 2.
   */
  private void cdcSurvivesATaskManagerKilledMidStream(SourceTable source, String logReader)
      throws Exception {
    source.create(STREAM_ROWS, true);
    long submitted = System.currentTimeMillis();
    Process client = jobs.submit("cdc-" + source.db(), source, "--mode=cdc", logReader,
        "--parallelism=2", "--checkpointingInterval=1000");
    String jobId = null;
    Load load = new Load(source, STREAM_ROWS + 1);
    try {
      jobId = streamUnderLoad(submitted, source, load);
      String id = jobId;
      assertThat(jobs.failures(jobId)).as("failures before the kill").isZero();
      Set<String> before = cluster.taskManagersOf(jobId, 2);
      ProcessHandle victim = cluster.taskManager("taskmanager-1");
      long killedAt = System.currentTimeMillis();
      victim.destroyForcibly();
      victim.onExit().get(30, TimeUnit.SECONDS);
      source.insertMarker(-2);
      await("Flink sees the job fail", 180,
          () -> jobs.failures(id) > 0 && !jobs.allTasksRunning(id));
      long failureSeenMs = System.currentTimeMillis() - killedAt;
      await("the job runs again after the kill", 180, () -> jobs.allTasksRunning(id));
      long tasksRunningMs = System.currentTimeMillis() - killedAt;
      await("a change made after the kill reaches the replica", 180,
          () -> source.replicaHas(-2));
      long recoveryMs = System.currentTimeMillis() - killedAt;
      Set<String> after = cluster.taskManagersOf(jobId, 2);

      Thread.sleep(15_000);
      load.stop();
      source.insertMarker(-3);
      await("the last change reaches the replica", 180, () -> source.replicaHas(-3));
      long[] diff = source.difference();
      long restarts = jobs.failures(jobId);
      FaultResult.of("taskmanager-kill", source.db(), "flink-cluster", "cdc")
          .expected(source.count()).lost(diff[0]).duplicates(0).recoveryMillis(recoveryMs)
          .detail("failure_seen_ms", failureSeenMs)
          .detail("tasks_running_again_ms", tasksRunningMs)
          .detail("writes", load.writes.get()).detail("writes_per_s", WRITES_PER_SECOND)
          .detail("checkpointing_interval_ms", 1000)
          .detail("taskmanagers_before", before.size()).detail("taskmanagers_after", after)
          .detail("job_failures", restarts).detail("extra_rows", diff[1]).report();
      assertThat(restarts).as("the job failed over at least once").isPositive();
      assertThat(after).containsExactly("taskmanager-2");
      assertThat(diff).as("rows differing: missing or stale in the replica, extra in it")
          .containsExactly(0, 0);
    } finally {
      load.stop();
      stop(jobId, submitted, client);
      if (source.postgres) {
        dropSlot(source.name);
      }
      source.drop();
      // the replacement TaskManager, for whatever runs next on the cluster
      ClusterJobs.restoreCluster();
    }
  }

  /**
   * Waits for the job submitted at {@code submitted} to run and its stream to deliver, then starts
   * the load and lets it run for 15 s.
   *
   * @return the job's id
   */
  private static String streamUnderLoad(long submitted, SourceTable source, Load load)
      throws Exception {
    String jobId = await("the CDC job is submitted", 180, () -> jobs.newestJob(submitted));
    await("the CDC job runs", 120, () -> jobs.allTasksRunning(jobId));
    awaitStreamLive(source, -1);
    load.start();
    Thread.sleep(15_000);
    return jobId;
  }

  /**
   * Waits until the stream delivers: inserts marker {@code id}, then updates it every 2 s until
   * the replica has it (an update's after image upserts the row, should the stream have started
   * after the insert).
   */
  private static void awaitStreamLive(SourceTable source, long id) throws Exception {
    source.insertMarker(id);
    long deadline = System.currentTimeMillis() + 120_000;
    while (!source.replicaHas(id)) {
      assertThat(System.currentTimeMillis()).as("the stream delivers a change").isLessThan(deadline);
      Thread.sleep(2_000);
      try (Connection c = source.source(); Statement s = c.createStatement()) {
        s.execute("UPDATE " + source.name + " SET v = v + 1 WHERE id = " + id);
      }
    }
  }

  /** The write load on a source table, on its own thread. */
  private static final class Load {
    final AtomicBoolean writing = new AtomicBoolean(true);
    final AtomicLong writes = new AtomicLong();
    private final Thread thread;

    Load(SourceTable source, long firstNewId) {
      thread = new Thread(
          () -> source.writeLoad(writing, writes, deletes, firstNewId, WRITES_PER_SECOND),
          "fc-writer");
    }

    void start() {
      thread.start();
    }

    final AtomicLong deletes = new AtomicLong();

    void stop() throws InterruptedException {
      writing.set(false);
      if (thread.isAlive()) {
        thread.join();
      }
    }
  }

  /** Whether two paths of a savepoint (with or without a {@code file:} scheme) are the same. */
  private static boolean sameSavepoint(String savepoint, String restoredFrom) {
    return restoredFrom != null
        && Path.of(java.net.URI.create(savepoint).getPath()).getFileName().equals(
            Path.of(restoredFrom.replaceFirst("^file:", "")).getFileName());
  }

  private static String state(String jobId) {
    try {
      return cluster.state(jobId);
    } catch (Exception e) {
      return "";
    }
  }

  /** Cancels the job (if its id is not known yet, the newest since {@code submitted}). */
  private static void stop(String jobId, long submitted, Process client) throws Exception {
    String job = jobId != null || submitted == 0 ? jobId : jobs.newestJob(submitted);
    if (job != null && !state(job).equals("CANCELED")) {
      cluster.cancel(job);
    }
    if (client != null) {
      client.destroyForcibly().waitFor();
    }
  }

  private static boolean slotActive(String slot) {
    try (Connection c = SourceTable.replicaDatabase(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(
            "SELECT active FROM pg_replication_slots WHERE slot_name = '" + slot + "'")) {
      return rs.next() && rs.getBoolean(1);
    } catch (SQLException e) {
      return true;
    }
  }

  /** Drops the slot once no job streams from it, then the publication of the same name. */
  private static void dropSlot(String slot) throws Exception {
    await("the slot " + slot + " is dropped", 60, () -> {
      try (Connection c = SourceTable.replicaDatabase(); Statement s = c.createStatement()) {
        s.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots"
            + " WHERE slot_name = '" + slot + "' AND NOT active");
        try (ResultSet rs = s.executeQuery(
            "SELECT 1 FROM pg_replication_slots WHERE slot_name = '" + slot + "'")) {
          return !rs.next();
        }
      } catch (SQLException e) {
        return false;
      }
    });
    try (Connection c = SourceTable.replicaDatabase(); Statement s = c.createStatement()) {
      s.execute("DROP PUBLICATION IF EXISTS " + slot);
    }
  }
}
