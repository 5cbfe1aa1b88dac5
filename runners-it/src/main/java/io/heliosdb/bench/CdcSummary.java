package io.heliosdb.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Prints the final {@code {"bench":"cdc","summary":true,...}} line of a run from the JSON lines of
 * its cases: usage {@code CdcSummary <results.jsonl>}.
 *
 * <p>Targets, each reported with its figure per case and true / false / "error" / null (case not
 * run):
 *
 * <ul>
 *   <li>{@code spec_p99_under_100ms}: every latency case ({@code db.runner.tx_per_s}), p99 &lt; 100
 *       ms and nothing lost (spec: p99 &lt; 100 ms on both runners);
 *   <li>{@code flink_p99_under_25ms_at_200}: the Flink cases at 200 tx/s, p99 &lt; 25 ms and
 *       nothing lost (our own target);
 *   <li>{@code flink_bulk_50k_per_s}: the Flink bulk cases, &gt;= 50,000 changes/s, nothing lost
 *       (our own target).
 * </ul>
 *
 * <p>Also: {@code lost} and {@code duplicates} summed over the cases that ran, and {@code
 * under_rate}: latency cases whose writers achieved less than 95% of the rate asked (their
 * latency is for the achieved rate).
 */
public final class CdcSummary {
  private CdcSummary() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 1) {
      System.err.println("usage: CdcSummary <results.jsonl>");
      System.exit(2);
    }
    List<JsonNode> lines = BenchSupport.readCaseLines(args[0], "cdc");
    Map<String, Object> spec = new LinkedHashMap<>();
    Map<String, Object> flink25 = new LinkedHashMap<>();
    Map<String, Object> bulk50k = new LinkedHashMap<>();
    Map<String, Object> underRate = new LinkedHashMap<>();
    boolean specPass = false;
    boolean specSeen = false;
    int errors = 0;
    long lost = 0;
    long duplicates = 0;
    for (JsonNode n : lines) {
      String db = n.path("db").asText();
      String runner = n.path("runner").asText();
      boolean bulk = "bulk".equals(n.path("mode").asText());
      boolean error = n.has("error");
      if (error) {
        errors++;
      }
      lost += n.path("lost").asLong(0);
      duplicates += n.path("duplicates").asLong(0);
      boolean none = n.path("lost").asLong(-1) == 0;
      if (bulk) {
        if (!runner.equals("flink")) {
          continue;
        }
        long rate = n.path("changes_per_sec").asLong(-1);
        bulk50k.put(db + ".flink", verdict(error, rate >= 50_000 && none, rate));
        continue;
      }
      long txPerS = n.path("tx_per_s").asLong();
      String key = db + "." + runner + "." + txPerS;
      long p99 = n.path("latency_p99_ms").asLong(-1);
      boolean ok = !error && p99 >= 0 && p99 < 100 && none;
      spec.put(key, verdict(error, ok, p99));
      specPass = (specSeen ? specPass : true) && ok;
      specSeen = true;
      if (runner.equals("flink") && txPerS == 200) {
        flink25.put(db + ".flink.200", verdict(error, !error && p99 >= 0 && p99 < 25 && none,
            p99));
      }
      double achieved = n.path("achieved_tx_per_s").asDouble(-1);
      if (!error && achieved >= 0 && achieved < 0.95 * txPerS) {
        underRate.put(key, achieved);
      }
    }
    Map<String, Object> summary = new LinkedHashMap<>();
    summary.put("bench", "cdc");
    summary.put("summary", true);
    summary.put("cases", lines.size());
    summary.put("errors", errors);
    summary.put("spec_p99_under_100ms_pass", specSeen ? specPass : null);
    summary.put("spec_p99_under_100ms", spec);
    summary.put("flink_p99_under_25ms_at_200", flink25);
    summary.put("flink_bulk_50k_per_s", bulk50k);
    summary.put("lost", lost);
    summary.put("duplicates", duplicates);
    summary.put("under_rate", underRate);
    BenchSupport.printSummary(summary);
  }

  /** {"value": figure, "pass": true|false|"error"}. */
  private static Map<String, Object> verdict(boolean error, boolean pass, long value) {
    Map<String, Object> v = new LinkedHashMap<>();
    v.put("value", value < 0 ? null : value);
    v.put("pass", error ? "error" : pass);
    return v;
  }
}
