package io.heliosdb.bench;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.beam.sdk.coders.CoderException;
import org.apache.beam.sdk.coders.RowCoder;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.util.CoderUtils;
import org.apache.beam.sdk.values.Row;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * What one row of the snapshot benchmark's table costs Beam's {@link RowCoder} to encode and
 * decode (as every runner does between operators that are not fused, and in shuffles), with its
 * two date-time columns as HeliosDbIO outputs them by default ({@code SqlTypes.DATETIME} and
 * {@code SqlTypes.TIMESTAMP}, each a nested row) and with {@code withMillisecondTimestamps(true)}
 * ({@code FieldType.DATETIME}). Run by {@code runners-it/bench.sh coders}; JMH, one fork, average
 * time per row, over 1,000 distinct rows of the table's values.
 *
 * <p>{@link #main} runs the benchmarks and prints one JSON line: ns per row encoded and decoded
 * for each mapping, the ratio, and the encoded bytes per row of each.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "-Xmx1g")
public class RowCoderCost {
  private static final int ROWS = 1_000;

  @Param({"exact", "millis"})
  public String mapping;

  private RowCoder coder;
  private Row[] rows;
  private byte[][] encoded;
  private int next;

  @Setup(Level.Trial)
  public void setUp() throws CoderException {
    CeilingSource.prepare();
    Schema schema = mapping.equals("exact") ? SnapshotTable.SCHEMA : SnapshotTable.MILLIS_SCHEMA;
    coder = RowCoder.of(schema);
    rows = new Row[ROWS];
    encoded = new byte[ROWS][];
    for (int i = 0; i < ROWS; i++) {
      rows[i] = CeilingSource.row(i + 1, mapping.equals("millis"));
      encoded[i] = CoderUtils.encodeToByteArray(coder, rows[i]);
    }
  }

  /** Encodes one row, as a runner does when it hands the row to the next operator. */
  @Benchmark
  public byte[] encode() throws CoderException {
    next = (next + 1) % ROWS;
    return CoderUtils.encodeToByteArray(coder, rows[next]);
  }

  /** Decodes one row, as the next operator does. */
  @Benchmark
  public Row decode() throws CoderException {
    next = (next + 1) % ROWS;
    return CoderUtils.decodeFromByteArray(coder, encoded[next]);
  }

  /** Average encoded size of a row of {@code mapping}, in bytes. */
  static double bytesPerRow(String mapping) throws CoderException {
    Schema schema = mapping.equals("exact") ? SnapshotTable.SCHEMA : SnapshotTable.MILLIS_SCHEMA;
    RowCoder coder = RowCoder.of(schema);
    long bytes = 0;
    for (int i = 0; i < ROWS; i++) {
      bytes += CoderUtils.encodeToByteArray(coder, CeilingSource.row(i + 1, mapping.equals("millis")))
          .length;
    }
    return (double) bytes / ROWS;
  }

  public static void main(String[] args) throws Exception {
    PrintStream json = BenchSupport.takeStdout();
    CeilingSource.prepare();
    Map<String, Object> line = new LinkedHashMap<>();
    line.put("bench", "coders");
    line.put("schema", "bench_snapshot (7 columns: bigint, int, numeric, 2 strings, timestamp,"
        + " timestamptz)");
    Map<String, Double> ns = new LinkedHashMap<>();
    for (RunResult result : new Runner(new OptionsBuilder()
        .include(RowCoderCost.class.getName())
        .build()).run()) {
      String name = result.getParams().getBenchmark();
      String key = result.getParams().getParam("mapping") + "_"
          + name.substring(name.lastIndexOf('.') + 1) + "_ns_per_row";
      ns.put(key, result.getPrimaryResult().getScore());
    }
    ns.forEach((key, value) -> line.put(key, Math.round(value * 10) / 10.0));
    for (String mapping : new String[] {"exact", "millis"}) {
      line.put(mapping + "_bytes_per_row", bytesPerRow(mapping));
      line.put(mapping + "_round_trip_ns_per_row",
          Math.round((ns.get(mapping + "_encode_ns_per_row")
              + ns.get(mapping + "_decode_ns_per_row")) * 10) / 10.0);
    }
    line.put("exact_vs_millis_round_trip",
        Math.round((double) line.get("exact_round_trip_ns_per_row")
            / (double) line.get("millis_round_trip_ns_per_row") * 100) / 100.0);
    BenchSupport.finish(json, line);
  }
}
