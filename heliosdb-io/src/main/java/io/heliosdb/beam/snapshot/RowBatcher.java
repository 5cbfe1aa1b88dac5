package io.heliosdb.beam.snapshot;

import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.transforms.DoFn.OutputReceiver;
import org.apache.beam.sdk.values.Row;

/**
 * Collects the rows of a claimed chunk into batches of a fixed size before output. Runners count and check outputs of a
 * splittable DoFn one by one (the Direct runner checkpoints after 100 of them), so batches keep
 * that cost per batch rather than per row; a following step flattens them.
 */
final class RowBatcher {
  private final OutputReceiver<List<Row>> out;
  private final int batchSize;
  private List<Row> batch;
  private long rows;

  RowBatcher(OutputReceiver<List<Row>> out, int batchSize) {
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
      out.output(batch);
      batch = new ArrayList<>(batchSize);
    }
  }
}
