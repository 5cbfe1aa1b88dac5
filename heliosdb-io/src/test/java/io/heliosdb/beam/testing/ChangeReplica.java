package io.heliosdb.beam.testing;

import io.heliosdb.beam.cdc.PositionOrder;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.values.Row;

/**
 * Replays the change envelopes of a table of {@code (id BIGINT, v VARCHAR)} onto an in-memory
 * replica in position order, checking each change against the replica as it goes: an insert must
 * find its key absent, an update or delete must find exactly its before image, a truncate
 * ({@code t}) empties the replica. A change lost, repeated, or one the snapshot row already
 * contained breaks that chain and is reported. The order is {@code PositionOrder}'s, or that of
 * the {@code order_key} as plain text ({@link #replayByOrderKey}).
 */
public final class ChangeReplica {
  /** {@code op|id|before v|after v|position}, one line per envelope ({@code id} - for a truncate). */
  public static String render(Row change) {
    Row before = change.getRow("before");
    Row after = change.getRow("after");
    Row key = after != null ? after : before;
    return change.getString("op") + "|" + (key == null ? "-" : key.getValue("id")) + "|"
        + (before == null ? "-" : before.getString("v")) + "|"
        + (after == null ? "-" : after.getString("v")) + "|" + change.getString("position");
  }

  /** {@link #render}, then {@code |order_key}: for {@link #replayByOrderKey}. */
  public static String renderWithOrderKey(Row change) {
    return render(change) + "|" + change.getString("order_key");
  }

  private final Map<Long, String> rows = new TreeMap<>();
  private final List<String> violations = new ArrayList<>();
  private int snapshotRows;
  private int changes;

  /**
   * Replays rendered envelopes (in any arrival order; sorted here by position, which keeps each
   * key's changes in their order and places a truncate among all of them).
   */
  public static ChangeReplica replay(List<String> rendered) {
    return replay(rendered, Comparator.comparing(e -> e[4], PositionOrder.INSTANCE));
  }

  /**
   * Replays envelopes rendered with {@link #renderWithOrderKey}, sorted by {@code order_key} as
   * plain text ({@link String#compareTo}) and nothing else.
   */
  public static ChangeReplica replayByOrderKey(List<String> rendered) {
    return replay(rendered, Comparator.comparing(e -> e[5]));
  }

  /**
   * Replays what {@code events} collected until it equals {@code table}'s rows (read once: the
   * writers have stopped), at most {@code maxMillis}, then until nothing more arrives for two
   * seconds; returns the last replay. The outputs of parallel bundles reach a collector by
   * separate paths and in any order, so an earlier change may arrive after a later marker: a
   * test waits for the state it checks, and its assertions then show what never came.
   */
  public static ChangeReplica awaitReplay(
      StreamCollector events, Map<Long, String> table, long maxMillis)
      throws InterruptedException {
    long deadline = System.currentTimeMillis() + maxMillis;
    while (!replay(events.values()).rows().equals(table)
        && System.currentTimeMillis() < deadline) {
      Thread.sleep(200);
    }
    events.awaitQuiet(2_000, 30_000); // anything later or repeated would arrive by now
    return replay(events.values());
  }

  private static ChangeReplica replay(List<String> rendered, Comparator<String[]> order) {
    ChangeReplica replica = new ChangeReplica();
    List<String[]> events = new ArrayList<>();
    rendered.forEach(line -> events.add(line.split("\\|", 6)));
    events.sort(order);
    events.forEach(replica::apply);
    return replica;
  }

  private void apply(String[] event) {
    String op = event[0];
    if (op.equals("t")) {
      changes++;
      rows.clear();
      return;
    }
    long id = Long.parseLong(event[1]);
    String current = rows.get(id);
    switch (op) {
      case "r" -> {
        snapshotRows++;
        if (current != null) {
          violations.add("snapshot row of a key already present: " + String.join("|", event));
        }
        rows.put(id, event[3]);
      }
      case "c" -> {
        changes++;
        if (current != null) {
          violations.add("insert of a present key (" + current + "): " + String.join("|", event));
        }
        rows.put(id, event[3]);
      }
      case "u" -> {
        changes++;
        if (!event[2].equals(current)) {
          violations.add("update whose before image is not the replica's " + current + ": "
              + String.join("|", event));
        }
        rows.put(id, event[3]);
      }
      case "d" -> {
        changes++;
        if (!event[2].equals(current)) {
          violations.add("delete whose before image is not the replica's " + current + ": "
              + String.join("|", event));
        }
        rows.remove(id);
      }
      default -> violations.add("unknown op: " + String.join("|", event));
    }
  }

  /**
   * Where the replica differs from {@code table}: each differing key with its value on both sides
   * and the envelopes of that key in replay order, so that a failure shows which change was lost.
   */
  public static String differences(
      Map<Long, String> replica, Map<Long, String> table, List<String> rendered) {
    java.util.Set<Long> keys = new java.util.TreeSet<>(replica.keySet());
    keys.addAll(table.keySet());
    StringBuilder out = new StringBuilder();
    List<String[]> events = new ArrayList<>();
    rendered.forEach(line -> events.add(line.split("\\|", 6)));
    events.sort(Comparator.comparing(e -> e[4], PositionOrder.INSTANCE));
    for (Long key : keys) {
      if (java.util.Objects.equals(replica.get(key), table.get(key))) {
        continue;
      }
      out.append("key ").append(key).append(": replica ").append(replica.get(key))
          .append(", table ").append(table.get(key)).append('\n');
      for (String[] event : events) {
        if (event[1].equals(String.valueOf(key))) {
          out.append("    ").append(String.join("|", event)).append('\n');
        }
      }
    }
    return out.toString();
  }

  /** The replica: {@code id -> v}. */
  public Map<Long, String> rows() {
    return rows;
  }

  /** Changes that did not fit the replica's state when applied (empty when exactly once). */
  public List<String> violations() {
    return violations;
  }

  public int snapshotRows() {
    return snapshotRows;
  }

  public int changes() {
    return changes;
  }
}
