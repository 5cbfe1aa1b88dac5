package io.heliosdb.faults;

import io.heliosdb.beam.testing.ChangeReplica;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The output of one or more runs of a change pipeline ({@link ChangeReplica#render} lines, run by
 * run), replayed by position onto a replica and compared with the table.
 *
 * <ul>
 *   <li><b>Identical lines</b> (same envelope, same position) are replayed once; the others are
 *       counted as duplicates: what at-least-once delivery allows after a restart.
 *   <li><b>Snapshot rows read again</b>: a key with snapshot rows ({@code r}) from two runs keeps
 *       only the later run's. A chunk read again after a restore, in a new transaction, sees the
 *       table as it is then, and the stream skips the changes that read saw, so the newer read
 *       replaces the older. The same value is counted as a duplicate; another value as
 *       superseded.
 *   <li><b>Seed</b>: for a change stream without a snapshot, the table's rows before the stream
 *       started, as snapshot rows at a position before every change.
 * </ul>
 *
 * Then {@code lost} lists the table's rows that the replica lacks or holds with another value,
 * and {@code extra} the replica's rows that the table does not hold.
 */
final class OutputCheck {
  final int lines;
  final int duplicates;
  final int superseded;
  final ChangeReplica replica;
  final Map<Long, String> table;
  final List<String> lost = new ArrayList<>();
  final List<String> extra = new ArrayList<>();

  private OutputCheck(List<List<String>> runs, Map<Long, String> seed, String seedPosition,
      Map<Long, String> table) {
    this.table = table;
    // the last run that read each key in a snapshot, and the value it read
    Map<Long, Integer> lastRead = new HashMap<>();
    Map<Long, String> lastValue = new HashMap<>();
    for (int r = 0; r < runs.size(); r++) {
      for (String line : runs.get(r)) {
        if (line.startsWith("r|")) {
          lastRead.put(id(line), r);
          lastValue.put(id(line), value(line));
        }
      }
    }
    int total = 0;
    int supersededReads = 0;
    List<String> replay = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (int r = 0; r < runs.size(); r++) {
      for (String line : runs.get(r)) {
        total++;
        if (line.startsWith("r|") && lastRead.get(id(line)) != r) {
          // a read replaced by a later run's read of the same key
          supersededReads += value(line).equals(lastValue.get(id(line))) ? 0 : 1;
          continue;
        }
        if (seen.add(line)) {
          replay.add(line);
        }
      }
    }
    lines = total;
    superseded = supersededReads;
    duplicates = total - replay.size() - supersededReads;
    seed.forEach((id, v) -> replay.add("r|" + id + "|-|" + v + "|" + seedPosition));
    replica = ChangeReplica.replay(replay);
    Set<Long> keys = new TreeSet<>(table.keySet());
    keys.addAll(replica.rows().keySet());
    for (Long id : keys) {
      String want = table.get(id);
      String got = replica.rows().get(id);
      if (want != null && !want.equals(got)) {
        lost.add(id + ": table " + want + ", replica " + got);
      } else if (want == null) {
        extra.add(id + ": replica " + got + ", not in the table");
      }
    }
  }

  /** The runs' output checked against {@code table}, nothing seeded (snapshot then CDC). */
  static OutputCheck of(List<List<String>> runs, Map<Long, String> table) {
    return new OutputCheck(runs, Map.of(), "", table);
  }

  /** A change stream's runs over {@code seed}, the table's rows where the stream started. */
  static OutputCheck ofStream(List<List<String>> runs, Map<Long, String> seed,
      String seedPosition, Map<Long, String> table) {
    return new OutputCheck(runs, seed, seedPosition, table);
  }

  /** The key of an envelope line. */
  static long id(String line) {
    int a = line.indexOf('|');
    return Long.parseLong(line.substring(a + 1, line.indexOf('|', a + 1)));
  }

  /** The after value of an envelope line. */
  static String value(String line) {
    return line.split("\\|", 5)[3];
  }

  /** The key of a snapshot row written as {@code id|v}. */
  static long idOfRow(String line) {
    return Long.parseLong(line.substring(0, line.indexOf('|')));
  }

  /** The keys of lost or extra rows ({@code "<id>: ..."}). */
  static Set<Long> keysOfRows(List<String> rows) {
    Set<Long> keys = new TreeSet<>();
    rows.forEach(row -> keys.add(Long.parseLong(row.substring(0, row.indexOf(':')))));
    return keys;
  }

  /** The keys of replica violations ({@code "<what>: <envelope line>"}). */
  static Set<Long> keysOfViolations(List<String> violations) {
    Set<Long> keys = new TreeSet<>();
    violations.forEach(v -> keys.add(id(v.substring(v.lastIndexOf(": ") + 2))));
    return keys;
  }

  /**
   * Where the first run's lines that the second output again begin, if they are exactly its tail
   * (every line from the first repeated one on was repeated), else -1; the first run's size if
   * none was repeated.
   */
  static int repeatedSuffixStart(List<String> first, List<String> later) {
    Set<String> again = new HashSet<>(later);
    int start = first.size();
    for (int i = 0; i < first.size(); i++) {
      if (again.contains(first.get(i))) {
        start = i;
        break;
      }
    }
    for (int i = start; i < first.size(); i++) {
      if (!again.contains(first.get(i))) {
        return -1;
      }
    }
    return start;
  }

  /** At most {@code n} of {@code lines}, for messages. */
  static List<String> first(List<String> lines, int n) {
    return lines.subList(0, Math.min(n, lines.size()));
  }

  @Override
  public String toString() {
    return lines + " lines, " + duplicates + " duplicates, " + superseded
        + " snapshot rows superseded by a newer read, " + replica.snapshotRows()
        + " snapshot rows and " + replica.changes() + " changes replayed, "
        + replica.violations().size() + " violations " + first(replica.violations(), 3) + ", "
        + lost.size() + " rows lost " + first(lost, 3) + ", " + extra.size() + " extra rows "
        + first(extra, 3);
  }
}
