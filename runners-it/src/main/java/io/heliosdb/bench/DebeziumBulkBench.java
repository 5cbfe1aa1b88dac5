package io.heliosdb.bench;

import io.debezium.embedded.Connect;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import io.debezium.engine.format.ChangeEventFormat;
import java.io.PrintStream;
import java.net.URI;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * The bare-Debezium bulk case of the CDC benchmark ({@code <db>/debezium/bulk}), run in a fresh JVM
 * by {@code runners-it/bench.sh cdc}: the bulk case of {@link CdcBench} with Debezium's own
 * embedded engine in place of the pipeline, and nothing of Beam or HeliosDbIO between the
 * connector and the count. It prints one JSON line to stdout, in the format of the HeliosDbIO bulk
 * cases with {@code "runner":"debezium"}; {@link CdcSummary} divides each runner's bulk changes/s
 * by this case's.
 *
 * <pre>
 * DebeziumBulkBench &lt;postgres|mariadb&gt; [debezium.property=value ...]
 * DebeziumBulkBench cleanup &lt;postgres|mariadb&gt;   drops the slot and publication bench_cdc_dbz
 * </pre>
 *
 * <p>The table, the prefill and the UPDATE statements are {@link CdcBulk}'s, as in the HeliosDbIO
 * case: {@code bench_cdc} recreated and filled with {@code bench.bulkRows} rows before the engine
 * starts, then updated in statements of {@code bench.bulkBatchRows} rows once the stream is live.
 *
 * <p>The engine: {@code DebeziumEngine.create(ChangeEventFormat.of(Connect.class))} (the async
 * embedded engine of {@code debezium-embedded}, records handed over as Kafka Connect {@code
 * SourceRecord}s, no serialization), offsets in Kafka Connect's {@code
 * MemoryOffsetBackingStore}, Debezium's defaults otherwise ({@code max.batch.size} 2048, {@code
 * max.queue.size} 8192, {@code poll.interval.ms} 500, one record processing thread per core, no
 * transforms), the connector configured as a user would for this one table (see {@link
 * #connectorProperties}); extra arguments {@code key=value} are added to or replace the engine's
 * properties. Its consumer (a {@code ChangeConsumer}, called with each batch the connector
 * polled) takes {@code System.currentTimeMillis()} per record, reads {@code op} and the row's
 * {@code id} from the change's {@code after} image (else {@code before}), counts it with {@link
 * CdcBench#recordArrival} (the same per-id counters and exactly-once check as the HeliosDbIO
 * case), and marks the record processed; records without an {@code op} (schema changes) are
 * skipped.
 *
 * <p>The stream is live when a marker row arrived ({@link CdcBench#waitUntilLive}: a row with id
 * -1, -2, ... inserted every 250 ms from the engine's start); {@code live_after_ms} is measured
 * from the engine's {@code run()}. The fields are those of the HeliosDbIO bulk case ({@link
 * CdcBench}), plus {@code debezium_version}, {@code engine_properties} (without the password) and,
 * on PostgreSQL, {@code slot_dropped}. After the measurement the engine is closed and (PostgreSQL)
 * the slot and the publication {@code bench_cdc_dbz} are dropped; a slot left by a case killed on
 * its time limit is dropped by the next case or by {@code cleanup}.
 */
public final class DebeziumBulkBench {
  private DebeziumBulkBench() {}

  /** The PostgreSQL replication slot and publication of these cases (not HeliosDbIO's). */
  static final String SLOT = "bench_cdc_dbz";

  public static void main(String[] args) {
    PrintStream json = BenchSupport.takeStdout();
    BenchSupport.cleanupIfAsked(args, SLOT);
    if (args.length < 1) {
      System.err.println("usage: DebeziumBulkBench <postgres|mariadb> [debezium.property=value ...]"
          + "\n       DebeziumBulkBench cleanup <postgres|mariadb>");
      System.exit(2);
    }
    Map<String, Object> line = new LinkedHashMap<>();
    line.put("bench", "cdc");
    line.put("db", args[0]);
    line.put("runner", "debezium");
    line.put("mode", "bulk");
    BenchSupport.startWatchdog(
        line,
        () -> " (" + CdcBench.ARRIVED_IDS.get() + " ids arrived)",
        CdcBench::log,
        timedOut -> BenchSupport.finishWithPeakHeap(json, timedOut));

    boolean ok = false;
    BenchDatabase db = null;
    try {
      db = BenchDatabase.parse(args[0]);
      BenchSupport.startHeapSampler();
      run(db, Arrays.asList(args).subList(1, args.length), line);
      ok = true;
    } catch (Throwable t) {
      BenchSupport.recordFailure(line, t);
    }
    if (db != null && db.isPostgres()) {
      try {
        line.put("slot_dropped", BenchSupport.dropSlot(db, SLOT, 10));
      } catch (Throwable t) {
        CdcBench.log("cannot drop the slot: " + t);
        line.put("slot_dropped", false);
      }
    }
    BenchSupport.finishWithPeakHeap(json, line);
    System.exit(ok ? 0 : 1);
  }

  private static void run(BenchDatabase db, List<String> extra, Map<String, Object> line)
      throws Exception {
    if (db.isPostgres() && !BenchSupport.dropSlot(db, SLOT, 30)) {
      throw new IllegalStateException("replication slot " + SLOT + " is still active; drop it"
          + " with SELECT pg_drop_replication_slot('" + SLOT + "')");
    }
    int rows = CdcBulk.prefill(db, line);

    Properties properties = connectorProperties(db);
    for (String setting : extra) {
      int eq = setting.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("'" + setting + "' is not key=value");
      }
      properties.setProperty(setting.substring(0, eq), setting.substring(eq + 1));
    }
    line.put("debezium_version", io.debezium.Module.version());
    Map<String, String> shown = new TreeMap<>();
    properties.stringPropertyNames().stream()
        .filter(k -> !k.contains("password"))
        .forEach(k -> shown.put(k, properties.getProperty(k)));
    line.put("engine_properties", shown);
    CdcBench.log("engine properties: " + shown);

    AtomicReference<String> stopped = new AtomicReference<>();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    DebeziumEngine<RecordChangeEvent<SourceRecord>> engine =
        DebeziumEngine.create(ChangeEventFormat.of(Connect.class))
            .using(properties)
            .notifying(new RecordArrivals())
            .using((success, message, error) -> {
              failure.compareAndSet(null, error);
              stopped.compareAndSet(null, (success ? "stopped: " : "failed: ") + message);
              CdcBench.log("engine " + stopped.get());
            })
            .build();
    ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "bench-debezium-engine");
      t.setDaemon(true);
      return t;
    });
    Runnable running = () -> {
      if (stopped.get() != null) {
        throw new IllegalStateException("the Debezium engine " + stopped.get(), failure.get());
      }
    };
    try {
      executor.execute(engine);
      CdcBench.log("engine started");
      line.put("live_after_ms", CdcBench.waitUntilLive(db, running));
      CdcBulk.updateAndMeasure(db, rows, line, running);
    } finally {
      long t0 = System.nanoTime();
      engine.close();
      executor.shutdown();
      boolean done = executor.awaitTermination(30, TimeUnit.SECONDS);
      CdcBench.log(String.format("engine closed after %.1f s%s", (System.nanoTime() - t0) / 1e9,
          done ? "" : " (its thread still runs)"));
    }
  }

  /**
   * The connector's and engine's properties for {@code bench_cdc}: PostgreSQL connector with
   * {@code pgoutput}, slot and publication {@code bench_cdc_dbz} (the publication created by the
   * connector for the included table: {@code publication.autocreate.mode=filtered}); MariaDB
   * connector with a random server id in 100000..2^31-1 and the schema history in memory ({@code
   * MemorySchemaHistory}); both {@code snapshot.mode=no_data} (the stream starts at the log's end
   * when the engine starts; the prefilled rows are not read), {@code table.include.list} the one
   * table, offsets in {@code MemoryOffsetBackingStore}.
   */
  static Properties connectorProperties(BenchDatabase db) {
    URI uri = URI.create(db.url.substring("jdbc:".length()));
    Properties p = new Properties();
    p.setProperty("name", "bench-cdc-debezium");
    p.setProperty("offset.storage", "org.apache.kafka.connect.storage.MemoryOffsetBackingStore");
    p.setProperty("topic.prefix", SLOT);
    p.setProperty("database.hostname", uri.getHost());
    p.setProperty("database.port", String.valueOf(uri.getPort()));
    p.setProperty("database.user", db.user);
    p.setProperty("database.password", db.password == null ? "" : db.password);
    p.setProperty("table.include.list", db.namespace + "." + CdcBench.TABLE);
    p.setProperty("snapshot.mode", "no_data");
    if (db.isPostgres()) {
      p.setProperty("connector.class", "io.debezium.connector.postgresql.PostgresConnector");
      p.setProperty("database.dbname", uri.getPath().substring(1));
      p.setProperty("plugin.name", "pgoutput");
      p.setProperty("slot.name", SLOT);
      p.setProperty("publication.name", SLOT);
      p.setProperty("publication.autocreate.mode", "filtered");
    } else {
      p.setProperty("connector.class", "io.debezium.connector.mariadb.MariaDbConnector");
      p.setProperty("database.server.id",
          String.valueOf(ThreadLocalRandom.current().nextLong(100_000, Integer.MAX_VALUE)));
      p.setProperty("database.include.list", db.namespace);
      p.setProperty("schema.history.internal",
          "io.debezium.relational.history.MemorySchemaHistory");
    }
    return p;
  }

  /** Counts each change's id as it arrives and marks the record processed. */
  static final class RecordArrivals
      implements DebeziumEngine.ChangeConsumer<RecordChangeEvent<SourceRecord>> {
    @Override
    public void handleBatch(
        List<RecordChangeEvent<SourceRecord>> events,
        DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> committer)
        throws InterruptedException {
      for (RecordChangeEvent<SourceRecord> event : events) {
        long now = System.currentTimeMillis();
        if (event.record().value() instanceof Struct change
            && change.schema().field("op") != null) {
          Struct image = change.getStruct("after");
          if (image == null) {
            image = change.getStruct("before");
          }
          CdcBench.recordArrival(
              image == null ? null : image.getInt64("id"), change.getString("op"), now);
        }
        committer.markProcessed(event);
      }
      committer.markBatchFinished();
    }
  }
}
