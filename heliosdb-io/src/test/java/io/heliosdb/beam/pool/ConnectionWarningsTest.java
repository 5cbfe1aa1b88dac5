package io.heliosdb.beam.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.heliosdb.beam.ConnectionConfiguration;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.List;
import org.joda.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The warnings of reads that wait for connections (found by the fault suite's connection-limit
 * scenario: a read whose role had no connection left waited silently, HikariCP logging the
 * refusals at debug level only). slf4j-simple writes to {@link System#err}, captured here.
 */
class ConnectionWarningsTest {

  /** Runs {@code work} and returns the lines it logged (to standard error). */
  private static List<String> logged(ThrowingRunnable work) throws Exception {
    PrintStream original = System.err;
    ByteArrayOutputStream copy = new ByteArrayOutputStream();
    System.setErr(new PrintStream(copy, true, StandardCharsets.UTF_8));
    try {
      work.run();
    } finally {
      System.setErr(original);
    }
    String text = copy.toString(StandardCharsets.UTF_8);
    original.print(text);
    return text.lines().toList();
  }

  @FunctionalInterface
  private interface ThrowingRunnable {
    void run() throws Exception;
  }

  @Test
  void aRefusedConnectionIsAWarningWithTheDatabasesAnswer() throws Exception {
    ConnectionConfiguration config =
        ConnectionConfiguration.create("jdbc:postgresql://127.0.0.1:1/db").withUsername("reader").withPassword("hunter2")
        .withConnectTimeout(Duration.millis(1_500));
    List<String> lines = logged(() -> {
      try (PooledDataSource pool = ConnectionPools.acquire(config)) {
        assertThatThrownBy(pool::getConnection).isInstanceOf(SQLException.class);
      }
    });
    List<String> warnings = lines.stream()
        .filter(l -> l.contains("WARN") && l.contains("the database refused a new connection"))
        .toList();
    // HikariCP tries several times within the time-out; one warning per 10 s
    assertThat(warnings).hasSize(1);
    assertThat(warnings.get(0))
        .contains("[jdbc:postgresql://127.0.0.1:1/db as reader]")
        .contains("SQLState 08001")
        .contains("Connection to 127.0.0.1:1 refused")
        .contains("RetryOptions.withConnectionRetryTime")
        .doesNotContain("hunter2");
  }

  @Test
  void aLongWaitForAFullPoolSaysToRaiseItsSizeOncePerMinute() throws Exception {
    String pool = "heliosdb-test-full";
    PooledDataSource.Stats full = new PooledDataSource.Stats(1, 0, 3, 1);
    List<String> lines = logged(() -> {
      ConnectionWarnings.afterWait(pool, "db as reader", 120, full); // short: no warning
      ConnectionWarnings.afterWait(pool, "db as reader", 2_300, full);
      ConnectionWarnings.afterWait(pool, "db as reader", 4_000, full); // within the minute
      ConnectionWarnings.afterWait("heliosdb-test-slow", "db as reader", 900,
          new PooledDataSource.Stats(1, 0, 0, 10));
    });
    List<String> warnings = lines.stream().filter(l -> l.contains("WARN")).toList();
    assertThat(warnings).hasSize(2);
    assertThat(warnings.get(0)).contains("[db as reader] a reader waited 2300 ms for a connection:"
        + " all 1 connections of pool heliosdb-test-full were in use (3 more waiting)")
        .contains("ConnectionConfiguration.withMaxConnections");
    assertThat(warnings.get(1)).contains("waited 900 ms for a connection of pool"
        + " heliosdb-test-slow: the database did not accept a new connection sooner");
  }
}
