package io.heliosdb.bench;

import io.heliosdb.beam.ConnectionConfiguration;
import io.heliosdb.beam.HeliosDbIO;
import io.heliosdb.beam.SnapshotOptions;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.coders.RowCoder;
import org.apache.beam.sdk.io.jdbc.JdbcIO;
import org.apache.beam.sdk.metrics.MetricNameFilter;
import org.apache.beam.sdk.metrics.MetricQueryResults;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.transforms.Count;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Sum;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;

/**
 * One case of the snapshot benchmark, run in a fresh JVM by {@code runners-it/bench.sh snapshot}:
 * reads the whole benchmark table once and prints one JSON line to stdout.
 *
 * <pre>
 * SnapshotBench &lt;postgres|mariadb|none&gt; &lt;direct|flink|spark|none&gt;
 *     &lt;heliosdbio|heliosdbio-ms|jdbcio-partitions|jdbcio-read|jdbc-loop|ceiling|ceiling-ms&gt;
 *     &lt;parallelism&gt; &lt;rows&gt; [extra pipeline options...]
 * </pre>
 *
 * <ul>
 *   <li>{@code heliosdbio}: {@code HeliosDbIO.read()} by primary key, {@code
 *       withParallelism(parallelism)}, chunk size {@code -Dbench.chunkSize} (default 50,000).
 *   <li>{@code jdbcio-partitions}: {@code JdbcIO.readWithPartitions()} on {@code id} with {@code
 *       parallelism} partitions (bounds queried at run time).
 *   <li>{@code jdbcio-read}: {@code JdbcIO.read()} of the whole table (one query; JdbcIO's default
 *       output reshuffle).
 *   <li>{@code jdbc-loop}: no pipeline; one connection streaming the table and building the same
 *       Rows with the same {@link BenchRowMapper} (runner {@code none}, parallelism 1).
 *   <li>{@code ceiling}: no database (db {@code none}); {@link CeilingSource}, HeliosDbIO's
 *       graph emitting the table's Rows from memory with {@code parallelism} splits: what the
 *       runner carries when reading costs nothing.
 *   <li>{@code heliosdbio-ms}, {@code ceiling-ms}: the same with {@code
 *       withMillisecondTimestamps(true)}, Rows of {@link SnapshotTable#MILLIS_SCHEMA} (the two
 *       date-time columns as {@code FieldType.DATETIME}).
 * </ul>
 *
 * <p>Every JdbcIO case maps rows with {@link BenchRowMapper} to {@link SnapshotTable#SCHEMA} with
 * {@code RowCoder}, the schema HeliosDbIO detects for the table (checked: a HeliosDbIO case whose
 * output schema differs fails). Every pipeline ends in {@code Count.globally()} and {@link
 * CheckCountFn}, which fails the pipeline on a wrong count; the driver also reads the count back
 * from the pipeline's metrics.
 *
 * <p>Runner options, the same for every implementation: Direct {@code --runner=DirectRunner
 * --targetParallelism=n} (enforceImmutability and enforceEncodability keep their defaults, on);
 * Flink {@code --runner=FlinkRunner --parallelism=n} (local embedded cluster, batch); Spark {@code
 * --runner=SparkRunner --sparkMaster=local[n] --enableSparkMetricSinks=false} (Beam's classic
 * Spark runner, Spark in this JVM, batch; it needs the Spark runner on the classpath and, on JDK
 * 17, the {@code --add-opens} options bench.sh gives it). Extra arguments are passed to the
 * pipeline options.
 *
 * <p>System properties: {@code bench.timeoutSeconds} (default 600; past it the case prints an
 * error and the JVM halts), {@code bench.chunkSize}, {@code bench.fetchSize} (0, the default,
 * keeps each implementation's own default; the loop then uses 10,000, HeliosDbIO's default), and
 * {@code bench.heap} (a label copied to the {@code heap} field, e.g. {@code 256m}), {@code
 * bench.jdbcioReadOutputParallelization} (default true, JdbcIO's default).
 *
 * <p>Output fields: {@code seconds} is the pipeline's run time, from {@code run()} until {@code
 * waitUntilFinish()} returns (for the loop: connect to last row); {@code build_seconds} the time
 * to construct the pipeline (HeliosDbIO queries the catalog then); {@code jvm_seconds} the JVM's
 * uptime at the end; {@code peak_rss_mb} the JVM's peak resident set (VmHWM); on Flink {@code
 * flink_job_seconds} the job's net run time as Flink reports it (without the local cluster's
 * start-up, which {@code seconds} includes).
 */
public final class SnapshotBench {
  private SnapshotBench() {}

  static final List<String> IMPLS =
      List.of("heliosdbio", "heliosdbio-ms", "jdbcio-partitions", "jdbcio-read", "jdbc-loop",
          "ceiling", "ceiling-ms");
  static final List<String> RUNNERS = List.of("direct", "flink", "spark", "none");

  /**
   * JdbcIO.read's output reshuffle ({@code withOutputParallelization}, default true). On the
   * Direct runner it makes every row its own key, which costs milliseconds per row; {@code
   * -Dbench.jdbcioReadOutputParallelization=false} turns it off (the line then says so).
   */
  /**
   * {@code -Dbench.halfwayClock=true}: counts the rows with {@link HalfwayClock} in place of
   * {@code Count.globally()}, for {@code second_half_rows_per_sec}; off by default, so that runs
   * compare with those before it.
   */
  private static final boolean HALFWAY_CLOCK = Boolean.getBoolean("bench.halfwayClock");

  private static final boolean OUTPUT_PARALLELIZATION =
      Boolean.parseBoolean(System.getProperty("bench.jdbcioReadOutputParallelization", "true"));


  public static void main(String[] args) {
    // JSON lines go to the real stdout; anything a library prints there goes to stderr instead.
    PrintStream json = BenchSupport.takeStdout();
    if (args.length < 5) {
      System.err.println(
          "usage: SnapshotBench <postgres|mariadb|none> <direct|flink|spark|none>"
              + " <heliosdbio|heliosdbio-ms|jdbcio-partitions|jdbcio-read|jdbc-loop|ceiling"
              + "|ceiling-ms> <parallelism>"
              + " <rows>"
              + " [pipeline options...]");
      System.exit(2);
    }
    Map<String, Object> line = new LinkedHashMap<>();
    line.put("bench", "snapshot");
    line.put("db", args[0]);
    line.put("runner", args[1]);
    line.put("impl", args[2]);
    line.put("parallelism", parseIntOr(args[3], args[3]));
    line.put("rows", parseLongOr(args[4], args[4]));
    if (!OUTPUT_PARALLELIZATION && args[2].equals("jdbcio-read")) {
      line.put("output_parallelization", false);
    }
    String heap = System.getProperty("bench.heap");
    if (heap != null && !heap.isBlank()) {
      line.put("heap", heap);
    }
    BenchSupport.startWatchdog(json, line);

    boolean ok = false;
    try {
      String impl = args[2].toLowerCase(Locale.ROOT);
      if (impl.startsWith("ceiling") != args[0].equals("none")) {
        throw new IllegalArgumentException("db must be none for the ceiling and only for it");
      }
      BenchDatabase db = impl.startsWith("ceiling") ? null : BenchDatabase.parse(args[0]);
      String runner = args[1].toLowerCase(Locale.ROOT);
      int parallelism = Integer.parseInt(args[3]);
      long rows = Long.parseLong(args[4]);
      List<String> extra = Arrays.asList(args).subList(5, args.length);
      if (!extra.isEmpty() && !impl.equals("jdbc-loop")) {
        line.put("pipeline_args", String.join(" ", extra));
      }
      if (!IMPLS.contains(impl)) {
        throw new IllegalArgumentException("unknown impl '" + impl + "' " + IMPLS);
      }
      if (!RUNNERS.contains(runner) || runner.equals("none") != impl.equals("jdbc-loop")) {
        throw new IllegalArgumentException(
            "runner must be direct, flink or spark for pipelines and none for jdbc-loop, not "
                + runner);
      }
      if (parallelism < 1) {
        throw new IllegalArgumentException("parallelism must be at least 1");
      }
      Timing timing =
          impl.equals("jdbc-loop")
              ? runLoop(db, rows)
              : runPipeline(db, runner, impl, parallelism, rows, extra);
      line.put("seconds", BenchSupport.round(timing.runSeconds, 3));
      line.put("rows_per_sec", Math.round(rows / timing.runSeconds));
      long secondHalf = HalfwayClock.secondHalfRowsPerSecond(rows);
      if (secondHalf > 0) {
        line.put("second_half_rows_per_sec", secondHalf);
      }
      if (timing.buildSeconds >= 0) {
        line.put("build_seconds", BenchSupport.round(timing.buildSeconds, 3));
      }
      if (timing.jobSeconds >= 0) {
        line.put("flink_job_seconds", BenchSupport.round(timing.jobSeconds, 3));
      }
      ok = true;
    } catch (Throwable t) {
      BenchSupport.recordFailure(line, t);
    }
    BenchSupport.finish(json, line);
    System.exit(ok ? 0 : 1);
  }

  /**
   * Run and build time of a case, in seconds; build is -1 when there is no pipeline, job -1 when
   * the runner does not report the job's own run time (only Flink does).
   */
  private record Timing(double runSeconds, double buildSeconds, double jobSeconds) {}

  @SuppressWarnings("deprecation") // JdbcIO withCoder: the RowCoder of the shared schema, as asked
  private static Timing runPipeline(
      BenchDatabase db, String runner, String impl, int parallelism, long rows, List<String> extra)
      throws Exception {
    List<String> optionArgs = new ArrayList<>();
    switch (runner) {
      case "direct" -> {
        optionArgs.add("--runner=DirectRunner");
        optionArgs.add("--targetParallelism=" + parallelism);
      }
      case "spark" -> {
        optionArgs.add("--runner=SparkRunner");
        optionArgs.add("--sparkMaster=local[" + parallelism + "]");
        optionArgs.add("--enableSparkMetricSinks=false");
        // what HeliosDbIO sets on Spark itself (its splits' rows stream on rather than being
        // held in memory per split); given to every case, so the ceiling's SDF streams alike
        optionArgs.add("--experiments=use_bounded_concurrent_output_for_sdf");
      }
      default -> {
        optionArgs.add("--runner=FlinkRunner");
        optionArgs.add("--parallelism=" + parallelism);
      }
    }
    optionArgs.addAll(extra);
    System.err.println("[bench] pipeline options: " + optionArgs);
    PipelineOptions options =
        PipelineOptionsFactory.fromArgs(optionArgs.toArray(String[]::new)).withValidation().create();
    options.setJobName(
        "bench-snapshot-" + (db == null ? "none" : db.id) + "-" + impl + "-p" + parallelism);

    int chunkSize = Integer.getInteger("bench.chunkSize", SnapshotOptions.DEFAULT_CHUNK_SIZE);
    int fetchSize = Integer.getInteger("bench.fetchSize", 0);
    String table = SnapshotTable.tableName(rows);

    long b0 = System.nanoTime();
    Pipeline pipeline = Pipeline.create(options);
    PCollection<Row> read;
    switch (impl) {
      case "heliosdbio", "heliosdbio-ms" -> {
        ConnectionConfiguration connection =
            ConnectionConfiguration.create(db.url).withUsername(db.user);
        if (db.password != null) {
          connection = connection.withPassword(db.password);
        }
        HeliosDbIO.Read transform =
            HeliosDbIO.read()
                .withConnection(connection)
                .withTable(db.namespace + "." + table)
                .withSnapshot(SnapshotOptions.byPrimaryKey().withChunkSize(chunkSize))
                .withParallelism(parallelism)
                .withMillisecondTimestamps(impl.equals("heliosdbio-ms"));
        if (fetchSize > 0) {
          transform = transform.withFetchSize(fetchSize);
        }
        read = pipeline.apply("HeliosDbIO", transform);
        requireSameSchema(read.getSchema(),
            impl.equals("heliosdbio-ms") ? SnapshotTable.MILLIS_SCHEMA : SnapshotTable.SCHEMA);
      }
      case "jdbcio-partitions" -> {
        JdbcIO.ReadWithPartitions<Row, Long> transform =
            JdbcIO.<Row>readWithPartitions()
                .withDataSourceConfiguration(dataSource(db))
                .withTable(table)
                .withPartitionColumn("id")
                .withNumPartitions(parallelism)
                .withRowMapper(new BenchRowMapper(db))
                .withCoder(RowCoder.of(SnapshotTable.SCHEMA));
        if (fetchSize > 0) {
          transform = transform.withFetchSize(fetchSize);
        }
        read = pipeline.apply("JdbcIO.readWithPartitions", transform)
            .setRowSchema(SnapshotTable.SCHEMA);
      }
      case "jdbcio-read" -> {
        JdbcIO.Read<Row> transform =
            JdbcIO.<Row>read()
                .withDataSourceConfiguration(dataSource(db))
                .withQuery(SnapshotTable.selectAll(rows))
                .withRowMapper(new BenchRowMapper(db))
                .withCoder(RowCoder.of(SnapshotTable.SCHEMA));
        if (fetchSize > 0) {
          transform = transform.withFetchSize(fetchSize);
        }
        if (!OUTPUT_PARALLELIZATION) {
          transform = transform.withOutputParallelization(false);
        }
        read = pipeline.apply("JdbcIO.read", transform).setRowSchema(SnapshotTable.SCHEMA);
      }
      case "ceiling", "ceiling-ms" -> {
        CeilingSource.prepare();
        read = pipeline.apply("Ceiling", new CeilingSource(
            rows, parallelism, runner.equals("direct"), impl.equals("ceiling-ms")));
      }
      default -> throw new IllegalArgumentException("unknown impl " + impl);
    }
    PCollection<Long> count =
        HALFWAY_CLOCK
            ? read.apply("Count rows", ParDo.of(new HalfwayClock(rows)))
                .apply("Sum counts", Sum.longsGlobally())
            : read.apply("Count rows", Count.globally());
    count.apply("Check count", ParDo.of(new CheckCountFn(rows)));
    double buildSeconds = (System.nanoTime() - b0) / 1e9;

    long t0 = System.nanoTime();
    PipelineResult result = pipeline.run();
    PipelineResult.State state = result.waitUntilFinish();
    double runSeconds = (System.nanoTime() - t0) / 1e9;
    if (state != PipelineResult.State.DONE) {
      throw new IllegalStateException("pipeline finished in state " + state);
    }
    Long counted = countedRows(result);
    if (counted == null) {
      // CheckCountFn would have failed the pipeline on a wrong count; only the metric is missing.
      System.err.println("[bench] the runner reported no " + CheckCountFn.ROWS_COUNTED + " metric");
    } else if (counted != rows) {
      throw new IllegalStateException(
          "wrong row count: the pipeline counted " + counted + " rows, expected " + rows);
    }
    return new Timing(runSeconds, buildSeconds, flinkJobSeconds(result));
  }

  /**
   * The Flink job's net run time (without starting the local cluster), which FlinkRunnerResult
   * shows only in its toString ("runtime=<ms>"); -1 for other runners.
   */
  private static double flinkJobSeconds(PipelineResult result) {
    if (!result.getClass().getSimpleName().equals("FlinkRunnerResult")) {
      return -1;
    }
    Matcher m = Pattern.compile("runtime=(\\d+)").matcher(String.valueOf(result));
    return m.find() ? Long.parseLong(m.group(1)) / 1000.0 : -1;
  }

  private static JdbcIO.DataSourceConfiguration dataSource(BenchDatabase db) {
    JdbcIO.DataSourceConfiguration config =
        JdbcIO.DataSourceConfiguration.create(db.driverClass, db.url).withUsername(db.user);
    return db.password == null ? config : config.withPassword(db.password);
  }

  /** The row count CheckCountFn reported, or null if the runner reported no such metric. */
  private static Long countedRows(PipelineResult result) {
    try {
      MetricQueryResults metrics =
          result
              .metrics()
              .queryMetrics(
                  MetricsFilter.builder()
                      .addNameFilter(
                          MetricNameFilter.named(
                              CheckCountFn.NAMESPACE, CheckCountFn.ROWS_COUNTED))
                      .build());
      Long total = null;
      for (MetricResult<Long> counter : metrics.getCounters()) {
        Long value =
            counter.hasCommitted() ? counter.getCommittedOrNull() : counter.getAttempted();
        if (value != null) {
          total = (total == null ? 0 : total) + value;
        }
      }
      return total;
    } catch (UnsupportedOperationException e) {
      return null;
    }
  }

  /** HeliosDbIO must produce the schema the JdbcIO cases build, or the comparison is unfair. */
  private static void requireSameSchema(Schema actual, Schema benchmark) {
    String expected = describe(benchmark);
    String got = describe(actual);
    if (!expected.equals(got)) {
      throw new IllegalStateException(
          "HeliosDbIO's output schema differs from the benchmark's: expected "
              + expected
              + ", got "
              + got);
    }
  }

  private static String describe(Schema schema) {
    return schema.getFields().stream()
        .map(f -> f.getName() + " " + f.getType())
        .collect(Collectors.joining(", ", "[", "]"));
  }

  /** The plain reference: one connection, streaming fetch, the same mapper, no Beam pipeline. */
  private static Timing runLoop(BenchDatabase db, long rows) throws Exception {
    int fetchSize = Integer.getInteger("bench.fetchSize", 0);
    if (fetchSize <= 0) {
      fetchSize = HeliosDbIO.DEFAULT_FETCH_SIZE;
    }
    BenchRowMapper mapper = new BenchRowMapper(db);
    long count = 0;
    long checksum = 0;
    long t0 = System.nanoTime();
    try (Connection connection = db.connect()) {
      connection.setAutoCommit(false); // PostgreSQL streams with a fetch size only then
      try (Statement statement =
          connection.createStatement(ResultSet.TYPE_FORWARD_ONLY, ResultSet.CONCUR_READ_ONLY)) {
        statement.setFetchSize(fetchSize);
        try (ResultSet rs = statement.executeQuery(SnapshotTable.selectAll(rows))) {
          while (rs.next()) {
            Row row = mapper.mapRow(rs);
            count++;
            checksum += row.getInt64(0) + row.getString(4).length();
          }
        }
      }
      connection.commit();
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    System.err.println("[bench] jdbc-loop checksum " + checksum);
    if (count != rows) {
      throw new IllegalStateException(
          "wrong row count: the loop read " + count + " rows, expected " + rows);
    }
    return new Timing(seconds, -1, -1);
  }

  private static Object parseIntOr(String s, Object fallback) {
    try {
      return Integer.parseInt(s);
    } catch (NumberFormatException e) {
      return fallback;
    }
  }

  private static Object parseLongOr(String s, Object fallback) {
    try {
      return Long.parseLong(s);
    } catch (NumberFormatException e) {
      return fallback;
    }
  }
}
