package io.heliosdb.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

/**
 * The standalone Flink session cluster of {@code scripts/flink-cluster.sh}, seen through its REST
 * API and its pid files: which jobs run, where their tasks run, and the TaskManager processes.
 */
final class FlinkCluster {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newHttpClient();
  final String restAddress;
  final Path directory;

  FlinkCluster(String restAddress, Path directory) {
    this.restAddress = restAddress;
    this.directory = directory;
  }

  static FlinkCluster fromSystemProperties() {
    return new FlinkCluster(
        System.getProperty("flink.rest", "localhost:18081"),
        Path.of(System.getProperty("flink.cluster.dir", "../target/flink-cluster")));
  }

  JsonNode get(String path) throws IOException, InterruptedException {
    HttpResponse<String> response = http.send(
        HttpRequest.newBuilder(URI.create("http://" + restAddress + path)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IOException("GET " + path + ": HTTP " + response.statusCode() + " " + response.body());
    }
    return JSON.readTree(response.body());
  }

  void cancel(String jobId) throws IOException, InterruptedException {
    http.send(HttpRequest.newBuilder(URI.create("http://" + restAddress + "/jobs/" + jobId
            + "?mode=cancel")).method("PATCH", HttpRequest.BodyPublishers.noBody()).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** The id of the newest job (by start time) whose name contains {@code name}, or null. */
  String newestJob(String name, long startedAfterMillis) throws IOException, InterruptedException {
    String newest = null;
    long newestStart = startedAfterMillis;
    for (JsonNode job : get("/jobs/overview").get("jobs")) {
      if (job.get("name").asText().toLowerCase().contains(name)
          && job.get("start-time").asLong() >= newestStart) {
        newest = job.get("jid").asText();
        newestStart = job.get("start-time").asLong();
      }
    }
    return newest;
  }

  String state(String jobId) throws IOException, InterruptedException {
    return get("/jobs/" + jobId).get("state").asText();
  }

  /** Whether every task of the job runs (a restarted job is RUNNING before its tasks are). */
  boolean allTasksRunning(String jobId) throws IOException, InterruptedException {
    JsonNode job = get("/jobs/" + jobId);
    if (!job.get("state").asText().equals("RUNNING")) {
      return false;
    }
    for (JsonNode vertex : job.get("vertices")) {
      if (!vertex.get("status").asText().equals("RUNNING")) {
        return false;
      }
    }
    return true;
  }

  /** The TaskManagers that ran (or run) a task of the job's vertices of parallelism {@code p}. */
  Set<String> taskManagersOf(String jobId, int parallelism)
      throws IOException, InterruptedException {
    Set<String> taskManagers = new HashSet<>();
    for (JsonNode vertex : get("/jobs/" + jobId).get("vertices")) {
      if (vertex.get("parallelism").asInt() != parallelism) {
        continue;
      }
      for (JsonNode tm : get("/jobs/" + jobId + "/vertices/" + vertex.get("id").asText()
          + "/taskmanagers").get("taskmanagers")) {
        taskManagers.add(tm.get("taskmanager-id").asText());
      }
    }
    return taskManagers;
  }

  /**
   * Stops the job with a savepoint in {@code directory} (Flink's REST API: {@code POST
   * /jobs/:id/savepoints} with {@code cancel-job}), waiting up to {@code seconds} for it.
   *
   * @return the savepoint's path
   * @throws IOException if the savepoint failed, with Flink's cause
   */
  String cancelWithSavepoint(String jobId, Path directory, int seconds)
      throws IOException, InterruptedException {
    String body = JSON.createObjectNode()
        .put("target-directory", directory.toAbsolutePath().toUri().toString())
        .put("cancel-job", true).toString();
    HttpResponse<String> response = http.send(
        HttpRequest.newBuilder(URI.create("http://" + restAddress + "/jobs/" + jobId
                + "/savepoints")).header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 202 && response.statusCode() != 200) {
      throw new IOException("savepoint of " + jobId + ": HTTP " + response.statusCode() + " "
          + response.body());
    }
    String trigger = JSON.readTree(response.body()).get("request-id").asText();
    long deadline = System.currentTimeMillis() + seconds * 1000L;
    while (System.currentTimeMillis() < deadline) {
      JsonNode status = get("/jobs/" + jobId + "/savepoints/" + trigger);
      if (status.path("status").path("id").asText().equals("COMPLETED")) {
        JsonNode operation = status.path("operation");
        if (operation.has("location")) {
          return operation.get("location").asText();
        }
        throw new IOException("savepoint of " + jobId + " failed: " + operation);
      }
      Thread.sleep(200);
    }
    throw new IOException("savepoint of " + jobId + " not completed within " + seconds + " s");
  }

  /** The savepoint or checkpoint the job was restored from when it started, or null. */
  String restoredFrom(String jobId) throws IOException, InterruptedException {
    JsonNode restored = get("/jobs/" + jobId + "/checkpoints").path("latest").path("restored");
    return restored.isMissingNode() || restored.isNull()
        ? null : restored.path("external_path").asText(null);
  }

  int registeredTaskManagers() throws IOException, InterruptedException {
    return get("/overview").get("taskmanagers").asInt();
  }

  /** The process of TaskManager {@code name} (taskmanager-1, taskmanager-2). */
  ProcessHandle taskManager(String name) throws IOException {
    long pid = Long.parseLong(Files.readString(directory.resolve("run/" + name + ".pid")).trim());
    return ProcessHandle.of(pid).orElseThrow(() -> new IllegalStateException(name + " is not running"));
  }
}
