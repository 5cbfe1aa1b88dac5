package io.heliosdb.beam.cdc;

import static org.assertj.core.api.Assertions.assertThat;

import io.heliosdb.beam.CdcOptions;
import io.heliosdb.beam.HeliosDbIO;
import io.heliosdb.beam.dialect.Dialects;
import io.heliosdb.beam.stream.StreamTracker;
import io.heliosdb.beam.testing.TestDatabase;
import io.heliosdb.beam.testing.TestDatabases;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.runners.TransformHierarchy;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.splittabledofn.SplitResult;
import org.apache.beam.sdk.transforms.splittabledofn.WatermarkEstimators;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.transforms.windowing.PaneInfo;
import org.apache.beam.sdk.util.SerializableUtils;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.WindowedValues;
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
    ReadChangesDoFn template = readerOf(HeliosDbIO.read()
        .withConnection(db.connectionConfiguration()).withTable(table).withCdc(options));
    Queue<Long> read = new ConcurrentLinkedQueue<>();
    ReadChangesDoFn first = SerializableUtils.clone(template);
    ReadChangesDoFn second = SerializableUtils.clone(template);
    CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> write(db, table));
    try {
      first.setup();
      Reader reader = new Reader(read, first.initialRestriction(StreamStart.fromLog()));
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
    ReadChangesDoFn reader = SerializableUtils.clone(readerOf(HeliosDbIO.read()
        .withConnection(db.connectionConfiguration()).withTable(table)
        .withCdc(CdcOptions.create().withSlotName(table)
            .withHeartbeatInterval(org.joda.time.Duration.standardSeconds(1)))));
    Queue<Long> read = new ConcurrentLinkedQueue<>();
    CompletableFuture<Void> writer = null;
    try (SlotHolder oldWorker = new SlotHolder(db, table)) {
      reader.setup();
      Reader calls = new Reader(read, reader.initialRestriction(StreamStart.fromLog()));
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

  /** The reader of the stream in a pipeline with {@code read}, as the runner would deserialize it. */
  private static ReadChangesDoFn readerOf(HeliosDbIO.Read read) {
    Pipeline pipeline = Pipeline.create();
    pipeline.apply(read);
    List<ReadChangesDoFn> found = new ArrayList<>();
    pipeline.traverseTopologically(new Pipeline.PipelineVisitor.Defaults() {
      @Override
      public void visitPrimitiveTransform(TransformHierarchy.Node node) {
        if (node.getTransform() instanceof ParDo.MultiOutput<?, ?> parDo
            && parDo.getFn() instanceof ReadChangesDoFn fn) {
          found.add(fn);
        }
      }
    });
    assertThat(found).hasSize(1);
    return found.get(0);
  }

  /**
   * Calls a reader instance as a runner does: with the restriction the last call left, then a
   * checkpoint at its last claim, the bundle's commit (its finalizers), and the resume delay.
   */
  private static final class Reader {
    private final Queue<Long> read;
    private LogPosition restriction;
    private final WatermarkEstimators.Manual watermark =
        new WatermarkEstimators.Manual(BoundedWindow.TIMESTAMP_MIN_VALUE);

    Reader(Queue<Long> read, LogPosition restriction) {
      this.read = read;
      this.restriction = restriction;
    }

    synchronized void call(ReadChangesDoFn reader) throws InterruptedException {
      StreamTracker<LogPosition> tracker = new StreamTracker<>(restriction);
      List<DoFn.BundleFinalizer.Callback> committed = new ArrayList<>();
      DoFn.OutputReceiver<Row> rows = row -> WindowedValues.<Row>builder()
          .setValue(row).setTimestamp(BoundedWindow.TIMESTAMP_MIN_VALUE)
          .setWindow(GlobalWindow.INSTANCE).setPaneInfo(PaneInfo.NO_FIRING)
          .setReceiver(value -> read.add(value.getValue().getRow("after").getInt64("id")));
      DoFn.MultiOutputReceiver out = new DoFn.MultiOutputReceiver() {
        @Override
        @SuppressWarnings("unchecked")
        public <T> DoFn.OutputReceiver<T> get(org.apache.beam.sdk.values.TupleTag<T> tag) {
          return (DoFn.OutputReceiver<T>) rows;
        }

        @Override
        public <T> DoFn.OutputReceiver<Row> getRowReceiver(
            org.apache.beam.sdk.values.TupleTag<T> tag) {
          return rows;
        }
      };
      DoFn.ProcessContinuation continuation = reader.process(StreamStart.fromLog(), tracker,
          watermark, out, (expiry, callback) -> committed.add(callback));
      for (DoFn.BundleFinalizer.Callback callback : committed) {
        try {
          callback.onBundleSuccess();
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }
      assertThat(continuation.shouldResume()).as("the stream goes on").isTrue();
      SplitResult<LogPosition> checkpoint = tracker.trySplit(0);
      restriction = checkpoint.getResidual();
      Thread.sleep(continuation.resumeDelay().getMillis());
    }
  }
}
