package io.heliosdb.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Prints the final {@code {"bench":"incremental","summary":true,...}} line of a run from the JSON
 * lines of its cases: usage {@code IncrementalSummary <results.jsonl>}.
 *
 * <p>Per case ({@code db.runner}): {@code pass} is true when the p99 lag is at most the target
 * (poll interval + commit delay + 500 ms) and every inserted row arrived exactly once, false
 * otherwise, "error" for a case that failed; {@code lag_p99_ms}, {@code target_p99_ms}, {@code
 * exactly_once} (lost, duplicates and unexpected all 0) and {@code idle_queries_per_s} repeat the
 * case lines' figures.
 */
public final class IncrementalSummary {
  private IncrementalSummary() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 1) {
      System.err.println("usage: IncrementalSummary <results.jsonl>");
      System.exit(2);
    }
    List<JsonNode> lines = BenchSupport.readCaseLines(args[0], "incremental");
    Map<String, Object> pass = new LinkedHashMap<>();
    Map<String, Object> p99 = new LinkedHashMap<>();
    Map<String, Object> targets = new LinkedHashMap<>();
    Map<String, Object> exactlyOnce = new LinkedHashMap<>();
    Map<String, Object> idle = new LinkedHashMap<>();
    int errors = 0;
    boolean allPass = !lines.isEmpty();
    for (JsonNode n : lines) {
      String key = n.path("db").asText() + "." + n.path("runner").asText();
      long target =
          (n.path("poll_interval_s").asLong() + n.path("commit_delay_s").asLong()) * 1000 + 500;
      targets.put(key, target);
      if (n.has("error")) {
        errors++;
        allPass = false;
        pass.put(key, "error");
        p99.put(key, null);
        exactlyOnce.put(key, null);
        idle.put(key, null);
        continue;
      }
      long lag = n.path("lag_p99_ms").asLong(-1);
      boolean once =
          n.path("lost").asLong(-1) == 0
              && n.path("duplicates").asLong(-1) == 0
              && n.path("unexpected").asLong(0) == 0;
      boolean ok = lag >= 0 && n.path("rows").asLong(0) > 0 && lag <= target && once;
      allPass &= ok;
      pass.put(key, ok);
      p99.put(key, lag);
      exactlyOnce.put(key, once);
      idle.put(key, n.has("idle_queries_per_s") ? n.get("idle_queries_per_s").asDouble() : null);
    }
    Map<String, Object> summary = new LinkedHashMap<>();
    summary.put("bench", "incremental");
    summary.put("summary", true);
    summary.put("cases", lines.size());
    summary.put("errors", errors);
    summary.put("all_pass", allPass);
    summary.put("pass", pass);
    summary.put("lag_p99_ms", p99);
    summary.put("target_p99_ms", targets.values().stream().distinct().count() == 1
        ? targets.values().iterator().next() : targets);
    summary.put("exactly_once", exactlyOnce);
    summary.put("idle_queries_per_s", idle);
    BenchSupport.printSummary(summary);
  }
}
