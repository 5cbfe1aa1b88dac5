package io.heliosdb.beam;

import static io.heliosdb.beam.CdcReadIT.awaitWhileRunning;
import static org.assertj.core.api.Assertions.assertThat;

import io.heliosdb.beam.testing.StreamCollector;
import io.heliosdb.beam.testing.TestDatabase;
import io.heliosdb.beam.testing.TestDatabases;
import java.sql.Connection;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.Count;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.awaitility.Awaitility;
import org.joda.time.Duration;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ArgumentsSource;

/**
 * CDC's watermark against event times: every change reaches 1-second fixed windows that allow no
 * lateness, through bursts with idle gaps longer than the heartbeat interval, long transactions
 * whose statements start seconds before they commit (as a database clock behind the workers'
 * would date them), and (PostgreSQL) changes that the log delivers seconds after their commit.
 */
@ExtendWith(TestPipelineExtension.class)
class CdcWatermarkIT {
  /** How long windows get, after the last insert arrived, to close. */
  private static final java.time.Duration CLOSE = java.time.Duration.ofSeconds(20);

  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void noChangeIsLateForWindowsWithoutAllowedLateness(TestDatabase db, TestPipeline pipeline)
      throws Exception {
    String table = CdcReadIT.createTable(db, "cdc_wm");
    String other = TestDatabase.uniqueName("cdc_wm_other");
    CdcOptions options = CdcReadIT.cdc(db, table); // heartbeats every second
    StreamCollector changes = new StreamCollector();
    StreamCollector windowCounts = new StreamCollector();
    PCollection<Row> out = pipeline.apply(CdcReadIT.read(db, table, options));
    changes.collect(out, CdcReadIT::render);
    windowCounts.collect(
        out.apply("1 s windows, no lateness",
                Window.<Row>into(FixedWindows.of(Duration.standardSeconds(1)))
                    .withAllowedLateness(Duration.ZERO))
            .apply("Count per window",
                Combine.globally(Count.<Row>combineFn()).withoutDefaults()),
        String::valueOf);
    PipelineResult result = CdcReadIT.start(pipeline);
    AtomicInteger inserted = new AtomicInteger();
    try {
      insert(db, table, inserted, 1); // the stream runs once this arrives
      awaitWhileRunning(result, () -> changes.values().size() >= 1);
      for (int burst = 0; burst < 3; burst++) {
        insert(db, table, inserted, 100);
        Thread.sleep(1_500); // idle past a heartbeat
      }
      // statements dated seconds before their commit (MariaDB dates a change by its statement's
      // start); heartbeats pass meanwhile
      longTransaction(db, table, inserted, 3_000);
      insert(db, table, inserted, 50);
      Thread.sleep(1_500);
      longTransaction(db, table, inserted, 2_500);
      if (db.isPostgres()) {
        // a large transaction of a table outside the publication keeps the log reader decoding
        // (and sending nothing) for a while after the next change to the table has committed
        db.execute("CREATE TABLE " + other + " (id INT)",
            "INSERT INTO " + other + " SELECT g FROM generate_series(1, 200000) g");
        insert(db, table, inserted, 50);
      }
      Thread.sleep(1_500);
      insert(db, table, inserted, 100);
      int total = inserted.get();
      awaitWhileRunning(result, () -> changes.values().size() >= total);
      try {
        Awaitility.await().atMost(CLOSE).pollInterval(200, TimeUnit.MILLISECONDS)
            .until(() -> counted(windowCounts) >= total);
      } catch (org.awaitility.core.ConditionTimeoutException e) {
        // the assertion below says how many were dropped
      }
      System.out.println(db + ": windows fired this long (ms) after their end: "
          + windowCounts.arrivals().stream().map(a -> a.arrivedMillis() - a.eventMillis())
              .sorted().toList());
      assertThat(changes.values()).hasSize(total).doesNotHaveDuplicates();
      assertThat(counted(windowCounts))
          .as("changes counted in 1 s windows without allowed lateness (the rest were late)")
          .isEqualTo(total);
    } finally {
      result.cancel();
      CdcReadIT.dropSlot(db, table);
      db.dropQuietly(table);
      db.dropQuietly(other);
    }
  }

  private static long counted(StreamCollector windowCounts) {
    return windowCounts.values().stream().mapToLong(Long::parseLong).sum();
  }

  /** Inserts {@code rows} rows, one autocommitted statement each. */
  private static void insert(TestDatabase db, String table, AtomicInteger inserted, int rows)
      throws Exception {
    try (Connection connection = db.connect(); Statement statement = connection.createStatement()) {
      for (int i = 0; i < rows; i++) {
        int id = inserted.incrementAndGet();
        statement.execute("INSERT INTO " + table + " VALUES (" + id + ", 'v" + id + "')");
      }
    }
  }

  /** 25 inserts, a pause of {@code pauseMillis}, 25 more inserts, then the commit. */
  private static void longTransaction(
      TestDatabase db, String table, AtomicInteger inserted, long pauseMillis) throws Exception {
    try (Connection connection = db.connect(); Statement statement = connection.createStatement()) {
      connection.setAutoCommit(false);
      for (int i = 0; i < 50; i++) {
        if (i == 25) {
          Thread.sleep(pauseMillis);
        }
        int id = inserted.incrementAndGet();
        statement.execute("INSERT INTO " + table + " VALUES (" + id + ", 'v" + id + "')");
      }
      connection.commit();
    }
  }
}
