package io.heliosdb.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Jobs of {@code ReplicateTable} on the cluster of {@code scripts/flink-cluster.sh}: the examples'
 * job jar submitted from its own JVM with {@code --flinkMaster}, each client's output in {@code
 * target/flink-cluster-it/<name>.log}, and what the REST API tells of the job.
 */
final class ClusterJobs {
  final FlinkCluster cluster;
  final Path jar;
  final Path logs;

  private ClusterJobs(FlinkCluster cluster, Path jar, Path logs) {
    this.cluster = cluster;
    this.jar = jar;
    this.logs = logs;
  }

  /** The cluster and the job jar, checked: two TaskManagers registered, the jar built. */
  static ClusterJobs open() throws Exception {
    FlinkCluster cluster = FlinkCluster.fromSystemProperties();
    Path jar = Path.of(System.getProperty("flink.job.jar",
        "../examples/target/heliosdb-io-flink-job-0.1.0-SNAPSHOT.jar"));
    assertThat(jar).as("the job jar; build it with mvn -pl heliosdb-io,examples -am -Pflink-job"
        + " package -DskipTests").exists();
    try {
      assertThat(cluster.registeredTaskManagers()).isEqualTo(2);
    } catch (java.io.IOException e) {
      throw new AssertionError("no Flink cluster at " + cluster.restAddress
          + "; start it with scripts/flink-cluster.sh start", e);
    }
    Path logs = Path.of("target/flink-cluster-it");
    Files.createDirectories(logs);
    return new ClusterJobs(cluster, jar, logs);
  }

  /** Submits {@code ReplicateTable} reading {@code source} with {@code args}; output to name.log. */
  Process submit(String name, SourceTable source, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", jar.toString(), "io.heliosdb.examples.ReplicateTable",
        "--runner=FlinkRunner", "--flinkMaster=" + cluster.restAddress,
        "--jdbcUrl=" + source.url(), "--username=" + source.user(),
        "--table=" + source.qualified(), "--replicaTable=public." + source.replica(),
        "--replicaUrl=" + SourceTable.POSTGRES_URL,
        "--replicaUsername=" + SourceTable.POSTGRES_USER));
    command.addAll(List.of(args));
    return new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(logs.resolve(name + ".log").toFile()).start();
  }

  /** The newest ReplicateTable job started since {@code submitted}, or null. */
  String newestJob(long submitted) {
    try {
      return cluster.newestJob("replicatetable", submitted);
    } catch (Exception e) {
      return null;
    }
  }

  /** The job's failures (each followed by a restart) so far, 0 when the REST API does not answer. */
  int failures(String jobId) {
    try {
      return cluster.get("/jobs/" + jobId + "/exceptions").path("exceptionHistory")
          .path("entries").size();
    } catch (Exception e) {
      return 0;
    }
  }

  boolean allTasksRunning(String jobId) {
    try {
      return cluster.allTasksRunning(jobId);
    } catch (Exception e) {
      return false;
    }
  }

  /** Starts whatever of the cluster is not running (a TaskManager killed by a test). */
  static void restoreCluster() throws Exception {
    new ProcessBuilder("../scripts/flink-cluster.sh", "start").inheritIO().start()
        .waitFor(5, java.util.concurrent.TimeUnit.MINUTES);
  }

  /** The first non-null, non-false value of {@code value}, polled every 200 ms. */
  static <T> T await(String what, int seconds, Supplier<T> value) throws InterruptedException {
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
}
