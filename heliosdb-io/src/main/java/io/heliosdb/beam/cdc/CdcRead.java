package io.heliosdb.beam.cdc;

import org.apache.beam.sdk.transforms.Impulse;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TypeDescriptor;

/** CDC mode: one change stream of the table, from the log's position ({@link StreamStart#fromLog}). */
public class CdcRead extends PTransform<PBegin, PCollection<Row>> {
  private final CdcSpec spec;

  public CdcRead(CdcSpec spec) {
    this.spec = spec;
  }

  @Override
  public PCollection<Row> expand(PBegin input) {
    return input
        .apply("Start", Impulse.create())
        .apply(
            "From the log's position",
            MapElements.into(TypeDescriptor.of(StreamStart.class)).via(b -> StreamStart.fromLog()))
        .setCoder(FromLogCoder.of())
        .apply("Read changes of " + spec.label(), ParDo.of(new ReadChangesDoFn(spec)))
        .setRowSchema(spec.envelopeSchema());
  }
}
