package io.heliosdb.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.heliosdb.beam.HeliosDbIO;
import io.heliosdb.beam.IncrementalOptions;
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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.LongStream;
import org.apache.beam.sdk.Pipeline;
import org.junit.jupiter.api.Test;

/**
 * HeliosDB IO's metrics through Flink's own Prometheus reporter, configured as docs/metrics.md
 * shows: a streaming Flink job polls a growing PostgreSQL table while the test scrapes the
 * reporter's endpoint and checks that the source's values are there and move.
 */
class FlinkPrometheusIT {
  /** How Flink names a Beam metric of an operator: scope, then namespace.name with the dot made an underscore. */
  static final String PREFIX = "flink_taskmanager_job_task_operator_heliosdb_database_source_";

  private static final HttpClient HTTP = HttpClient.newHttpClient();

  /** The sum over subtasks of {@code PREFIX + name}; -1 if absent. */
  static double sum(String body, String name) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(PREFIX + name) + "\\{[^}]*\\} (\\S+)$")
        .matcher(body);
    double sum = -1;
    while (m.find()) {
      sum = Math.max(sum, 0) + Double.parseDouble(m.group(1));
    }
    return sum;
  }

  static String scrape(int port) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString()).body();
  }

  @Test
  void flinksPrometheusReporterServesTheSourceMetrics() throws Exception {
    TestDatabase db = TestDatabases.get(DatabaseKind.POSTGRES);
    String table = TestDatabase.uniqueName("flink_prom");
    db.execute("CREATE TABLE " + table
        + " (id BIGINT PRIMARY KEY, v VARCHAR(20), updated_at TIMESTAMP NOT NULL)");
    insert(db, table, 0, 2_000);
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    Path dir = Files.createTempDirectory("flink-prom");
    Path conf = HandoffRunnersIT.flinkConf(dir, "conf", null);
    Files.writeString(conf.resolve("flink-conf.yaml"), Files.readString(conf.resolve(
        "flink-conf.yaml"))
        + "metrics.reporter.prom.factory.class:"
        + " org.apache.flink.metrics.prometheus.PrometheusReporterFactory\n"
        + "metrics.reporter.prom.port: " + port + "\n");
    Pipeline pipeline = HandoffRunnersIT.pipeline("FlinkRunner", conf);
    pipeline.apply("Poll " + table, HeliosDbIO.read().withConnection(db.connectionConfiguration())
        .withTable(table).withIncremental(IncrementalOptions.trackingColumn("updated_at")
            .withPollInterval(org.joda.time.Duration.standardSeconds(1))
            .withCommitDelay(org.joda.time.Duration.standardSeconds(1))));
    try (HandoffRunnersIT.Run run = new HandoffRunnersIT.Run(pipeline)) {
      // Flink reports operator metrics when Beam updates them, at the end of each bundle
      String[] last = {""};
      try {
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1))
            .ignoreExceptions()
            .until(() -> {
              run.checkRunning();
              last[0] = scrape(port);
              return sum(last[0], "rows_read_total") >= 2_000;
            });
      } catch (org.awaitility.core.ConditionTimeoutException e) {
        throw new AssertionError("no rows_read_total of 2,000 at port " + port + "; the last"
            + " scrape's HeliosDB lines: " + last[0].lines()
                .filter(l -> l.contains("heliosdb")).limit(20).toList() + ", its first lines: "
            + last[0].lines().limit(5).toList(), e);
      }
      String first = scrape(port);
      assertThat(sum(first, "read_latency_ms_count")).isPositive();
      assertThat(sum(first, "read_latency_ms_sum")).isNotNegative();
      assertThat(sum(first, "checkpoints_total")).isPositive();
      assertThat(sum(first, "active_connections")).isNotNegative();
      double latencyCount = sum(first, "read_latency_ms_count");

      insert(db, table, 2_000, 5_000);
      await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1))
          .ignoreExceptions()
          .until(() -> sum(scrape(port), "rows_read_total") >= 5_000);
      String second = scrape(port);
      assertThat(sum(second, "rows_read_total")).isEqualTo(5_000);
      // set once a reader's first window of a second is over
      assertThat(sum(second, "read_throughput")).isNotNegative();
      assertThat(sum(second, "read_latency_ms_count")).isGreaterThan(latencyCount);
      assertThat(second).contains("operator_name=");
    } finally {
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
