package io.heliosdb.beam.cdc;

import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.transforms.Impulse;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.apache.beam.sdk.values.TypeDescriptor;

/**
 * CDC mode: one change stream of the read's tables, from the log's position ({@link
 * StreamStart#fromLog}), each table's change envelopes in their own {@code PCollection}, tagged
 * {@link CdcSpec#outputTag}.
 */
public class CdcRead extends PTransform<PBegin, PCollectionTuple> {
  private final CdcSpec spec;

  public CdcRead(CdcSpec spec) {
    this.spec = spec;
  }

  @Override
  public PCollectionTuple expand(PBegin input) {
    PCollection<StreamStart> start = input
        .apply("Start", Impulse.create())
        .apply(
            "From the log's position",
            MapElements.into(TypeDescriptor.of(StreamStart.class)).via(b -> StreamStart.fromLog()))
        .setCoder(FromLogCoder.of());
    return readChanges(start, spec);
  }

  /** Reads the changes of every table of {@code spec} from the stream {@code start}s. */
  public static PCollectionTuple readChanges(PCollection<StreamStart> start, CdcSpec spec) {
    List<TupleTag<?>> others = new ArrayList<>();
    for (int i = 1; i < spec.tables().size(); i++) {
      others.add(spec.outputTag(i));
    }
    PCollectionTuple changes = start.apply(
        "Read changes of " + spec.label(),
        ParDo.of(new ReadChangesDoFn(spec))
            .withOutputTags(spec.outputTag(0), TupleTagList.of(others)));
    for (int i = 0; i < spec.tables().size(); i++) {
      changes.get(spec.outputTag(i)).setRowSchema(spec.envelopeSchema(i));
    }
    return changes;
  }
}
