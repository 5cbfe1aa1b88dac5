package io.heliosdb.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.heliosdb.beam.cdc.PositionOrder;
import io.heliosdb.beam.dialect.Dialects;
import io.heliosdb.beam.testing.DatabaseKind;
import io.heliosdb.beam.testing.TableWriters;
import io.heliosdb.beam.testing.TestDatabase;
import io.heliosdb.beam.testing.TestDatabases;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Fault scenario 3: the pipeline's JVM is killed with SIGKILL while writers change the table,
 * then started again; the output of both runs, replayed by position onto a replica, must equal
 * the table, with no row lost and duplicates only where the docs allow them (counted, reported).
 *
 * <p>Each pipeline runs in a child JVM ({@link FaultPipelineMain}) that writes every output
 * element to a file with one {@code write} per line, so what it output before the kill is known,
 * and marks the bundles the runner committed (their bundle finalizers ran; on Flink, when the
 * checkpoint after them completed). The output is checked two ways:
 *
 * <ul>
 *   <li><b>committed</b>: the first run's committed lines and all of the second run's, what a
 *       transactional sink would hold. The runner's state accounts for exactly these, so this
 *       view must be exact: replayed, it equals the table, with nothing twice.
 *   <li><b>everything written</b>: what an at-least-once sink holds, including the first run's
 *       lines after the restored checkpoint.
 * </ul>
 *
 * Cases:
 *
 * <ul>
 *   <li><b>Flink, snapshot then CDC, killed mid-snapshot</b>, restored from the newest completed
 *       checkpoint. snapshot-then-cdc.md promises at-least-once after a restore, and that a
 *       restored job reads only the chunks that remain. A chunk read again gets a new transaction
 *       and sees the table as it is then, so the first run's rows of such chunks are compared by
 *       content: the same value is a duplicate, another is superseded by the newer read. A key
 *       that the first run read after the checkpoint and that was deleted before the second run
 *       read its chunk is a <em>stale row</em> in the everything-written view: no run emits its
 *       delete (the second run's read saw it). Such rows are counted and reported; every
 *       difference in that view must be one of them.
 *   <li><b>Flink, CDC, killed mid-stream</b>, restored from the newest completed checkpoint.
 *       cdc.md promises that a run restored from a checkpoint resumes exactly after the last
 *       change claimed in it: the first run's lines after the checkpoint (its uncommitted lines)
 *       are output again, identically, and nothing else.
 *   <li><b>CDC, killed mid-stream, a new job</b> (not restored) "from the last acknowledged
 *       position": PostgreSQL on Flink from the slot, whose confirmed position is the last one a
 *       completed checkpoint acknowledged (cdc.md: duplicates only from after it); MariaDB on the
 *       Direct runner with {@code withStartPosition(<the greatest position the first run
 *       output>)} (cdc.md: "right after that change", so no duplicate).
 * </ul>
 */
class JvmKillFaultIT {
  static {
    ChildPipeline.classpath();
  }

  private static final long SNAPSHOT_ROWS = 200_000;
  private static final long STREAM_ROWS = 20_000;
  /** A key no writer touches, inserted last: once its change arrives, everything before it has. */
  private static final long MARKER = -999_999_999L;
  private static final long WAIT = 60_000;

  @ParameterizedTest(name = "Flink, snapshot then CDC on {0}: kill -9 mid-snapshot, restore")
  @EnumSource(value = DatabaseKind.class, names = {"POSTGRES", "MYSQL"})
  void flinkKilledMidSnapshotRestoresFromTheLastCheckpoint(DatabaseKind kind, @TempDir Path dir)
      throws Exception {
    TestDatabase db = TestDatabases.get(kind);
    String table = TestDatabase.uniqueName("faultb_kill_snap");
    List<ChildPipeline> children = new ArrayList<>();
    boolean passed = false;
    try {
      TableWriters.createTable(db, table, SNAPSHOT_ROWS);
      try (TableWriters writers = new TableWriters(db, table, SNAPSHOT_ROWS, 2, 0)) {
        Thread.sleep(500); // writing before the snapshot starts
        // one row per output element, chunks of 5,000 (as HandoffRunnersIT): with the defaults (500
        // rows per element, chunks of 50,000) the first checkpoint with snapshot rows completed
        // only once every row was output (measured twice on both databases), so no kill could
        // land between a checkpoint and the end of the snapshot
        List<String> args = List.of("db=" + kind, "table=" + table, "mode=handoff",
            "runner=flink", "chunkSize=5000", "outputBatchSize=1");
        ChildPipeline first = start(children, dir, "run1", args,
            "flinkConf=" + ChildPipeline.flinkConf(dir, "conf1", null));
        Path checkpoints = dir.resolve("checkpoints");
        first.await("a tenth of the snapshot", WAIT, () -> first.count() > SNAPSHOT_ROWS / 10);
        Kill kill = killAfterNextCommit(first, checkpoints);
        List<String> run1 = kill.lines();
        List<String> run1Committed = kill.committed();
        List<String> run1Uncommitted = kill.uncommitted();
        long streamedBeforeKill = run1.stream().filter(l -> !l.startsWith("r|")).count();
        assertThat(streamedBeforeKill).as("killed before the stream started").isZero();

        SecondRun second = secondRun(children, dir, restored(args, dir, kill), writers, db, table,
            "1,000 streamed changes", run -> streamed(run) >= 1_000);
        List<String> run2 = second.lines();
        long recovery = second.recoveryMillis();

        Map<Long, String> contents = TableWriters.contents(db, table);
        OutputCheck committed = OutputCheck.of(List.of(run1Committed, run2), contents);
        OutputCheck written = OutputCheck.of(List.of(run1, run2), contents);
        Set<Long> stale = staleRows(run1Uncommitted, run2);
        Set<Long> differing = new TreeSet<>(OutputCheck.keysOfRows(written.extra));
        differing.addAll(OutputCheck.keysOfRows(written.lost));
        differing.addAll(OutputCheck.keysOfViolations(written.replica.violations()));
        Set<Long> unexplained = new TreeSet<>(differing);
        unexplained.removeAll(stale);
        long run2Reads = run2.stream().filter(l -> l.startsWith("r|")).count();
        System.out.printf("[%s] run 1: %,d rows (%,d committed), killed %s; run 2: %,d lines"
                + " (%,d snapshot rows)%n  committed view: %s%n  everything written: %s%n"
                + "  stale rows: %,d, differing keys: %,d, unexplained: %s; writers: %,d"
                + " transactions%n",
            db, run1.size(), run1Committed.size(), kill, run2.size(), run2Reads, committed,
            written, stale.size(), differing.size(), unexplained.stream().limit(10).toList(),
            writers.transactions());
        kill.describe(FaultResult.of("jvm-kill-mid-snapshot", name(db), "flink",
                "snapshot-then-cdc"))
            .expected(contents.size()).lost(lost(committed, written))
            .duplicates(written.duplicates).recoveryMillis(recovery)
            .detail("rows", SNAPSHOT_ROWS)
            .detail("run1_rows", run1.size())
            .detail("run1_committed_rows", run1Committed.size())
            .detail("run2_snapshot_rows", run2Reads)
            .detail("run2_lines", run2.size())
            .detail("committed_view_duplicates", committed.duplicates)
            .detail("written_view_superseded_rows", written.superseded)
            .detail("written_view_stale_rows", stale.size())
            .detail("written_view_differing_keys", differing.size())
            .detail("written_view_unexplained_keys", unexplained.size())
            .detail("writer_transactions", writers.transactions())
            .detail("promise", "at-least-once after a restore; a restored job reads only the"
                + " chunks that remain")
            .report();
        assertExact("committed view", committed);
        assertThat(committed.duplicates).as("committed rows read again by the restored run")
            .isZero();
        assertThat(run2Reads).as("snapshot rows the restored run read").isPositive()
            .isLessThan(SNAPSHOT_ROWS);
        assertThat(written.lost).as("everything written: rows lost (%s)", written).isEmpty();
        assertThat(unexplained).as("everything written: differences other than stale rows (%s)",
            written).isEmpty();
      }
      passed = true;
    } finally {
      cleanUp(children, db, table, passed);
    }
  }

  /**
   * Keys the first run read as snapshot rows after the restored checkpoint (uncommitted) that the
   * second run did not read, though it read keys near them (a chunk read again: the key was gone
   * by then, and the stream skips its delete, which that read saw).
   */
  static Set<Long> staleRows(List<String> run1Uncommitted, List<String> run2) {
    NavigableSet<Long> reread = new TreeSet<>();
    run2.stream().filter(l -> l.startsWith("r|")).forEach(l -> reread.add(OutputCheck.id(l)));
    Set<Long> stale = new TreeSet<>();
    for (String line : run1Uncommitted) {
      long id = OutputCheck.id(line);
      if (line.startsWith("r|") && !reread.contains(id)
          && !reread.subSet(id - 50, true, id + 50, true).isEmpty()) {
        stale.add(id);
      }
    }
    return stale;
  }

  @ParameterizedTest(name = "Flink, CDC on {0}: kill -9 mid-stream, restore")
  @EnumSource(value = DatabaseKind.class, names = {"POSTGRES", "MYSQL"})
  void flinkKilledMidStreamRestoresFromTheLastCheckpoint(DatabaseKind kind, @TempDir Path dir)
      throws Exception {
    TestDatabase db = TestDatabases.get(kind);
    String table = TestDatabase.uniqueName("faultb_kill_cdc");
    List<ChildPipeline> children = new ArrayList<>();
    boolean passed = false;
    try {
      TableWriters.createTable(db, table, STREAM_ROWS);
      Stream stream = Stream.prepare(db, table);
      List<String> args = stream.args(kind, table, "flink");
      ChildPipeline first = start(children, dir, "run1", args,
          "flinkConf=" + ChildPipeline.flinkConf(dir, "conf1", null));
      try (TableWriters writers = new TableWriters(db, table, STREAM_ROWS, 2, 0)) {
        Path checkpoints = dir.resolve("checkpoints");
        first.await("2,000 changes and 2 checkpoints", WAIT,
            () -> first.count() >= 2_000 && completed(checkpoints) >= 2);
        Kill kill = killAfterNextCommit(first, checkpoints);
        List<String> run1 = kill.lines();
        List<String> run1Committed = kill.committed();
        List<String> run1Uncommitted = kill.uncommitted();

        SecondRun second = secondRun(children, dir, restored(args, dir, kill), writers, db, table,
            "2,000 changes", run -> run.count() >= 2_000);
        List<String> run2 = second.lines();
        long recovery = second.recoveryMillis();

        Map<Long, String> contents = TableWriters.contents(db, table);
        OutputCheck committed = OutputCheck.ofStream(List.of(run1Committed, run2), stream.seed(),
            stream.seedPosition(), contents);
        OutputCheck written = OutputCheck.ofStream(List.of(run1, run2), stream.seed(),
            stream.seedPosition(), contents);
        Set<String> again = new HashSet<>(run1);
        again.retainAll(new HashSet<>(run2));
        int suffix = OutputCheck.repeatedSuffixStart(run1, run2);
        System.out.printf("[flink %s] run 1: %,d changes (%,d committed), killed %s; run 2: %,d"
                + " changes%n  committed view: %s%n  everything written: %s%n  output again:"
                + " %,d, the tail of run 1: %s%n",
            db, run1.size(), run1Committed.size(), kill, run2.size(), committed, written,
            again.size(), suffix >= 0);
        kill.describe(FaultResult.of("jvm-kill-mid-stream", name(db), "flink", "cdc"))
            .expected(contents.size()).lost(lost(committed, written))
            .duplicates(written.duplicates).recoveryMillis(recovery)
            .detail("run1_changes", run1.size())
            .detail("run1_committed_changes", run1Committed.size())
            .detail("run2_changes", run2.size())
            .detail("committed_view_duplicates", committed.duplicates)
            .detail("repeated_are_tail_of_run1", suffix >= 0)
            .detail("writer_transactions", writers.transactions())
            .detail("promise", "a restored run resumes exactly after the last change claimed at"
                + " the checkpoint; what the killed run output after it comes again")
            .report();
        assertExact("committed view", committed);
        assertThat(committed.duplicates).as("committed changes output again").isZero();
        assertExact("everything written", written);
        assertThat(again).as("the changes output again are the first run's uncommitted ones")
            .isEqualTo(new HashSet<>(run1Uncommitted));
        assertThat(suffix).as("the changes output again are the tail of the first run")
            .isNotNegative();
      }
      passed = true;
    } finally {
      cleanUp(children, db, table, passed);
    }
  }

  /**
   * A new job (not restored) after {@code kill -9}, from the last acknowledged position.
   * PostgreSQL: on Flink, from the slot, whose confirmed position is the last one a completed
   * checkpoint acknowledged. (Not on the Direct runner: it finalizes a source bundle as soon as
   * it is handed on in memory, before the steps after it ran, so a killed Direct runner can have
   * acknowledged changes its sink never saw; cdc.md says so.) MariaDB: on the Direct runner, with
   * {@code withStartPosition(<the greatest position the sink wrote>)}, what a user stores.
   */
  @ParameterizedTest(name = "CDC on {0}: kill -9 mid-stream, a new job from the last"
      + " acknowledged position")
  @EnumSource(value = DatabaseKind.class, names = {"POSTGRES", "MYSQL"})
  void killedMidStreamANewJobResumesFromTheLastAcknowledgedPosition(DatabaseKind kind,
      @TempDir Path dir) throws Exception {
    TestDatabase db = TestDatabases.get(kind);
    String table = TestDatabase.uniqueName("faultb_kill_ack");
    List<ChildPipeline> children = new ArrayList<>();
    boolean passed = false;
    String runner = db.isPostgres() ? "flink" : "direct";
    try {
      TableWriters.createTable(db, table, STREAM_ROWS);
      Stream stream = Stream.prepare(db, table);
      List<String> args = new ArrayList<>(stream.args(kind, table, runner));
      ChildPipeline first;
      if (db.isPostgres()) {
        first = start(children, dir, "run1", args,
            "flinkConf=" + ChildPipeline.flinkConf(dir, "conf1", null));
      } else {
        // one thread: the sink writes the changes in the order they were emitted, so that the
        // greatest position output is the last one processed (what a resuming user stores)
        args.add("targetParallelism=1");
        first = start(children, dir, "run1", args);
      }
      try (TableWriters writers = new TableWriters(db, table, STREAM_ROWS, 2, 0)) {
        long killedAfter;
        if (db.isPostgres()) {
          Path checkpoints = dir.resolve("checkpoints");
          first.await("2,000 changes and 2 checkpoints", WAIT,
              () -> first.count() >= 2_000 && completed(checkpoints) >= 2);
          killedAfter = killAfterNextCommit(first, checkpoints).afterMillis();
        } else {
          first.await("2,000 changes", WAIT, () -> first.count() >= 2_000);
          killedAfter = first.ageMillis();
          first.kill();
        }
        List<String> run1 = List.copyOf(first.lines());

        List<String> resume = new ArrayList<>(args);
        String from;
        String ack = db.isPostgres() ? confirmedFlushLsn(db, table) : null;
        if (db.isPostgres()) {
          from = "the slot, confirmed_flush_lsn " + ack;
          resume.add("flinkConf=" + ChildPipeline.flinkConf(dir, "conf2", null)); // no restore
        } else {
          String last = run1.stream().map(l -> l.split("\\|", 5)[4])
              .max(PositionOrder.INSTANCE).orElseThrow();
          resume.removeIf(a -> a.startsWith("startPosition="));
          resume.add("startPosition=" + last);
          from = "withStartPosition(" + last + ")";
        }
        SecondRun second = secondRun(children, dir, resume, writers, db, table, "2,000 changes",
            run -> run.count() >= 2_000);
        List<String> run2 = second.lines();
        long recovery = second.recoveryMillis();

        Map<Long, String> contents = TableWriters.contents(db, table);
        OutputCheck written = OutputCheck.ofStream(List.of(run1, run2), stream.seed(),
            stream.seedPosition(), contents);
        Set<String> again = new HashSet<>(run1);
        again.retainAll(new HashSet<>(run2));
        int suffix = OutputCheck.repeatedSuffixStart(run1, run2);
        long beforeAck = ack == null ? 0 : again.stream()
            .filter(l -> PositionOrder.INSTANCE.compare(position(l), ack) < 0).count();
        System.out.printf("[" + runner + " %s] run 1: %,d changes, killed after %,d ms; run 2 from %s:"
                + " %,d changes%n  everything written: %s%n  output again: %,d (%,d before the"
                + " acknowledged position), the tail of run 1: %s%n",
            db, run1.size(), killedAfter, from, run2.size(), written, again.size(), beforeAck,
            suffix >= 0);
        FaultResult.of("jvm-kill-resume-acknowledged", name(db), runner, "cdc")
            .expected(contents.size()).lost(written.lost.size())
            .duplicates(written.duplicates).recoveryMillis(recovery)
            .detail("killed_after_ms", killedAfter)
            .detail("run1_changes", run1.size())
            .detail("run2_changes", run2.size())
            .detail("resumed_from", from)
            .detail("repeated_before_ack", beforeAck)
            .detail("repeated_are_tail_of_run1", suffix >= 0)
            .detail("writer_transactions", writers.transactions())
            .detail("promise", db.isPostgres()
                ? "from the slot: duplicates only from after the last acknowledged position"
                : "withStartPosition(<last output>): right after that change, no duplicate")
            .report();
        assertExact("everything written", written);
        if (db.isPostgres()) {
          assertThat(suffix).as("the changes output again are the tail of the first run")
              .isNotNegative();
          assertThat(beforeAck).as("changes output again from before the acknowledged position")
              .isZero();
        } else {
          assertThat(written.duplicates).as("duplicates after withStartPosition(last output)")
              .isZero();
        }
      }
      passed = true;
    } finally {
      cleanUp(children, db, table, passed);
    }
  }

  /**
   * A kill: when, the checkpoint to restore and how long before the kill it completed, and what
   * the killed run output (all of it, in committed bundles, in the others).
   */
  record Kill(long afterMillis, long commitsSeen, Path checkpoint, long checkpointAgeMillis,
      int checkpoints, List<String> lines, List<String> committed, List<String> uncommitted) {
    String restoreFrom() {
      return checkpoint.toUri().toString();
    }

    FaultResult describe(FaultResult result) {
      return result.detail("killed_after_ms", afterMillis)
          .detail("restored_checkpoint", checkpoint.getFileName().toString())
          .detail("restored_checkpoint_age_ms", checkpointAgeMillis);
    }

    @Override
    public String toString() {
      return afterMillis + " ms into the run, " + commitsSeen + " bundles committed; restoring "
          + checkpoint.getFileName() + " (" + checkpoints + " completed, the newest "
          + checkpointAgeMillis + " ms old)";
    }
  }

  /**
   * Kills the child 100 ms after the runner next committed bundles (a checkpoint completed and
   * its notification reached the sink; the next one is about a second away), and finds the newest
   * completed checkpoint.
   */
  static Kill killAfterNextCommit(ChildPipeline child, Path checkpoints) throws Exception {
    int commits = child.commits();
    child.await("the next checkpoint", WAIT, () -> child.commits() > commits);
    Thread.sleep(100);
    long killedAt = System.currentTimeMillis();
    long afterMillis = child.ageMillis();
    child.kill();
    List<Path> completed = ChildPipeline.completedCheckpoints(checkpoints);
    Path newest = completed.get(completed.size() - 1);
    long age = killedAt - Files.getLastModifiedTime(newest.resolve("_metadata")).toMillis();
    return new Kill(afterMillis, child.commits(), newest, age, completed.size(),
        List.copyOf(child.lines()), child.lines(true), child.lines(false));
  }

  /** {@code args} with a Flink configuration that restores the checkpoint of {@code kill}. */
  private static List<String> restored(List<String> args, Path dir, Kill kill) throws IOException {
    List<String> restored = new ArrayList<>(args);
    restored.add("flinkConf=" + ChildPipeline.flinkConf(dir, "conf2", kill.restoreFrom()));
    return restored;
  }

  /** What the second run output, and how long after its start the first element came. */
  record SecondRun(List<String> lines, long recoveryMillis) {}

  /**
   * Starts the second run, times its first output, waits until it is {@code ready} (caught up),
   * stops the writers, waits for the marker's change, and kills it.
   */
  static SecondRun secondRun(List<ChildPipeline> children, Path dir, List<String> args,
      TableWriters writers, TestDatabase db, String table, String readyWhat,
      java.util.function.Predicate<ChildPipeline> ready) throws Exception {
    long restartAt = System.currentTimeMillis();
    ChildPipeline second = start(children, dir, "run2", args);
    second.await("the second run's first output", WAIT, () -> second.count() > 0);
    long recovery = System.currentTimeMillis() - restartAt;
    second.await(readyWhat, WAIT, () -> ready.test(second));
    writers.close();
    awaitMarker(db, table, second);
    second.kill();
    return new SecondRun(List.copyOf(second.lines()), recovery);
  }

  /** A CDC table's start: its rows and where the stream starts (slot, or binlog position). */
  record Stream(Map<Long, String> seed, String seedPosition, String startPosition) {
    /** PostgreSQL: the publication and slot now; MariaDB: the binlog position now. */
    static Stream prepare(TestDatabase db, String table) throws Exception {
      Map<Long, String> seed = TableWriters.contents(db, table);
      if (db.isPostgres()) {
        db.createPublicationAndSlot(table);
        return new Stream(seed, "0/0", null);
      }
      try (Connection connection = db.connect()) {
        String position = Dialects.forJdbcUrl(db.url(), db.url()).currentLogPosition(connection);
        return new Stream(seed, position, position);
      }
    }

    List<String> args(DatabaseKind kind, String table, String runner) {
      List<String> args = new ArrayList<>(
          List.of("db=" + kind, "table=" + table, "mode=cdc", "runner=" + runner));
      if (startPosition != null) {
        args.add("startPosition=" + startPosition);
      }
      return args;
    }
  }

  /** The keys lost in either view. */
  private static int lost(OutputCheck committed, OutputCheck written) {
    Set<Long> keys = new TreeSet<>(OutputCheck.keysOfRows(committed.lost));
    keys.addAll(OutputCheck.keysOfRows(written.lost));
    return keys.size();
  }

  private static String position(String line) {
    return line.split("\\|", 5)[4];
  }

  private static void assertExact(String view, OutputCheck check) {
    assertThat(check.replica.violations())
        .as("%s: changes that do not fit the replica (%s)", view, check).isEmpty();
    assertThat(check.lost).as("%s: rows of the table lost or wrong in the replica (%s)", view,
        check).isEmpty();
    assertThat(check.extra).as("%s: rows of the replica not in the table (%s)", view, check)
        .isEmpty();
  }

  static ChildPipeline start(List<ChildPipeline> children, Path dir, String name,
      List<String> args, String... more) throws Exception {
    List<String> all = new ArrayList<>(args);
    all.addAll(List.of(more));
    ChildPipeline child = ChildPipeline.start(dir, name, "1g", all);
    children.add(child);
    return child;
  }

  private static long streamed(ChildPipeline child) {
    return child.lines().stream().filter(l -> !l.startsWith("r|")).count();
  }

  private static int completed(Path checkpoints) {
    try {
      return ChildPipeline.completedCheckpoints(checkpoints).size();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Inserts the marker row and waits for its change, then a second for anything after it. */
  static void awaitMarker(TestDatabase db, String table, ChildPipeline child) throws Exception {
    db.execute("INSERT INTO " + table + " VALUES (" + MARKER + ", 'marker')");
    child.await("the marker's change", WAIT,
        () -> child.outputRecently("c|" + MARKER + "|", 10_000));
    Thread.sleep(1_000);
  }

  static String confirmedFlushLsn(TestDatabase db, String slot) throws Exception {
    try (Connection connection = db.connect();
        ResultSet rs = connection.createStatement().executeQuery(
            "SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = '"
                + slot + "'")) {
      return rs.next() ? rs.getString(1) : null;
    }
  }

  static String name(TestDatabase db) {
    return db.isPostgres() ? "postgres" : "mariadb";
  }

  /**
   * Kills the children still running; if the scenario failed, keeps their output and logs under
   * {@code target/fault-runs/<table>/}; then drops the slot, publication and table.
   */
  static void cleanUp(List<ChildPipeline> children, TestDatabase db, String table,
      boolean passed) throws InterruptedException {
    try {
      for (ChildPipeline child : children) {
        child.close();
      }
      if (!passed) {
        Path keep = keepDir(table);
        for (ChildPipeline child : children) {
          Files.copy(child.output, keep.resolve(child.output.getFileName()),
              StandardCopyOption.REPLACE_EXISTING);
          Files.copy(child.log, keep.resolve(child.log.getFileName()),
              StandardCopyOption.REPLACE_EXISTING);
        }
        System.err.println("the output and logs of the failed scenario are in " + keep);
      }
    } catch (IOException e) {
      System.err.println("could not keep the output of " + table + ": " + e);
    } finally {
      if (db.isPostgres()) {
        db.dropSlotAndPublication(table);
      }
      db.dropQuietly(table);
    }
  }

  /** Where a failed scenario's files are kept: {@code target/fault-runs/<table>/}. */
  static Path keepDir(String table) throws IOException {
    return Files.createDirectories(Path.of("target", "fault-runs", table));
  }
}
