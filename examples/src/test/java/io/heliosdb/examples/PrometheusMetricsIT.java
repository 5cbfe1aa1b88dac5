package io.heliosdb.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.heliosdb.beam.testing.DatabaseKind;
import io.heliosdb.beam.testing.TestDatabase;
import io.heliosdb.beam.testing.TestDatabases;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/**
 * Scrapes the {@code /metrics} endpoint of the incremental example ({@code PollTableToJson
 * --metricsPort}) on the Direct runner while it polls a PostgreSQL table that keeps growing, and
 * checks that the values Prometheus would store move with the rows read.
 */
class PrometheusMetricsIT {
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  static String scrape(int port) throws Exception {
    HttpResponse<String> response = HTTP.send(
        HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
    return response.body();
  }

  /** The value of the sample {@code name} whose labels include {@code table="<table>"}; -1 if none. */
  static double sample(String body, String name, String table) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "\\{([^}]*)\\} (\\S+)$")
        .matcher(body);
    while (m.find()) {
      if (m.group(1).contains("table=\"" + table + "\"")) {
        return Double.parseDouble(m.group(2));
      }
    }
    return -1;
  }

  static int freePort() throws Exception {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  @Test
  void servesTheSourceMetricsWhoseValuesMoveAsRowsAreRead() throws Exception {
    TestDatabase db = TestDatabases.get(DatabaseKind.POSTGRES);
    String table = TestDatabase.uniqueName("prom_scrape");
    db.execute("CREATE TABLE " + table
        + " (id BIGINT PRIMARY KEY, v VARCHAR(20), updated_at TIMESTAMP NOT NULL)");
    insert(db, table, 0, 1_000);
    int port = freePort();
    Path output = Files.createTempDirectory("prom-scrape");
    List<String> args = new ArrayList<>(List.of(
        "--runner=DirectRunner", "--jdbcUrl=" + db.url(), "--username=" + db.user(),
        "--table=" + table, "--trackingColumn=updated_at", "--pollIntervalSeconds=1",
        "--commitDelaySeconds=1", "--output=" + output, "--runSeconds=40",
        "--metricsPort=" + port));
    if (!db.password().isEmpty()) {
      args.add("--password=" + db.password());
    }
    ExecutorService executor = Executors.newSingleThreadExecutor();
    Future<?> example = executor.submit(() -> {
      PollTableToJson.main(args.toArray(String[]::new));
      return null;
    });
    try {
      String rowsRead = "heliosdb_database_source_rows_read_total";
      String fullTable = "public." + table;
      await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
          .ignoreExceptions()
          .until(() -> sample(scrape(port), rowsRead, fullTable) >= 1_000);
      String first = scrape(port);
      assertThat(first)
          .contains("# TYPE heliosdb_database_source_rows_read_total counter")
          .contains("# TYPE heliosdb_database_source_read_latency_seconds summary")
          .contains("# TYPE heliosdb_database_source_active_connections gauge")
          .contains("# TYPE heliosdb_database_source_checkpoints_total counter")
          .containsPattern("heliosdb_database_source_rows_read_total\\{database=\"[^\"]+\","
              + "step=\"[^\"]+\",table=\"" + Pattern.quote(fullTable) + "\"\\} ");
      if (!db.password().isEmpty()) {
        assertThat(first).doesNotContain(db.password());
      }
      double latencyCount =
          sample(first, "heliosdb_database_source_read_latency_seconds_count", fullTable);
      double checkpoints = sample(first, "heliosdb_database_source_checkpoints_total", fullTable);
      assertThat(latencyCount).isPositive();

      insert(db, table, 1_000, 3_500);
      await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
          .until(() -> sample(scrape(port), rowsRead, fullTable) >= 3_500);
      String second = scrape(port);
      assertThat(sample(second, rowsRead, fullTable)).isEqualTo(3_500);
      // set once a reader's first window of a second is over
      assertThat(sample(second, "heliosdb_database_source_read_throughput", fullTable))
          .isNotNegative();
      assertThat(sample(second, "heliosdb_database_source_read_latency_seconds_count", fullTable))
          .isGreaterThan(latencyCount);
      assertThat(sample(second, "heliosdb_database_source_checkpoints_total", fullTable))
          .as("each poll hands the rest back to the runner").isGreaterThan(checkpoints);
      assertThat(sample(second, "heliosdb_database_source_errors_total", fullTable))
          .isIn(-1.0, 0.0); // never incremented: absent, or 0
    } finally {
      example.cancel(true);
      executor.shutdownNow();
      db.dropQuietly(table);
    }
  }

  private static void insert(TestDatabase db, String table, long from, long to) throws Exception {
    db.insert(table, "id, v, updated_at", LongStream.range(from, to)
        .mapToObj(i -> new Object[] {i, "v" + i,
            java.sql.Timestamp.valueOf(java.time.LocalDateTime.now().minusSeconds(5))})
        .toList());
  }
}
