package io.heliosdb.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Prints the final {@code {"bench":"handoff","summary":true,...}} line of a run from the JSON lines
 * of its cases: usage {@code HandoffSummary <results.jsonl>}.
 *
 * <p>Per {@code db.runner}:
 *
 * <ul>
 *   <li>{@code snapshot_rows_per_sec}, {@code handoff_rows_per_sec} (and {@code
 *       snapshot_streaming_rows_per_sec} if that mode ran): the mean over the rounds that did not
 *       fail, with the per-round figures in {@code *_rounds};
 *   <li>{@code ratio}: handoff ÷ snapshot rows/s of the means (below 1: snapshot-then-CDC reads
 *       the table slower than the plain snapshot), {@code ratio_rounds}: per round, each handoff
 *       case over the snapshot case of the same round; {@code ratio_streaming}: handoff ÷
 *       snapshot-streaming, if that mode ran;
 *   <li>{@code catch_up_ms}, {@code lag_p50_ms}, {@code lag_p99_ms}: per handoff case, in round
 *       order;
 *   <li>{@code exactly_once}: every handoff case has lost, duplicates, final_state_mismatches,
 *       snapshot_missing, snapshot_duplicates and unexpected all 0 (false if any is not, "error"
 *       if a case failed); {@code caught_up}: every handoff case caught up.
 * </ul>
 *
 * <p>Also {@code lost}, {@code duplicates} and {@code final_state_mismatches} summed over the
 * handoff cases, and {@code arrival_order_mismatches} (keys whose changes overtook one another on
 * the way; not an error: Beam does not order a PCollection, consumers order by position).
 */
public final class HandoffSummary {
  private HandoffSummary() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 1) {
      System.err.println("usage: HandoffSummary <results.jsonl>");
      System.exit(2);
    }
    List<JsonNode> lines = BenchSupport.readCaseLines(args[0], "handoff");
    Map<String, List<JsonNode>> byKey = new LinkedHashMap<>();
    int errors = 0;
    long lost = 0;
    long duplicates = 0;
    long mismatches = 0;
    long arrivalMismatches = 0;
    boolean allOnce = true;
    boolean anyHandoff = false;
    for (JsonNode n : lines) {
      byKey.computeIfAbsent(n.path("db").asText() + "." + n.path("runner").asText(),
          k -> new ArrayList<>()).add(n);
      if (n.has("error")) {
        errors++;
      }
      if ("handoff".equals(n.path("mode").asText())) {
        anyHandoff = true;
        lost += n.path("lost").asLong(0);
        duplicates += n.path("duplicates").asLong(0);
        mismatches += n.path("final_state_mismatches").asLong(0);
        arrivalMismatches += n.path("arrival_order_mismatches").asLong(0);
        allOnce &= !n.has("error") && exactlyOnce(n);
      }
    }
    Map<String, Object> cases = new LinkedHashMap<>();
    for (Map.Entry<String, List<JsonNode>> e : byKey.entrySet()) {
      cases.put(e.getKey(), summarize(e.getValue()));
    }
    Map<String, Object> summary = new LinkedHashMap<>();
    summary.put("bench", "handoff");
    summary.put("summary", true);
    summary.put("cases", lines.size());
    summary.put("errors", errors);
    summary.put("all_exactly_once", anyHandoff ? allOnce : null);
    summary.put("lost", lost);
    summary.put("duplicates", duplicates);
    summary.put("final_state_mismatches", mismatches);
    summary.put("arrival_order_mismatches", arrivalMismatches);
    summary.put("by_db_runner", cases);
    BenchSupport.printSummary(summary);
  }

  private static boolean exactlyOnce(JsonNode n) {
    for (String field :
        List.of("lost", "duplicates", "final_state_mismatches", "snapshot_missing",
            "snapshot_duplicates", "unexpected")) {
      if (n.path(field).asLong(-1) != 0) {
        return false;
      }
    }
    return true;
  }

  private static Map<String, Object> summarize(List<JsonNode> lines) {
    Map<Integer, Double> plain = new LinkedHashMap<>();
    Map<Integer, Double> streaming = new LinkedHashMap<>();
    Map<Integer, Double> handoff = new LinkedHashMap<>();
    List<Object> catchUp = new ArrayList<>();
    List<Object> p50 = new ArrayList<>();
    List<Object> p99 = new ArrayList<>();
    List<Object> once = new ArrayList<>();
    boolean caughtUp = true;
    boolean anyHandoff = false;
    int position = 0;
    for (JsonNode n : lines) {
      position++;
      int round = n.path("round").asInt(position);
      String mode = n.path("mode").asText();
      boolean error = n.has("error") || !n.has("rows_per_sec");
      if (mode.equals("handoff")) {
        anyHandoff = true;
        catchUp.add(error || n.path("catch_up_ms").isNull() ? null : n.path("catch_up_ms").asLong());
        p50.add(error || !n.has("lag_p50_ms") ? null : n.path("lag_p50_ms").asLong());
        p99.add(error || !n.has("lag_p99_ms") ? null : n.path("lag_p99_ms").asLong());
        once.add(n.has("error") ? "error" : exactlyOnce(n));
        caughtUp &= !n.has("error") && n.path("caught_up").asBoolean(false);
      }
      if (error) {
        continue;
      }
      double rate = n.path("rows_per_sec").asDouble();
      switch (mode) {
        case "snapshot" -> plain.put(round, rate);
        case "snapshot-streaming" -> streaming.put(round, rate);
        case "handoff" -> handoff.put(round, rate);
        default -> { }
      }
    }
    Map<String, Object> s = new LinkedHashMap<>();
    Double plainMean = mean(plain);
    Double handoffMean = mean(handoff);
    Double streamingMean = mean(streaming);
    s.put("snapshot_rows_per_sec", round0(plainMean));
    s.put("handoff_rows_per_sec", round0(handoffMean));
    s.put("ratio", plainMean == null || handoffMean == null
        ? null : BenchSupport.round(handoffMean / plainMean, 3));
    List<Object> ratios = new ArrayList<>();
    for (Map.Entry<Integer, Double> h : handoff.entrySet()) {
      Double p = plain.get(h.getKey());
      ratios.add(p == null ? null : BenchSupport.round(h.getValue() / p, 3));
    }
    s.put("ratio_rounds", ratios);
    s.put("snapshot_rows_per_sec_rounds", new ArrayList<>(plain.values()));
    s.put("handoff_rows_per_sec_rounds", new ArrayList<>(handoff.values()));
    if (!streaming.isEmpty()) {
      s.put("snapshot_streaming_rows_per_sec", round0(streamingMean));
      s.put("snapshot_streaming_rows_per_sec_rounds", new ArrayList<>(streaming.values()));
      s.put("ratio_streaming", streamingMean == null || handoffMean == null
          ? null : BenchSupport.round(handoffMean / streamingMean, 3));
    }
    s.put("catch_up_ms", catchUp);
    s.put("lag_p50_ms", p50);
    s.put("lag_p99_ms", p99);
    s.put("exactly_once", once);
    s.put("caught_up", anyHandoff ? caughtUp : null);
    return s;
  }

  private static Double mean(Map<Integer, Double> values) {
    return values.isEmpty()
        ? null
        : values.values().stream().mapToDouble(Double::doubleValue).average().orElseThrow();
  }

  private static Long round0(Double value) {
    return value == null ? null : Math.round(value);
  }
}
