package io.heliosdb.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Prints the final {@code {"bench":"tables","summary":true,...}} line of a run from the JSON lines
 * of its cases: usage {@code TablesSummary <results.jsonl>}.
 *
 * <p>Per {@code db.runner} and number of tables that ran in both shapes, {@code comparisons}
 * holds: {@code one_source_rows_per_sec} and {@code per_table_rows_per_sec} (snapshot rows/s),
 * {@code rows_per_sec_ratio} = one source ÷ per-table sources; {@code log_readers} (slots held on
 * PostgreSQL, binlog connections on MariaDB) of each shape; on PostgreSQL {@code
 * walsender_cpu_ratio} = per-table sources' WAL sender CPU seconds ÷ the one source's over the
 * streaming phase (each case's own {@code streaming_seconds}, ~{@code post_s}); latency p50/p99 of
 * each shape.
 *
 * <p>{@code all_exactly_once}: every case has lost, duplicates, final_state_mismatches,
 * replay_violations, snapshot_missing, snapshot_duplicates and unexpected all 0 and every table
 * equal to its replayed output ({@code tables_equal} = {@code tables}); {@code
 * one_log_reader}: every {@code one} case held exactly one slot or binlog connection.
 */
public final class TablesSummary {
  private TablesSummary() {}

  private static final List<String> ZERO = List.of("lost", "duplicates",
      "final_state_mismatches", "replay_violations", "snapshot_missing", "snapshot_duplicates",
      "unexpected");

  public static void main(String[] args) throws Exception {
    if (args.length != 1) {
      System.err.println("usage: TablesSummary <results.jsonl>");
      System.exit(2);
    }
    List<JsonNode> lines = BenchSupport.readCaseLines(args[0], "tables");
    int errors = 0;
    boolean exactlyOnce = !lines.isEmpty();
    boolean oneReader = true;
    Map<String, JsonNode> byCase = new LinkedHashMap<>();
    for (JsonNode n : lines) {
      if (n.has("error")) {
        errors++;
        exactlyOnce = false;
        continue;
      }
      for (String field : ZERO) {
        exactlyOnce &= n.path(field).asLong(-1) == 0;
      }
      exactlyOnce &= n.path("tables_equal").asInt(-1) == n.path("tables").asInt();
      if (n.path("shape").asText().equals("one")) {
        oneReader &= logReaders(n) == 1;
      }
      byCase.put(key(n, n.path("shape").asText()), n);
    }
    Map<String, Object> comparisons = new LinkedHashMap<>();
    for (JsonNode perTable : byCase.values()) {
      if (!perTable.path("shape").asText().equals("per-table")) {
        continue;
      }
      JsonNode one = byCase.get(key(perTable, "one"));
      if (one == null) {
        continue;
      }
      Map<String, Object> c = new LinkedHashMap<>();
      c.put("one_source_rows_per_sec", one.path("snapshot_rows_per_sec").asLong());
      c.put("per_table_rows_per_sec", perTable.path("snapshot_rows_per_sec").asLong());
      c.put("rows_per_sec_ratio", ratio(one.path("snapshot_rows_per_sec").asDouble(),
          perTable.path("snapshot_rows_per_sec").asDouble()));
      c.put("one_source_log_readers", logReaders(one));
      c.put("per_table_log_readers", logReaders(perTable));
      if (one.has("walsender_cpu_seconds")) {
        c.put("one_source_walsender_cpu_s", one.path("walsender_cpu_seconds").asDouble());
        c.put("per_table_walsender_cpu_s", perTable.path("walsender_cpu_seconds").asDouble());
        c.put("walsender_cpu_ratio", ratio(perTable.path("walsender_cpu_seconds").asDouble(),
            one.path("walsender_cpu_seconds").asDouble()));
      }
      c.put("one_source_lag_p50_p99_ms", lags(one));
      c.put("per_table_lag_p50_p99_ms", lags(perTable));
      comparisons.put(key(perTable, ""), c);
    }
    Map<String, Object> summary = new LinkedHashMap<>();
    summary.put("bench", "tables");
    summary.put("summary", true);
    summary.put("cases", lines.size());
    summary.put("errors", errors);
    summary.put("all_exactly_once", exactlyOnce);
    summary.put("one_log_reader", oneReader);
    summary.put("comparisons", comparisons);
    BenchSupport.printSummary(summary);
  }

  /** db.runner.tables[.shape] */
  private static String key(JsonNode n, String shape) {
    return n.path("db").asText() + "." + n.path("runner").asText() + "."
        + n.path("tables").asInt() + (shape.isEmpty() ? "" : "." + shape);
  }

  /** "p50/p99" of a case's lags, or null if no change committed after its snapshot arrived. */
  private static String lags(JsonNode n) {
    return n.has("lag_p50_ms")
        ? n.path("lag_p50_ms").asLong() + "/" + n.path("lag_p99_ms").asLong()
        : null;
  }

  /** Slots held (PostgreSQL) or binlog connections (MariaDB) of a case. */
  private static int logReaders(JsonNode n) {
    return n.has("slots_held")
        ? n.path("slots_held").asInt()
        : n.path("binlog_connections").asInt();
  }

  private static Double ratio(double a, double b) {
    return b == 0 ? null : BenchSupport.round(a / b, 2);
  }
}
