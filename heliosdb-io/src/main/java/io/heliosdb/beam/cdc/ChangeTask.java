package io.heliosdb.beam.cdc;

import io.heliosdb.beam.HeliosDbException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.common.metrics.PluginMetrics;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.SourceTask;
import org.apache.kafka.connect.source.SourceTaskContext;
import org.apache.kafka.connect.storage.OffsetStorageReader;

/**
 * A running Debezium connector task, driven directly: started at a {@link LogPosition}, polled
 * for change records, acknowledged with positions the runner has committed.
 *
 * <p>The connector reads its start offset, and (PostgreSQL) the offset it flushes to the slot,
 * from {@link #offsets}, which only ever holds the start position or an acknowledged one.
 */
final class ChangeTask implements AutoCloseable {
  private final SourceTask task;
  private final AtomicReference<Map<String, Object>> offsets;
  private final Deque<SourceRecord> pending = new ArrayDeque<>();
  private final LogPosition start;
  private LogPosition next;
  private final Acknowledgements acknowledgements = new Acknowledgements();
  private boolean closed;

  private ChangeTask(SourceTask task, AtomicReference<Map<String, Object>> offsets,
      LogPosition next) {
    this.task = task;
    this.offsets = offsets;
    this.start = next;
    this.next = next;
  }

  /** The offset this task started at. */
  Map<String, Object> startOffset() {
    return start.offset();
  }

  /** Starts the connector task of {@code taskClass} at {@code from}. */
  static ChangeTask start(String taskClass, Map<String, String> properties, LogPosition from) {
    SourceTask task;
    try {
      task = (SourceTask) Class.forName(taskClass).getDeclaredConstructor().newInstance();
    } catch (ReflectiveOperationException e) {
      throw new HeliosDbException("Cannot create the Debezium task " + taskClass, e);
    }
    AtomicReference<Map<String, Object>> offsets = new AtomicReference<>(new HashMap<>(from.offset()));
    task.initialize(new Context(properties, offsets));
    try {
      task.start(properties);
    } catch (RuntimeException e) {
      task.stop(); // a failed start leaves its JMX beans registered otherwise
      throw new HeliosDbException("The log reader " + taskClass + " did not start at "
          + from.describe() + ": " + e.getMessage(), e);
    }
    return new ChangeTask(task, offsets, from);
  }

  /** The position after the last record handed out and claimed: where this task continues. */
  LogPosition next() {
    return next;
  }

  /** Whether records given back wait for the next {@link #poll}, which then returns them. */
  boolean hasPending() {
    return !pending.isEmpty();
  }

  /** Records not yet handed out first, else what the connector has (waits up to its poll). */
  List<SourceRecord> poll() throws InterruptedException {
    if (!pending.isEmpty()) {
      List<SourceRecord> records = new ArrayList<>(pending);
      pending.clear();
      return records;
    }
    List<SourceRecord> records = task.poll();
    return records == null ? List.of() : records;
  }

  /** Gives back records that were polled but not claimed, for the next call. */
  void giveBack(List<SourceRecord> records) {
    for (int i = records.size() - 1; i >= 0; i--) {
      pending.addFirst(records.get(i));
    }
  }

  /** Records that a record was claimed; returns its claim number, for {@link #acknowledge}. */
  synchronized long claimed(LogPosition position) {
    next = position;
    return acknowledgements.claimed(System.currentTimeMillis());
  }

  /** How long claims have waited for the runner's commit ({@link Acknowledgements}). */
  synchronized long unacknowledgedMillis() {
    return acknowledgements.unacknowledgedMillis(System.currentTimeMillis());
  }

  /** Whether the stream should warn that acknowledgements stand still ({@link Acknowledgements}). */
  synchronized boolean warnAcknowledgementStall() {
    return acknowledgements.warnStall(System.currentTimeMillis());
  }

  /**
   * Acknowledges a committed position (only ever forwards): the connector flushes it (the
   * PostgreSQL slot's confirmed LSN) at its next poll.
   */
  synchronized void acknowledge(LogPosition position, long claim) {
    if (closed || !acknowledgements.acknowledged(claim, System.currentTimeMillis())) {
      return; // a closed task's successor starts from the committed restriction
    }
    offsets.set(new HashMap<>(position.offset()));
    try {
      task.commit();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Stops the connector task, releasing its replication connection; later calls do nothing. */
  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      task.stop();
    }
  }

  /** What the connector asks of its runtime: its configuration and the offset to start from. */
  private static final class Context implements SourceTaskContext, OffsetStorageReader {
    private final Map<String, String> properties;
    private final AtomicReference<Map<String, Object>> offsets;

    Context(Map<String, String> properties, AtomicReference<Map<String, Object>> offsets) {
      this.properties = properties;
      this.offsets = offsets;
    }

    @Override
    public Map<String, String> configs() {
      return properties;
    }

    @Override
    public OffsetStorageReader offsetStorageReader() {
      return this;
    }

    @Override
    public PluginMetrics pluginMetrics() {
      return null; // Debezium does not use it
    }

    @Override
    public <T> Map<String, Object> offset(Map<String, T> partition) {
      return offsets.get();
    }

    @Override
    public <T> Map<Map<String, T>, Map<String, Object>> offsets(
        Collection<Map<String, T>> partitions) {
      Map<Map<String, T>, Map<String, Object>> result = new HashMap<>();
      for (Map<String, T> partition : partitions) {
        result.put(partition, offsets.get());
      }
      return result;
    }
  }
}
