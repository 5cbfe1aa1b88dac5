package io.heliosdb.beam.cdc;

import static org.assertj.core.api.Assertions.assertThat;

import io.heliosdb.beam.CdcOptions;
import io.heliosdb.beam.HeliosDbIO;
import io.heliosdb.beam.dialect.Dialects;
import io.heliosdb.beam.testing.TestDatabase;
import io.heliosdb.beam.testing.TestDatabases;
import java.sql.Connection;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.apache.beam.sdk.util.SerializableUtils;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ArgumentsSource;

/**
 * A stream moved between reader instances of one JVM, as a runner does when it rebalances: the
 * old instance stops being called and is torn down while the new one reads, and changes keep
 * being written throughout. The instances are driven as a runner drives them (setup, initial
 * restriction, process calls each followed by a checkpoint and the bundle's commit, teardown).
 */
class ReaderMoveIT {
  private static final int ROWS = 2_000;
  private static final long WAIT_MILLIS = 60_000;

  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void aStreamMovedToAnotherReaderInstanceLosesNothingAndDoesNotFail(TestDatabase db)
      throws Exception {
    String table = TestDatabase.uniqueName("cdc_move");
    db.execute("CREATE TABLE " + table + " (id BIGINT PRIMARY KEY, v VARCHAR(20) NOT NULL)");
    CdcOptions options = CdcOptions.create().withSlotName(table)
        .withHeartbeatInterval(org.joda.time.Duration.standardSeconds(1));
    if (db.isPostgres()) {
      db.createPublicationAndSlot(table);
    } else {
      try (Connection connection = db.connect()) {
        options = options.withStartPosition(
            Dialects.forJdbcUrl(db.url(), db.url()).currentLogPosition(connection));
      }
    }
    ReadChangesDoFn template = ReaderCalls.readerOf(HeliosDbIO.read()
        .withConnection(db.connectionConfiguration()).withTable(table).withCdc(options));
    Queue<Long> read = new ConcurrentLinkedQueue<>();
    ReadChangesDoFn first = SerializableUtils.clone(template);
    ReadChangesDoFn second = SerializableUtils.clone(template);
    CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> write(db, table));
    try {
      first.setup();
      ReaderCalls reader = new ReaderCalls(read, first.initialRestriction(StreamStart.fromLog()));
      // the first instance reads a part of the stream, then is no longer called
      long deadline = System.currentTimeMillis() + WAIT_MILLIS;
      while (read.size() < ROWS / 4 && System.currentTimeMillis() < deadline) {
        reader.call(first);
      }
      assertThat(read).as("changes read by the first instance").isNotEmpty();
      // the second instance takes the stream over; the first is torn down while it reads
      second.setup();
      CompletableFuture<Void> moved = CompletableFuture.runAsync(() -> {
        try {
          while (read.size() < ROWS && System.currentTimeMillis() < deadline) {
            reader.call(second);
          }
        } catch (InterruptedException e) {
          throw new IllegalStateException(e);
        }
      });
      Thread.sleep(300);
      first.teardown();
      moved.get(WAIT_MILLIS, TimeUnit.MILLISECONDS);
      writer.get(WAIT_MILLIS, TimeUnit.MILLISECONDS);
      assertThat(read).as("nothing lost, nothing twice")
          .containsExactlyInAnyOrderElementsOf(everyId());
    } finally {
      writer.cancel(true);
      second.teardown();
      first.teardown();
      if (db.isPostgres()) {
        db.dropSlotAndPublication(table);
      }
      db.dropQuietly(table);
    }
  }

  /**
   * The stream moves from a worker whose log reader still holds the replication slot (as a
   * worker that has not yet noticed the move does): the new reader waits for the slot instead
   * of failing, and reads every change once the old one lets go.
   */
  @org.junit.jupiter.api.Test
  @org.junit.jupiter.api.extension.ExtendWith(TestDatabases.class)
  void aReaderWaitsForTheSlotThatTheOldWorkerStillHolds(
      @TestDatabases.Use(io.heliosdb.beam.testing.DatabaseKind.POSTGRES) TestDatabase db)
      throws Exception {
    String table = TestDatabase.uniqueName("cdc_held");
    db.execute("CREATE TABLE " + table + " (id BIGINT PRIMARY KEY, v VARCHAR(20) NOT NULL)");
    db.createPublicationAndSlot(table);
    ReadChangesDoFn reader = SerializableUtils.clone(ReaderCalls.readerOf(HeliosDbIO.read()
        .withConnection(db.connectionConfiguration()).withTable(table)
        .withCdc(CdcOptions.create().withSlotName(table)
            .withHeartbeatInterval(org.joda.time.Duration.standardSeconds(1)))));
    Queue<Long> read = new ConcurrentLinkedQueue<>();
    CompletableFuture<Void> writer = null;
    try (SlotHolder oldWorker = new SlotHolder(db, table)) {
      reader.setup();
      ReaderCalls calls = new ReaderCalls(read, reader.initialRestriction(StreamStart.fromLog()));
      writer = CompletableFuture.runAsync(() -> write(db, table));
      CompletableFuture<Void> released = CompletableFuture.runAsync(() -> {
        try {
          Thread.sleep(10_000); // longer than the connector's own retries of a busy slot
          oldWorker.close();
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      long deadline = System.currentTimeMillis() + WAIT_MILLIS;
      while (read.size() < ROWS && System.currentTimeMillis() < deadline) {
        calls.call(reader);
      }
      released.get(WAIT_MILLIS, TimeUnit.MILLISECONDS);
      writer.get(WAIT_MILLIS, TimeUnit.MILLISECONDS);
      assertThat(read).as("nothing lost, nothing twice")
          .containsExactlyInAnyOrderElementsOf(everyId());
    } finally {
      if (writer != null) {
        writer.cancel(true);
      }
      reader.teardown();
      db.dropSlotAndPublication(table);
      db.dropQuietly(table);
    }
  }

  /** Another process streaming from a slot, as the log reader of another worker does. */
  private static final class SlotHolder implements AutoCloseable {
    private final Connection connection;
    private final org.postgresql.replication.PGReplicationStream stream;

    SlotHolder(TestDatabase db, String slot) throws Exception {
      java.util.Properties properties = new java.util.Properties();
      properties.setProperty("user", db.user());
      properties.setProperty("password", db.password());
      properties.setProperty("replication", "database");
      properties.setProperty("preferQueryMode", "simple");
      properties.setProperty("assumeMinServerVersion", "10");
      connection = java.sql.DriverManager.getConnection(db.url(), properties);
      stream = connection.unwrap(org.postgresql.PGConnection.class).getReplicationAPI()
          .replicationStream().logical().withSlotName(slot)
          .withSlotOption("proto_version", 1).withSlotOption("publication_names", slot)
          .start();
    }

    @Override
    public void close() throws Exception {
      if (!connection.isClosed()) {
        stream.close();
        connection.close();
      }
    }
  }

  /** The ids {@link #write} inserts. */
  private static List<Long> everyId() {
    return java.util.stream.LongStream.rangeClosed(1, ROWS).boxed().toList();
  }

  /** Inserts {@link #ROWS} rows, 20 a transaction, over about four seconds. */
  private static void write(TestDatabase db, String table) {
    try (Connection connection = db.connect();
        java.sql.Statement statement = connection.createStatement()) {
      for (int id = 1; id <= ROWS; id += 20) {
        StringBuilder values = new StringBuilder();
        for (int i = id; i < id + 20; i++) {
          values.append(i == id ? "" : ", ").append("(").append(i).append(", 'v").append(i)
              .append("')");
        }
        statement.execute("INSERT INTO " + table + " VALUES " + values);
        Thread.sleep(40);
      }
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
