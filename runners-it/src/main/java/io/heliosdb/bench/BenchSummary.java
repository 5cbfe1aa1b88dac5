package io.heliosdb.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Prints the final {@code {"bench":"snapshot","summary":true,...}} line of a run from the JSON
 * lines of its cases: usage {@code BenchSummary snapshot <results.jsonl>}.
 *
 * <p>{@code heliosdbio_vs_jdbcio_partitions} holds, per {@code db.runner.pN}, HeliosDbIO's rows/s
 * divided by JdbcIO.readWithPartitions' rows/s at the same parallelism (null when either failed
 * or did not run); {@code heliosdbio_vs_jdbcio_read} the same against JdbcIO.read (run at
 * parallelism 4 only); {@code heliosdbio_vs_jdbcio_partitions_flink_net} the Flink ratios from the
 * jobs' net run times ({@code flink_job_seconds}, without the local cluster's start-up); {@code
 * jdbc_loop_rows_per_sec} the single-threaded reference per
 * database; {@code ceiling_rows_per_sec} the ceiling per {@code runner.pN}, and {@code
 * heliosdbio_vs_ceiling} and {@code jdbcio_partitions_vs_ceiling} each read's rows/s divided by
 * the ceiling of the same runner and parallelism (how much of what the runner carries the read
 * uses). With the millisecond cases, {@code heliosdbio_ms_vs_heliosdbio} is HeliosDbIO's rows/s
 * with {@code withMillisecondTimestamps(true)} divided by its rows/s without, and {@code
 * heliosdbio_ms_vs_ceiling_ms} the same against {@code ceiling_ms_rows_per_sec}, the ceiling
 * emitting millisecond Rows, and {@code heliosdbio_ms_vs_jdbcio_partitions} against
 * JdbcIO.readWithPartitions. Lines with a {@code heap} field (the small-heap case) are left out of
 * the ratios.
 */
public final class BenchSummary {
  private BenchSummary() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 2 || !args[0].equals("snapshot")) {
      System.err.println("usage: BenchSummary snapshot <results.jsonl>");
      System.exit(2);
    }
    List<JsonNode> lines = BenchSupport.readCaseLines(args[1], args[0]);

    // rate per "db.runner.impl.pN", main cases only
    Map<String, Double> rate = new LinkedHashMap<>();
    Map<String, Double> netRate = new LinkedHashMap<>(); // Flink: rows / flink_job_seconds
    TreeSet<String> groups = new TreeSet<>(); // "db.runner.pN" with a heliosdbio case
    Map<String, Object> loop = new LinkedHashMap<>();
    Map<String, Object> heapCase = new LinkedHashMap<>();
    Map<String, Double> ceiling = new LinkedHashMap<>(); // "runner.pN"
    Map<String, Double> ceilingMs = new LinkedHashMap<>(); // "runner.pN", millisecond Rows
    int errors = 0;
    Long rows = null;
    for (JsonNode n : lines) {
      if (n.has("error")) {
        errors++;
      }
      if (n.has("rows") && n.get("rows").canConvertToLong()) {
        rows = n.get("rows").asLong();
      }
      String db = n.path("db").asText();
      String runner = n.path("runner").asText();
      String impl = n.path("impl").asText();
      int parallelism = n.path("parallelism").asInt();
      Double value = n.has("rows_per_sec") ? n.get("rows_per_sec").asDouble() : null;
      if (n.has("heap")) {
        heapCase.put(
            db + "." + runner + "." + impl + ".p" + parallelism + ".xmx" + n.get("heap").asText(),
            n.has("error") ? "error" : n.get("rows_per_sec").asLong());
        continue;
      }
      if (impl.equals("jdbc-loop")) {
        loop.put(db, value == null ? null : Math.round(value));
        continue;
      }
      if (impl.startsWith("ceiling")) {
        if (value != null) {
          (impl.equals("ceiling") ? ceiling : ceilingMs).put(runner + ".p" + parallelism, value);
        }
        continue;
      }
      if (impl.equals("heliosdbio")) {
        groups.add(db + "." + runner + ".p" + parallelism);
      }
      if (value != null) {
        rate.put(db + "." + runner + "." + impl + ".p" + parallelism, value);
        double job = n.path("flink_job_seconds").asDouble(0);
        if (job > 0) {
          netRate.put(
              db + "." + runner + "." + impl + ".p" + parallelism, n.get("rows").asDouble() / job);
        }
      }
    }

    Map<String, Object> vsPartitions = new LinkedHashMap<>();
    Map<String, Object> vsRead = new LinkedHashMap<>();
    Map<String, Object> vsPartitionsNet = new LinkedHashMap<>();
    Map<String, Object> heliosVsCeiling = new LinkedHashMap<>();
    Map<String, Object> partitionsVsCeiling = new LinkedHashMap<>();
    Map<String, Object> millisVsExact = new LinkedHashMap<>();
    Map<String, Object> millisVsCeilingMs = new LinkedHashMap<>();
    Map<String, Object> millisVsPartitions = new LinkedHashMap<>();
    for (String group : orderedGroups(groups)) {
      String[] part = group.split("\\.");
      String prefix = part[0] + "." + part[1] + ".";
      Double helios = rate.get(prefix + "heliosdbio." + part[2]);
      Double heliosMs = rate.get(prefix + "heliosdbio-ms." + part[2]);
      if (heliosMs != null) {
        millisVsExact.put(group, ratio(heliosMs, helios));
        millisVsPartitions.put(
            group, ratio(heliosMs, rate.get(prefix + "jdbcio-partitions." + part[2])));
        Double topMs = ceilingMs.get(part[1] + "." + part[2]);
        if (topMs != null) {
          millisVsCeilingMs.put(group, ratio(heliosMs, topMs));
        }
      }
      Double top = ceiling.get(part[1] + "." + part[2]);
      if (top != null) {
        heliosVsCeiling.put(group, ratio(helios, top));
        partitionsVsCeiling.put(
            group, ratio(rate.get(prefix + "jdbcio-partitions." + part[2]), top));
      }
      vsPartitions.put(group, ratio(helios, rate.get(prefix + "jdbcio-partitions." + part[2])));
      if (part[1].equals("flink")) {
        vsPartitionsNet.put(
            group,
            ratio(
                netRate.get(prefix + "heliosdbio." + part[2]),
                netRate.get(prefix + "jdbcio-partitions." + part[2])));
      }
      if (lines.stream()
          .anyMatch(
              n ->
                  !n.has("heap")
                      && n.path("impl").asText().equals("jdbcio-read")
                      && (n.path("db").asText() + "." + n.path("runner").asText() + ".p"
                              + n.path("parallelism").asInt())
                          .equals(group))) {
        vsRead.put(group, ratio(helios, rate.get(prefix + "jdbcio-read." + part[2])));
      }
    }

    Map<String, Object> summary = new LinkedHashMap<>();
    summary.put("bench", "snapshot");
    summary.put("summary", true);
    summary.put("rows", rows);
    summary.put("cases", lines.size());
    summary.put("errors", errors);
    summary.put("heliosdbio_vs_jdbcio_partitions", vsPartitions);
    summary.put("heliosdbio_vs_jdbcio_partitions_flink_net", vsPartitionsNet);
    summary.put("heliosdbio_vs_jdbcio_read", vsRead);
    summary.put("jdbc_loop_rows_per_sec", loop);
    Map<String, Object> ceilingRates = new LinkedHashMap<>();
    ceiling.forEach((k, v) -> ceilingRates.put(k, Math.round(v)));
    summary.put("ceiling_rows_per_sec", ceilingRates);
    summary.put("heliosdbio_vs_ceiling", heliosVsCeiling);
    summary.put("jdbcio_partitions_vs_ceiling", partitionsVsCeiling);
    if (!millisVsExact.isEmpty()) {
      Map<String, Object> ceilingMsRates = new LinkedHashMap<>();
      ceilingMs.forEach((k, v) -> ceilingMsRates.put(k, Math.round(v)));
      summary.put("ceiling_ms_rows_per_sec", ceilingMsRates);
      summary.put("heliosdbio_ms_vs_heliosdbio", millisVsExact);
      summary.put("heliosdbio_ms_vs_ceiling_ms", millisVsCeilingMs);
      summary.put("heliosdbio_ms_vs_jdbcio_partitions", millisVsPartitions);
    }
    if (!heapCase.isEmpty()) {
      summary.put("small_heap_rows_per_sec", heapCase);
    }
    BenchSupport.printSummary(summary);
  }

  /** postgres before mariadb, direct before flink before spark, then by parallelism. */
  private static List<String> orderedGroups(TreeSet<String> groups) {
    List<String> ordered = new ArrayList<>(groups);
    ordered.sort(
        (a, b) -> {
          String[] x = a.split("\\.");
          String[] y = b.split("\\.");
          int c = Integer.compare(rank(x[0]), rank(y[0]));
          if (c == 0) {
            c = Integer.compare(rank(x[1]), rank(y[1]));
          }
          if (c == 0) {
            c =
                Integer.compare(
                    Integer.parseInt(x[2].substring(1)), Integer.parseInt(y[2].substring(1)));
          }
          return c != 0 ? c : a.compareTo(b);
        });
    return ordered;
  }

  private static int rank(String name) {
    return switch (name) {
      case "postgres", "direct" -> 0;
      case "mariadb", "flink" -> 1;
      default -> 2;
    };
  }

  private static Double ratio(Double a, Double b) {
    if (a == null || b == null || b == 0) {
      return null;
    }
    return Math.round(a / b * 100) / 100.0;
  }
}
