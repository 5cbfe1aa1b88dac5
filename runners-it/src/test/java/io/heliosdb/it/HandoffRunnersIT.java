package io.heliosdb.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.heliosdb.beam.CdcOptions;
import io.heliosdb.beam.HeliosDbIO;
import io.heliosdb.beam.ReadHooks;
import io.heliosdb.beam.SnapshotOptions;
import io.heliosdb.beam.testing.ChangeReplica;
import io.heliosdb.beam.testing.DatabaseKind;
import io.heliosdb.beam.testing.StreamCollector;
import io.heliosdb.beam.testing.TableWriters;
import io.heliosdb.beam.testing.TestDatabase;
import io.heliosdb.beam.testing.TestDatabases;
import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Snapshot then CDC on the Direct runner and on the Flink runner (embedded local cluster,
 * streaming, checkpointing every second) against the real PostgreSQL and MariaDB servers, with
 * writers changing the table throughout the snapshot and after it: the output, replayed by
 * position, equals the table and holds every change exactly once. On Flink, also across a stop
 * and a restore in a new run: stop-with-savepoint mid-snapshot and mid-stream (nothing emitted
 * twice), and a kill (cancel) mid-stream restored from the last retained checkpoint (what the
 * first run emitted after that checkpoint is emitted again, identically; such lines are counted,
 * dropped, and the rest must replay exactly).
 *
 * <h3>Savepoints of a Beam pipeline on the embedded cluster</h3>
 * With {@code --attachedMode=false} the Flink runner submits the job with {@code executeAsync}
 * and returns a {@code FlinkDetachedRunnerResult} that holds the job's {@link JobClient} in a
 * private field: read by reflection, it takes a savepoint ({@code stopWithSavepoint}) or kills the
 * job ({@code cancel}). {@code --savepointPath} is only applied to a remote cluster ({@code
 * --flinkMaster=host:port}), but the local environment is created from the Flink configuration of
 * {@code --flinkConfDir}, and Flink restores the job graph from that configuration's {@code
 * execution.savepoint.path}: the second run gets a configuration directory naming the savepoint
 * (or retained checkpoint). The second pipeline is built exactly like the first (same transform
 * names, hence the same operator uids; same collector; same slot name). Retained checkpoints
 * come from {@code --externalizedCheckpointsEnabled} with {@code state.checkpoints.dir} in that
 * configuration; the newest {@code chk-N} is restored. (A savepoint taken with {@code
 * triggerSavepoint} while the job went on would be unsafe to restore on PostgreSQL: later
 * checkpoints acknowledge the slot past it, and a logical slot cannot go back.)
 */
class HandoffRunnersIT {
  private static final long ROWS = 300_000;
  /**
   * The table of the mid-snapshot restore test: smaller, because it is read one row per output
   * element (see {@link Interruption#STOP_WITH_SAVEPOINT_MID_SNAPSHOT}).
   */
  private static final long RESTORE_ROWS = 200_000;
  /**
   * A key no writer touches, inserted last: once its change arrives and the output has been quiet
   * for a while, everything before it has.
   */
  private static final long MARKER = -999_999_999L;
  private static final Duration WAIT = Duration.ofSeconds(90);

  static Stream<Arguments> runnersAndDatabases() {
    return SnapshotRunnersIT.runnersAndDatabases();
  }

  static HeliosDbIO.Read read(TestDatabase db, String table) {
    return HeliosDbIO.read()
        .withConnection(db.connectionConfiguration())
        .withTable(table)
        .withSnapshot(SnapshotOptions.byPrimaryKey().withChunkSize(5_000))
        .withParallelism(4)
        .withCdc(CdcOptions.create().withSlotName(table)
            .withHeartbeatInterval(org.joda.time.Duration.standardSeconds(1)));
  }

  /**
   * A streaming pipeline. Flink: parallelism 2, detached, checkpointing every second, no restarts
   * (a failure ends the job, so the test reports it instead of timing out while Flink restarts the
   * job again and again); with {@code flinkConf}, the Flink configuration directory (checkpoint
   * storage, a savepoint to restore) and checkpoints retained when the job is cancelled.
   */
  static Pipeline pipeline(String runner, @Nullable Path flinkConf) {
    List<String> args = new ArrayList<>(List.of("--runner=" + runner, "--streaming=true"));
    if (runner.equals("FlinkRunner")) {
      args.addAll(List.of("--parallelism=2", "--attachedMode=false",
          "--checkpointingInterval=1000", "--numberOfExecutionRetries=0"));
      if (flinkConf != null) {
        args.addAll(List.of("--flinkConfDir=" + flinkConf, "--externalizedCheckpointsEnabled=true",
            "--retainExternalizedCheckpointsOnCancellation=true"));
      }
    } else {
      args.add("--blockOnRun=false");
    }
    return Pipeline.create(PipelineOptionsFactory.fromArgs(args.toArray(String[]::new)).create());
  }

  /**
   * Writes a Flink configuration directory under {@code dir}: checkpoints and savepoints in
   * {@code dir}, and the savepoint or checkpoint to restore, if any.
   */
  static Path flinkConf(Path dir, String name, @Nullable String restoreFrom) throws IOException {
    Path conf = Files.createDirectories(dir.resolve(name));
    String yaml = "state.checkpoints.dir: " + dir.resolve("checkpoints").toUri() + "\n"
        + "state.savepoints.dir: " + dir.resolve("savepoints").toUri() + "\n"
        + (restoreFrom == null ? "" : "execution.savepoint.path: " + restoreFrom + "\n");
    Files.writeString(conf.resolve("flink-conf.yaml"), yaml);
    return conf;
  }

  /** A running pipeline; on Flink with its job client. */
  static final class Run implements AutoCloseable {
    final PipelineResult result;
    final @Nullable JobClient client;
    final long started = System.currentTimeMillis();

    Run(Pipeline pipeline) {
      result = pipeline.run();
      client = result.getClass().getSimpleName().equals("FlinkDetachedRunnerResult")
          ? jobClient(result) : null;
    }

    /** The job client a detached Flink run holds (a private field, Beam 2.70). */
    static JobClient jobClient(PipelineResult result) {
      try {
        Field field = result.getClass().getDeclaredField("jobClient");
        field.setAccessible(true);
        return (JobClient) Objects.requireNonNull(field.get(result));
      } catch (ReflectiveOperationException e) {
        throw new AssertionError("no JobClient in " + result.getClass(), e);
      }
    }

    /** Fails with the pipeline's error if it ended. */
    void checkRunning() throws Exception {
      if (client == null) {
        // the Direct runner reports a failure through waitUntilFinish, which throws it
        result.waitUntilFinish(org.joda.time.Duration.millis(1));
        return;
      }
      if (client.getJobExecutionResult().isDone()) {
        client.getJobExecutionResult().get(); // throws the failure
        throw new AssertionError("the Flink job ended");
      }
    }

    /**
     * Waits for {@code condition}, failing at once with the pipeline's error if it failed; on a
     * timeout, says how far the output got.
     */
    void await(StreamCollector events, Callable<Boolean> condition) {
      try {
        org.awaitility.Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(100))
            .until(() -> {
              checkRunning();
              return condition.call();
            });
      } catch (org.awaitility.core.ConditionTimeoutException e) {
        throw new AssertionError("timed out " + (System.currentTimeMillis() - started)
            + " ms into the run with " + events.values().size() + " envelopes, "
            + streamed(events) + " of them streamed changes", e);
      }
    }

    /** Stops the Flink job with a savepoint in {@code dir} (no drain): the savepoint's path. */
    String stopWithSavepoint(Path dir) throws Exception {
      String path = Objects.requireNonNull(client)
          .stopWithSavepoint(false, dir.toUri().toString(), SavepointFormatType.CANONICAL)
          .get(60, TimeUnit.SECONDS);
      awaitEnd();
      return path;
    }

    /** Kills the Flink job (cancel: no savepoint, no final checkpoint). */
    void kill() throws Exception {
      Objects.requireNonNull(client).cancel().get(60, TimeUnit.SECONDS);
      awaitEnd();
    }

    /** Waits for the job to end (the local cluster shuts down with it). */
    void awaitEnd() throws InterruptedException, TimeoutException {
      try {
        Objects.requireNonNull(client).getJobExecutionResult().get(60, TimeUnit.SECONDS);
      } catch (ExecutionException cancelledOrFailed) {
        // ended
      }
    }

    @Override
    public void close() throws Exception {
      if (client != null) {
        if (!client.getJobExecutionResult().isDone()) {
          try {
            client.cancel().get(60, TimeUnit.SECONDS);
          } catch (ExecutionException alreadyEnded) {
            // the cluster shut down in between
          }
        }
        awaitEnd();
      } else {
        result.cancel();
      }
    }
  }

  @ParameterizedTest(name = "{0} on {1}")
  @MethodSource("runnersAndDatabases")
  void theOutputReplayedByPositionEqualsTheTableWithEveryChangeOnce(
      String runner, DatabaseKind kind) throws Exception {
    TestDatabase db = TestDatabases.get(kind);
    String table = TestDatabase.uniqueName("it_handoff");
    long created = System.currentTimeMillis();
    TableWriters.createTable(db, table, ROWS);
    StreamCollector events = new StreamCollector();
    try (TableWriters writers = new TableWriters(db, table, ROWS, 2, 0)) {
      Thread.sleep(500); // writing before the snapshot starts
      long setup = System.currentTimeMillis() - created;
      Pipeline pipeline = pipeline(runner, null);
      events.collect(pipeline.apply(read(db, table)), ChangeReplica::render);
      try (Run run = new Run(pipeline)) {
        // the stream starts only after the last chunk: a streamed change means the snapshot is done
        run.await(events, () -> streamed(events) > 0);
        long snapshotDone = System.currentTimeMillis() - run.started;
        long duringSnapshot = writers.transactions();
        run.await(events, () -> streamed(events) >= 2_000);
        Thread.sleep(2_000);
        writers.close();
        assertThat(writers.transactions()).isGreaterThan(duringSnapshot);
        awaitMarker(db, table, run, events);
        long total = System.currentTimeMillis() - run.started;

        Outcome outcome = Outcome.of(db, table, events.values());
        System.out.printf("[%s on %s] table of %,d rows created in %,d ms; snapshot done after %,d"
                + " ms, marker after %,d ms; %,d snapshot rows, %,d changes, %,d identical"
                + " duplicates; writers: %,d transactions (%,d during the snapshot), %,d rolled"
                + " back%n",
            runner, db, ROWS, setup, snapshotDone, total, outcome.replica.snapshotRows(),
            outcome.replica.changes(), outcome.duplicates, writers.transactions(),
            duringSnapshot, writers.rolledBack());
        assertThat(events.duplicates()).as("identical envelopes emitted twice").isEmpty();
        outcome.assertExact();
        assertThat(outcome.replica.snapshotRows()).isGreaterThan((int) (ROWS * 0.9));
        assertThat(outcome.replica.changes()).isGreaterThan(2_000);
      }
    } finally {
      events.clear();
      cleanUp(db, table);
    }
  }

  /**
   * Snapshot then CDC of a set of tables through one stream on each runner: a large, a small and
   * a one-chunk table under writes, each output replayed by position equal to its table.
   */
  @ParameterizedTest(name = "{0} on {1}")
  @MethodSource("runnersAndDatabases")
  void aSetOfTablesThroughOneStreamEachOutputEqualsItsTable(String runner, DatabaseKind kind)
      throws Exception {
    TestDatabase db = TestDatabases.get(kind);
    String prefix = TestDatabase.uniqueName("it_tables");
    Map<String, Long> sizes = new java.util.LinkedHashMap<>();
    sizes.put(prefix + "_a", 20_000L);
    sizes.put(prefix + "_b", 2_000L);
    sizes.put(prefix + "_c", 20L);
    for (Map.Entry<String, Long> table : sizes.entrySet()) {
      TableWriters.createTable(db, table.getKey(), table.getValue());
    }
    String namespace;
    try (java.sql.Connection connection = db.connect()) {
      namespace = db.isPostgres() ? "public" : connection.getCatalog();
    }
    Map<String, StreamCollector> events = new java.util.LinkedHashMap<>();
    List<TableWriters> writers = new ArrayList<>();
    try {
      sizes.forEach((table, rows) -> writers.add(new TableWriters(db, table, rows, 1, 2)));
      Thread.sleep(500); // writing before the snapshot starts
      Pipeline pipeline = pipeline(runner, null);
      org.apache.beam.sdk.values.PCollectionRowTuple output = pipeline.apply(
          HeliosDbIO.readTables()
              .withConnection(db.connectionConfiguration())
              .withTables(sizes.keySet().toArray(String[]::new))
              .withSnapshot(SnapshotOptions.byPrimaryKey().withChunkSize(2_000))
              .withParallelism(4)
              .withCdc(CdcOptions.create().withSlotName(prefix)
                  .withHeartbeatInterval(org.joda.time.Duration.standardSeconds(1))));
      for (String table : sizes.keySet()) {
        StreamCollector collector = new StreamCollector();
        collector.collect(output.get(namespace + "." + table), ChangeReplica::render);
        events.put(table, collector);
      }
      try (Run run = new Run(pipeline)) {
        StreamCollector all = events.values().iterator().next();
        run.await(all, () -> events.values().stream().allMatch(e -> streamed(e) >= 100));
        writers.forEach(TableWriters::close);
        for (String table : sizes.keySet()) {
          awaitMarker(db, table, run, events.get(table));
        }
        for (String table : sizes.keySet()) {
          Outcome outcome = Outcome.of(db, table, events.get(table).values());
          System.out.printf("[%s on %s] %s: %,d snapshot rows, %,d changes%n", runner, db, table,
              outcome.replica.snapshotRows(), outcome.replica.changes());
          assertThat(events.get(table).duplicates()).as(table + " emitted twice").isEmpty();
          outcome.assertExact();
        }
      }
    } finally {
      writers.forEach(TableWriters::close);
      events.values().forEach(StreamCollector::clear);
      if (db.isPostgres()) {
        db.dropSlotAndPublication(prefix);
      }
      sizes.keySet().forEach(db::dropQuietly);
    }
  }

  static Stream<Arguments> interruptions() {
    List<Arguments> cases = new ArrayList<>();
    for (Interruption interruption : Interruption.values()) {
      for (DatabaseKind kind : List.of(DatabaseKind.POSTGRES, DatabaseKind.MYSQL)) {
        cases.add(Arguments.of(interruption, kind));
      }
    }
    return cases.stream();
  }

  /** How and when the first run ends. */
  enum Interruption {
    /**
     * Stop-with-savepoint while chunks are read: graceful, nothing may be emitted twice.
     *
     * <p>Flink's aligned barrier reaches a chunk reader only after every split queued before it
     * has had its first call (a call ends after 10,000 outputs or 10 s), and while the reader is
     * backpressured its resume timers keep running ahead of the barrier. With the default 500 rows
     * per output element a split of these tables is read whole in its first call, so no
     * checkpoint, and no savepoint, completes before the last row is read. The readers here output
     * single rows (10,000 rows per call): the savepoint then lands mid-snapshot (in trials after
     * 50 to 85% of the rows) and holds the unread rest of the splits.
     */
    STOP_WITH_SAVEPOINT_MID_SNAPSHOT,
    /**
     * Stop-with-savepoint while the stream runs: graceful, nothing may be emitted twice; the slot
     * is acknowledged up to the savepoint, where the restored run continues.
     */
    STOP_WITH_SAVEPOINT_MID_STREAM,
    /**
     * Cancel while the stream runs, restore from the last retained checkpoint: what the first run
     * emitted after that checkpoint is emitted again, identically (the collector is not
     * transactional), and only that.
     */
    KILL_MID_STREAM;

    boolean graceful() {
      return this != KILL_MID_STREAM;
    }
  }

  @ParameterizedTest(name = "Flink on {1}: {0}")
  @MethodSource("interruptions")
  void flinkRestoresFromASavepointOrCheckpointWithoutLosingOrAlteringChanges(
      Interruption interruption, DatabaseKind kind, @TempDir Path dir) throws Exception {
    TestDatabase db = TestDatabases.get(kind);
    String table = TestDatabase.uniqueName("it_handoff_restore");
    long rows = interruption == Interruption.STOP_WITH_SAVEPOINT_MID_SNAPSHOT ? RESTORE_ROWS : ROWS;
    TableWriters.createTable(db, table, rows);
    StreamCollector events = new StreamCollector();
    try (TableWriters writers = new TableWriters(db, table, rows, 2, 0)) {
      Thread.sleep(500);
      // the first run
      HeliosDbIO.Read read = interruption == Interruption.STOP_WITH_SAVEPOINT_MID_SNAPSHOT
          ? ReadHooks.withOutputBatchSize(read(db, table), 1) : read(db, table);
      Pipeline first = pipeline("FlinkRunner", flinkConf(dir, "conf1", null));
      events.collect(first.apply(read), ChangeReplica::render);
      String restoreFrom;
      long stopMillis;
      int firstRunOutput;
      long firstRunStreamed;
      long started;
      try (Run run = new Run(first)) {
        started = run.started;
        if (interruption == Interruption.STOP_WITH_SAVEPOINT_MID_SNAPSHOT) {
          run.await(events, () -> events.values().size() >= rows / 10);
          long stopAt = System.currentTimeMillis();
          int atStop = events.values().size();
          restoreFrom = run.stopWithSavepoint(dir.resolve("savepoints"));
          stopMillis = System.currentTimeMillis() - stopAt;
          System.out.printf("[Flink on %s] stop-with-savepoint requested after %,d snapshot rows,"
              + " %,d ms into the run%n", db, atStop, stopAt - started);
        } else {
          run.await(events, () -> streamed(events) >= 3_000);
          Thread.sleep(3_000); // checkpoints complete and the slot is acknowledged meanwhile
          long stopAt = System.currentTimeMillis();
          if (interruption == Interruption.KILL_MID_STREAM) {
            run.kill();
            restoreFrom = lastRetainedCheckpoint(dir.resolve("checkpoints"));
          } else {
            restoreFrom = run.stopWithSavepoint(dir.resolve("savepoints"));
          }
          stopMillis = System.currentTimeMillis() - stopAt;
        }
        firstRunOutput = events.values().size();
        firstRunStreamed = streamed(events);
      }
      System.out.printf("[Flink on %s] %s: the first run emitted %,d envelopes (%,d streamed"
              + " changes), ended %,d ms after the request; restoring from %s%n",
          db, interruption, firstRunOutput, firstRunStreamed, stopMillis, restoreFrom);
      if (interruption == Interruption.STOP_WITH_SAVEPOINT_MID_SNAPSHOT) {
        assertThat(firstRunStreamed).as("stopped before the stream started").isZero();
      }

      // the second run, restored
      long transactionsAtRestore = writers.transactions();
      Pipeline second = pipeline("FlinkRunner", flinkConf(dir, "conf2", restoreFrom));
      events.collect(second.apply(read), ChangeReplica::render);
      try (Run run = new Run(second)) {
        run.await(events, () -> streamed(events) >= firstRunStreamed + 2_000);
        long resumed = System.currentTimeMillis() - run.started;
        Thread.sleep(2_000);
        writers.close();
        awaitMarker(db, table, run, events);
        long total = System.currentTimeMillis() - run.started;

        Outcome outcome = Outcome.of(db, table, events.values());
        long secondRunSnapshotRows =
            events.values().stream().filter(e -> e.startsWith("r|")).count()
                - (firstRunOutput - firstRunStreamed);
        System.out.printf("[Flink on %s] %s: second run streaming %,d ms after its start (%,d"
                + " snapshot rows read by it), marker after %,d ms; both runs: %,d envelopes,"
                + " %,d identical duplicates, %,d snapshot rows, %,d changes; writers: %,d"
                + " transactions (%,d before the restore), %,d rolled back%n",
            db, interruption, resumed, secondRunSnapshotRows, total, outcome.lines,
            outcome.duplicates, outcome.replica.snapshotRows(), outcome.replica.changes(),
            writers.transactions(), transactionsAtRestore, writers.rolledBack());
        if (interruption.graceful()) {
          assertThat(events.duplicates()).as("emitted twice across a graceful stop").isEmpty();
        }
        outcome.assertExact();
        assertThat(outcome.replica.snapshotRows()).isGreaterThan((int) (rows * 0.9));
        if (interruption == Interruption.STOP_WITH_SAVEPOINT_MID_SNAPSHOT) {
          assertThat(secondRunSnapshotRows)
              .as("snapshot rows the restored run read: the savepoint was taken mid-snapshot")
              .isPositive();
        }
      }
    } finally {
      events.clear();
      cleanUp(db, table);
    }
  }

  /** The newest {@code chk-N} with metadata under {@code checkpoints/<job id>/}. */
  static String lastRetainedCheckpoint(Path checkpoints) throws IOException {
    try (Stream<Path> files = Files.walk(checkpoints, 3)) {
      Path newest = files
          .filter(p -> p.getFileName().toString().equals("_metadata"))
          .map(Path::getParent)
          .max(Comparator.comparingLong(
              p -> Long.parseLong(p.getFileName().toString().substring("chk-".length()))))
          .orElseThrow(() -> new AssertionError("no retained checkpoint in " + checkpoints));
      return newest.toUri().toString();
    }
  }

  /** Inserts the marker row and waits for its change, then a second for anything repeated. */
  private static void awaitMarker(TestDatabase db, String table, Run run, StreamCollector events)
      throws Exception {
    db.execute("INSERT INTO " + table + " VALUES (" + MARKER + ", 'marker')");
    String marker = "c|" + MARKER + "|";
    run.await(events, () -> events.values().stream().anyMatch(e -> e.startsWith(marker)));
    // the stream's two readers (before and after the snapshot's plan hands over) reach the
    // collector by separate paths: wait until nothing more arrives
    events.awaitQuiet(2_000, 30_000);
  }

  private static long streamed(StreamCollector events) {
    return events.values().stream().filter(e -> !e.startsWith("r|")).count();
  }

  private static void cleanUp(TestDatabase db, String table) {
    if (db.isPostgres()) {
      db.dropSlotAndPublication(table);
    }
    db.dropQuietly(table);
  }

  /** The output with identical lines dropped, replayed onto a replica, and the table. */
  record Outcome(int lines, int duplicates, ChangeReplica replica, Map<Long, String> table) {
    static Outcome of(TestDatabase db, String table, List<String> output) throws Exception {
      List<String> distinct = new ArrayList<>(new LinkedHashSet<>(output));
      return new Outcome(output.size(), output.size() - distinct.size(),
          ChangeReplica.replay(distinct), TableWriters.contents(db, table));
    }

    /** No violation, and the replica equals the table (differences listed, not whole maps). */
    void assertExact() {
      assertThat(replica.violations().size())
          .as("changes that do not fit the replica, e.g. %s", first(replica.violations()))
          .isZero();
      List<String> differences = new ArrayList<>();
      for (Long id : new TreeSet<>(union())) {
        String want = table.get(id);
        String got = replica.rows().get(id);
        if (!Objects.equals(want, got)) {
          differences.add(id + ": table " + want + ", replica " + got);
        }
      }
      assertThat(differences.size())
          .as("rows where the replica differs from the table, e.g. %s", first(differences))
          .isZero();
    }

    private static List<String> first(List<String> lines) {
      return lines.subList(0, Math.min(20, lines.size()));
    }

    private java.util.Set<Long> union() {
      java.util.Set<Long> ids = new java.util.HashSet<>(table.keySet());
      ids.addAll(replica.rows().keySet());
      return ids;
    }
  }
}
