package io.heliosdb.beam.snapshot;

import java.util.List;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.values.Row;

/** Emits the rows of each batch, in order. */
class FlattenBatchesFn extends DoFn<List<Row>, Row> {
  @ProcessElement
  public void process(@Element List<Row> batch, OutputReceiver<Row> out) {
    for (Row row : batch) {
      out.output(row);
    }
  }
}
