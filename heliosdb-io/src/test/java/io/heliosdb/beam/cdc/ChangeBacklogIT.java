package io.heliosdb.beam.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.heliosdb.beam.HeliosDbIO;
import io.heliosdb.beam.testing.TestDatabase;
import io.heliosdb.beam.testing.TestDatabases;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.beam.sdk.util.SerializableUtils;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ArgumentsSource;

/**
 * The size a change stream reports to the runner ({@code @GetSize}, and its tracker's remaining
 * work): it grows with changes written and not read yet, and falls back once they are read. The
 * reader instance is driven as a runner drives it ({@link ReaderCalls}), against the real
 * database; the log is the server's, so other sessions' writes count too, and the assertions
 * leave room for them.
 */
class ChangeBacklogIT {
  private static final int ROWS = 3_000;
  private static final int VALUE_LENGTH = 1_000;
  /** At least the log bytes of the rows' values. */
  private static final double PAYLOAD = (double) ROWS * VALUE_LENGTH;
  private static final Duration WAIT = Duration.ofSeconds(90);

  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void theSizeGrowsWithUnreadChangesAndFallsBackOnceTheyAreRead(TestDatabase db)
      throws Exception {
    String table = TestDatabase.uniqueName("cdc_backlog");
    db.execute("CREATE TABLE " + table + " (id BIGINT PRIMARY KEY, v VARCHAR(" + VALUE_LENGTH
        + ") NOT NULL)");
    ReadChangesDoFn reader = SerializableUtils.clone(ReaderCalls.readerOf(HeliosDbIO.read()
        .withConnection(db.connectionConfiguration()).withTable(table)
        .withCdc(db.cdcFromNow(table))));
    try {
      reader.setup();
      LogPosition start = reader.initialRestriction(StreamStart.fromLog());
      double before = reader.getSize(start);
      write(db, table);

      await("the size of the unread stream grows by the rows written").atMost(WAIT)
          .pollInterval(Duration.ofSeconds(1))
          .until(() -> reader.getSize(start) >= before + PAYLOAD);
      assertThat(reader.newTracker(start).getProgress().getWorkRemaining())
          .as("the tracker's remaining work").isGreaterThanOrEqualTo(PAYLOAD);
      assertThat(reader.getSize(start.asFinished())).as("a finished restriction").isZero();

      Queue<Long> read = new ConcurrentLinkedQueue<>();
      ReaderCalls calls = new ReaderCalls(read, start);
      long deadline = System.currentTimeMillis() + WAIT.toMillis();
      while (read.size() < ROWS && System.currentTimeMillis() < deadline) {
        calls.call(reader);
      }
      assertThat(read).as("every change read").hasSize(ROWS);
      await("the size falls back once the changes are read").atMost(WAIT)
          .until(() -> {
            calls.call(reader); // the stream goes on; heartbeats move its position on
            return reader.getSize(calls.restriction()) < PAYLOAD / 2;
          });
    } finally {
      reader.teardown();
      if (db.isPostgres()) {
        db.dropSlotAndPublication(table);
      }
      db.dropQuietly(table);
    }
  }

  /** Inserts {@link #ROWS} rows with values of {@link #VALUE_LENGTH} characters. */
  private static void write(TestDatabase db, String table) throws Exception {
    try (Connection connection = db.connect();
        PreparedStatement insert =
            connection.prepareStatement("INSERT INTO " + table + " VALUES (?, ?)")) {
      connection.setAutoCommit(false);
      java.util.Random random = new java.util.Random(ROWS);
      for (int id = 1; id <= ROWS; id++) {
        StringBuilder value = new StringBuilder(VALUE_LENGTH);
        while (value.length() < VALUE_LENGTH) {
          value.append((char) ('a' + random.nextInt(26)));
        }
        insert.setLong(1, id);
        insert.setString(2, value.toString());
        insert.addBatch();
        if (id % 500 == 0) {
          insert.executeBatch();
          connection.commit();
        }
      }
    }
  }
}
