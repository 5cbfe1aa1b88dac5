package io.heliosdb.beam.snapshot;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.apache.beam.sdk.values.Row;

/**
 * Collects the rows of a claimed chunk into batches of a fixed size before they are emitted.
 */
final class RowBatcher {
  private final Consumer<List<Row>> out;
  private final int batchSize;
  private List<Row> batch;
  private long rows;

  RowBatcher(Consumer<List<Row>> out, int batchSize) {
    this.out = out;
    this.batchSize = batchSize;
    this.batch = new ArrayList<>(batchSize);
  }

  void add(Row row) {
    batch.add(row);
    rows++;
    if (batch.size() == batchSize) {
      flush();
    }
  }

  long rows() {
    return rows;
  }

  /** Outputs the partial batch: call it before any claim that may fail. */
  void flush() {
    if (!batch.isEmpty()) {
      out.accept(batch);
      batch = new ArrayList<>(batchSize);
    }
  }
}
