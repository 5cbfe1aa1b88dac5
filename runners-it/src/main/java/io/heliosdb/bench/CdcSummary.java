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
 *       (our own target);
 *   <li>{@code bulk_vs_debezium}: per database, {@code debezium_changes_per_sec} (the
 *       bare-Debezium bulk case {@code <db>/debezium/bulk}, {@link DebeziumBulkBench}) and {@code
 *       heliosdbio_vs_debezium} per runner: that runner's bulk changes/s ÷ bare Debezium's, passing
 *       at &gt;= 0.9 with nothing lost in either case (our own target: bulk CDC at least 90 % of
 *       bare Debezium's throughput on the same machine); see {@link #bulkVsDebezium}.
 * </ul>
 *
 * <p>Also: {@code lost} and {@code duplicates} summed over the cases that ran, and {@code
 * under_rate}: latency cases whose writers achieved less than 95% of the rate asked (their
 * latency is for the achieved rate).
 */
public final class CdcSummary {
  private CdcSummary() {}

  /** The least share of bare Debezium's bulk changes/s HeliosDbIO's bulk cases should reach. */
  static final double DEBEZIUM_SHARE_TARGET = 0.9;

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
        if (!runner.equals("flink")) { // the Direct and bare-Debezium bulk cases: bulkVsDebezium
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
    summary.put("bulk_vs_debezium", bulkVsDebezium(lines));
    summary.put("lost", lost);
    summary.put("duplicates", duplicates);
    summary.put("under_rate", underRate);
    BenchSupport.printSummary(summary);
  }

  /**
   * Per database with bulk cases, in the order of the lines: {@code {"debezium_changes_per_sec":
   * n, "heliosdbio_vs_debezium": {"<runner>": {"value": ratio, "pass": ...}, ...}}}. The ratio is
   * the runner's bulk {@code changes_per_sec} ÷ the bare-Debezium case's, rounded to 3 decimals;
   * {@code pass}: ratio &gt;= {@link #DEBEZIUM_SHARE_TARGET} and {@code lost} 0 in both cases,
   * {@code "error"} if either case failed, null (and value null) if the bare-Debezium case did not
   * run. {@code debezium_changes_per_sec} is null if that case did not run or failed. Of a case
   * found more than once, the last line counts.
   */
  static Map<String, Object> bulkVsDebezium(List<JsonNode> lines) {
    Map<String, JsonNode> debezium = new LinkedHashMap<>();
    Map<String, Map<String, JsonNode>> runners = new LinkedHashMap<>();
    for (JsonNode n : lines) {
      if (!"bulk".equals(n.path("mode").asText())) {
        continue;
      }
      String db = n.path("db").asText();
      String runner = n.path("runner").asText();
      Map<String, JsonNode> ofDb = runners.computeIfAbsent(db, k -> new LinkedHashMap<>());
      if (runner.equals("debezium")) {
        debezium.put(db, n);
      } else {
        ofDb.put(runner, n);
      }
    }
    Map<String, Object> result = new LinkedHashMap<>();
    runners.forEach(
        (db, ofDb) -> {
          JsonNode base = debezium.get(db);
          Map<String, Object> entry = new LinkedHashMap<>();
          long baseRate =
              base == null || base.has("error") ? -1 : base.path("changes_per_sec").asLong(-1);
          entry.put("debezium_changes_per_sec", baseRate > 0 ? baseRate : null);
          Map<String, Object> ratios = new LinkedHashMap<>();
          ofDb.forEach((runner, n) -> ratios.put(runner, shareOfDebezium(n, base)));
          entry.put("heliosdbio_vs_debezium", ratios);
          result.put(db, entry);
        });
    return result;
  }

  /** {"value": ratio, "pass": true|false|"error"|null} of one HeliosDbIO bulk case. */
  private static Map<String, Object> shareOfDebezium(JsonNode heliosDbIo, JsonNode debezium) {
    Map<String, Object> v = new LinkedHashMap<>();
    if (debezium == null) {
      v.put("value", null);
      v.put("pass", null);
      return v;
    }
    boolean error = heliosDbIo.has("error") || debezium.has("error");
    long rate = heliosDbIo.path("changes_per_sec").asLong(-1);
    long baseRate = debezium.path("changes_per_sec").asLong(-1);
    Double ratio = error || rate < 0 || baseRate <= 0 ? null : (double) rate / baseRate;
    boolean noneLost =
        heliosDbIo.path("lost").asLong(-1) == 0 && debezium.path("lost").asLong(-1) == 0;
    v.put("value", ratio == null ? null : BenchSupport.round(ratio, 3));
    v.put("pass", error ? "error" : ratio != null && ratio >= DEBEZIUM_SHARE_TARGET && noneLost);
    return v;
  }

  /** {"value": figure, "pass": true|false|"error"}. */
  private static Map<String, Object> verdict(boolean error, boolean pass, long value) {
    Map<String, Object> v = new LinkedHashMap<>();
    v.put("value", value < 0 ? null : value);
    v.put("pass", error ? "error" : pass);
    return v;
  }
}
