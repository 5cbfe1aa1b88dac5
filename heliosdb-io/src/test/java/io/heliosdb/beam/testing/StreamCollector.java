package io.heliosdb.beam.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PDone;
import org.apache.beam.sdk.values.Row;
import org.joda.time.Instant;

/**
 * Collects what an unbounded pipeline outputs, in this JVM (Direct runner, Flink's local cluster),
 * with each element's event timestamp and arrival time, so that a test can wait for it and check
 * it while the pipeline keeps running.
 */
public final class StreamCollector {
  private static final Map<String, Queue<Arrival>> ARRIVALS = new ConcurrentHashMap<>();

  /** One element as it reached the end of the pipeline. */
  public record Arrival(String value, long eventMillis, long arrivedMillis) {}

  private final String id = UUID.randomUUID().toString();

  /** Collects each element, rendered by {@code render}. */
  public <T> PDone collect(PCollection<T> input, SerializableFunction<T, String> render) {
    input.apply(
        "Collect " + input.getName() + " " + id.substring(0, 8),
        ParDo.of(new CollectFn<>(id, render)));
    return PDone.in(input.getPipeline());
  }

  /** Collects rows rendered as {@code field1:field2:...}. */
  public PDone collectRows(PCollection<Row> rows, String... fields) {
    return collect(rows, row -> render(row, fields));
  }

  /** Renders a row's fields as {@code value1:value2:...}. */
  public static String render(Row row, String... fields) {
    List<String> values = new ArrayList<>();
    for (String field : fields) {
      values.add(String.valueOf((Object) row.getValue(field)));
    }
    return String.join(":", values);
  }

  public List<Arrival> arrivals() {
    return new ArrayList<>(ARRIVALS.getOrDefault(id, new ConcurrentLinkedQueue<>()));
  }

  public List<String> values() {
    return arrivals().stream().map(Arrival::value).toList();
  }

  /** How many times each value arrived. */
  public Map<String, Long> counts() {
    return values().stream().collect(Collectors.groupingBy(Function.identity(),
        Collectors.counting()));
  }

  /** The values that arrived more than once. */
  public List<String> duplicates() {
    return counts().entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey)
        .sorted().toList();
  }

  /**
   * Waits until nothing more has arrived for {@code quietMillis}, at most {@code maxMillis}: the
   * outputs of parallel steps (a stream's two readers, a snapshot's readers) reach a collector by
   * separate paths, so one arriving says nothing about another still on its way.
   */
  public void awaitQuiet(long quietMillis, long maxMillis) throws InterruptedException {
    long deadline = System.currentTimeMillis() + maxMillis;
    int seen = values().size();
    long quietSince = System.currentTimeMillis();
    while (System.currentTimeMillis() < deadline) {
      Thread.sleep(100);
      int now = values().size();
      if (now != seen) {
        seen = now;
        quietSince = System.currentTimeMillis();
      } else if (System.currentTimeMillis() - quietSince >= quietMillis) {
        return;
      }
    }
  }

  /** Forgets what was collected (static state shared by the JVM). */
  public void clear() {
    ARRIVALS.remove(id);
  }

  private static final class CollectFn<T> extends DoFn<T, Void> {
    private final String id;
    private final SerializableFunction<T, String> render;

    CollectFn(String id, SerializableFunction<T, String> render) {
      this.id = id;
      this.render = render;
    }

    @ProcessElement
    public void process(@Element T element, @Timestamp Instant timestamp) {
      ARRIVALS
          .computeIfAbsent(id, k -> new ConcurrentLinkedQueue<>())
          .add(new Arrival(render.apply(element), timestamp.getMillis(),
              System.currentTimeMillis()));
    }
  }
}
