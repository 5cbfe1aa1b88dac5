package io.heliosdb.faults;

import com.sun.management.GarbageCollectionNotificationInfo;
import io.heliosdb.beam.CdcOptions;
import io.heliosdb.beam.HeliosDbIO;
import io.heliosdb.beam.ReadHooks;
import io.heliosdb.beam.SnapshotOptions;
import io.heliosdb.beam.testing.ChangeReplica;
import io.heliosdb.beam.testing.DatabaseKind;
import io.heliosdb.beam.testing.TestDatabase;
import io.heliosdb.beam.testing.TestDatabases;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;

/**
 * The pipeline of a fault scenario, run in a child JVM that the test can kill with SIGKILL
 * ({@link ChildPipeline}). Arguments are {@code name=value} pairs:
 *
 * <ul>
 *   <li>{@code db}: {@code POSTGRES} or {@code MYSQL} ({@link TestDatabases}, as in the tests);
 *   <li>{@code table}: the table, also the slot and publication name;
 *   <li>{@code mode}: {@code handoff} (snapshot then CDC), {@code cdc} or {@code snapshot};
 *   <li>{@code runner}: {@code flink} (local cluster, streaming, parallelism 2, checkpointing
 *       every second, no restarts) or {@code direct} (streaming);
 *   <li>{@code out}: the file every output element is appended to, one line each, written with
 *       one {@code write} call per element, so that a SIGKILL loses no line already output
 *       (at most the line being written, left without its newline), with the bundles the runner
 *       committed ({@link FileSinkFn});
 *   <li>{@code flinkConf}: the Flink configuration directory (checkpoint storage; {@code
 *       execution.savepoint.path} to restore), Flink only; checkpoints are retained;
 *   <li>{@code startPosition}: CDC's {@code withStartPosition};
 *   <li>{@code chunkSize}: the snapshot's chunk size (default {@link
 *       SnapshotOptions#DEFAULT_CHUNK_SIZE}), parallelism 4;
 *   <li>{@code outputBatchSize}: the reader's rows per claim and output element (test hook);
 *   <li>{@code consumerMicros}: a slow consumer before the sink, sleeping this long per element
 *       (accumulated, slept in whole milliseconds);
 *   <li>{@code heap}: a file to which used-heap samples are appended ({@code gc <ms> <bytes>}
 *       after each garbage collection, and {@code full <ms> <bytes>} after a {@code System.gc()}
 *       every {@code heapEveryMillis}, default 2,000), with {@code baseline} once the first
 *       element reached the sink;
 *   <li>{@code targetParallelism}: the Direct runner's threads.
 * </ul>
 *
 * <p>Envelopes are written as {@link ChangeReplica#render}, snapshot rows as {@code id|v}. The
 * JVM runs until the pipeline ends: exit status 0 when it finished, 2 when it failed (stack trace
 * on stderr).
 */
public final class FaultPipelineMain {
  private FaultPipelineMain() {}

  public static void main(String[] argv) throws Exception {
    Map<String, String> args = new HashMap<>();
    for (String arg : argv) {
      int eq = arg.indexOf('=');
      args.put(arg.substring(0, eq), arg.substring(eq + 1));
    }
    TestDatabase db = TestDatabases.get(DatabaseKind.valueOf(args.get("db")));
    String table = args.get("table");
    String mode = args.get("mode");
    String runner = args.get("runner");
    Path out = Path.of(args.get("out"));

    Pipeline pipeline = Pipeline.create(PipelineOptionsFactory
        .fromArgs(options(runner, args).toArray(String[]::new)).create());
    HeliosDbIO.Read read = HeliosDbIO.read().withConnection(db.connectionConfiguration())
        .withTable(table);
    CdcOptions cdc = CdcOptions.create().withSlotName(table)
        .withHeartbeatInterval(org.joda.time.Duration.standardSeconds(1));
    if (args.containsKey("startPosition")) {
      cdc = cdc.withStartPosition(args.get("startPosition"));
    }
    SnapshotOptions snapshot = SnapshotOptions.byPrimaryKey().withChunkSize(
        Integer.parseInt(args.getOrDefault("chunkSize", "" + SnapshotOptions.DEFAULT_CHUNK_SIZE)));
    read = switch (mode) {
      case "handoff" -> read.withSnapshot(snapshot).withParallelism(4).withCdc(cdc);
      case "cdc" -> read.withCdc(cdc);
      case "snapshot" -> read.withSnapshot(snapshot).withParallelism(4);
      default -> throw new IllegalArgumentException("mode=" + mode);
    };
    if (args.containsKey("outputBatchSize")) {
      read = ReadHooks.withOutputBatchSize(read, Integer.parseInt(args.get("outputBatchSize")));
    }
    PCollection<Row> rows = pipeline.apply(read);
    if (args.containsKey("consumerMicros")) {
      rows = rows.apply("Slow consumer",
          ParDo.of(new SlowFn(Long.parseLong(args.get("consumerMicros")))))
          .setRowSchema(rows.getSchema());
    }
    rows.apply("Write to file", ParDo.of(new FileSinkFn(out.toString(), mode.equals("snapshot"))));

    if (args.containsKey("heap")) {
      HeapSampler.start(Path.of(args.get("heap")),
          Long.parseLong(args.getOrDefault("heapEveryMillis", "2000")));
    }
    PipelineResult result = pipeline.run();
    try {
      result.waitUntilFinish();
    } catch (Throwable t) {
      System.err.println("FAULT-PIPELINE FAILED");
      t.printStackTrace();
      System.exit(2);
    }
    System.err.println("FAULT-PIPELINE ENDED " + result.getState());
    System.exit(0);
  }

  private static List<String> options(String runner, Map<String, String> args) {
    List<String> options = new ArrayList<>(List.of("--streaming=true"));
    if (runner.equals("flink")) {
      options.addAll(List.of("--runner=FlinkRunner", "--parallelism=2", "--attachedMode=false",
          "--checkpointingInterval=1000", "--numberOfExecutionRetries=0"));
      if (args.containsKey("flinkConf")) {
        options.addAll(List.of("--flinkConfDir=" + args.get("flinkConf"),
            "--externalizedCheckpointsEnabled=true",
            "--retainExternalizedCheckpointsOnCancellation=true"));
      }
    } else {
      options.addAll(List.of("--runner=DirectRunner", "--blockOnRun=false"));
      if (args.containsKey("targetParallelism")) {
        options.add("--targetParallelism=" + args.get("targetParallelism"));
      }
    }
    return options;
  }

  /** Set once the first element reached the sink (for the heap baseline). */
  static final AtomicLong FIRST_OUTPUT_MILLIS = new AtomicLong();

  /**
   * Appends each element to one file per JVM, one {@code write} per line: what the JVM output
   * before it was killed is in the file, whatever the runner buffers. Each line is {@code <bundle>
   * <element>}; once the runner has committed a bundle (Flink: the checkpoint after it completed;
   * Direct: at once) its bundle finalizer appends {@code commit <bundle>}. So the lines of bundles
   * without a commit line are what a transactional sink would have discarded.
   */
  static final class FileSinkFn extends DoFn<Row, Void> {
    private static final Map<String, OutputStream> FILES = new HashMap<>();
    private final String file;
    private final boolean rows;
    private transient OutputStream stream;
    private transient long bundle;
    private transient boolean finalizerRegistered;

    FileSinkFn(String file, boolean rows) {
      this.file = file;
      this.rows = rows;
    }

    @Setup
    public void setup() {
      synchronized (FILES) {
        stream = FILES.computeIfAbsent(file, f -> {
          try {
            return new FileOutputStream(f, true);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        });
      }
    }

    @StartBundle
    public void startBundle() {
      bundle = java.util.concurrent.ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE);
      finalizerRegistered = false;
    }

    @ProcessElement
    public void process(@Element Row row, BundleFinalizer finalizer) {
      if (!finalizerRegistered) {
        long committed = bundle;
        finalizer.afterBundleCommit(org.joda.time.Instant.now().plus(
            org.joda.time.Duration.standardMinutes(10)), () -> write("commit " + committed));
        finalizerRegistered = true;
      }
      write(bundle + " "
          + (rows ? row.getValue("id") + "|" + row.getString("v") : ChangeReplica.render(row)));
      if (FIRST_OUTPUT_MILLIS.get() == 0) {
        FIRST_OUTPUT_MILLIS.compareAndSet(0, System.currentTimeMillis());
      }
    }

    private void write(String line) {
      byte[] bytes = (line + "\n").getBytes(StandardCharsets.UTF_8);
      synchronized (stream) {
        try {
          stream.write(bytes);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
    }
  }

  /** A slow consumer: sleeps {@code micros} per element, in whole milliseconds as they add up. */
  static final class SlowFn extends DoFn<Row, Row> {
    private final long micros;
    private transient long owed;

    SlowFn(long micros) {
      this.micros = micros;
    }

    @ProcessElement
    public void process(@Element Row row, OutputReceiver<Row> out) throws InterruptedException {
      owed += micros;
      if (owed >= 1_000) {
        Thread.sleep(owed / 1_000);
        owed %= 1_000;
      }
      out.output(row);
    }
  }

  /**
   * Samples the used heap after garbage collections: after every collection the JVM makes (from
   * its notifications), and after a full collection forced every {@code everyMillis}, which is
   * the live set. Writes {@code baseline <bytes>} after a forced collection once the first
   * element reached the sink.
   */
  static final class HeapSampler {
    static void start(Path file, long everyMillis) throws IOException {
      OutputStream stream = Files.newOutputStream(file);
      long t0 = System.currentTimeMillis();
      Object lock = new Object();
      java.util.function.Consumer<String> write = line -> {
        synchronized (lock) {
          try {
            stream.write((line + "\n").getBytes(StandardCharsets.UTF_8));
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      };
      for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
        ((NotificationEmitter) gc).addNotificationListener((notification, handback) -> {
          if (!notification.getType()
              .equals(GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION)) {
            return;
          }
          GarbageCollectionNotificationInfo info = GarbageCollectionNotificationInfo.from(
              (CompositeData) notification.getUserData());
          long used = 0;
          for (MemoryUsage usage : info.getGcInfo().getMemoryUsageAfterGc().values()) {
            used += usage.getUsed();
          }
          write.accept("gc " + (System.currentTimeMillis() - t0) + " " + used + " "
              + info.getGcCause().replace(' ', '_'));
        }, null, null);
      }
      Thread sampler = new Thread(() -> {
        try {
          write.accept("start " + fullGc());
          while (FIRST_OUTPUT_MILLIS.get() == 0) {
            Thread.sleep(50);
          }
          write.accept("baseline " + fullGc());
          while (true) {
            Thread.sleep(everyMillis);
            write.accept("full " + (System.currentTimeMillis() - t0) + " " + fullGc());
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }, "fault-heap-sampler");
      sampler.setDaemon(true);
      sampler.start();
    }

    /** Used heap right after a forced full collection: the live set. */
    private static long fullGc() {
      System.gc();
      return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
  }
}
