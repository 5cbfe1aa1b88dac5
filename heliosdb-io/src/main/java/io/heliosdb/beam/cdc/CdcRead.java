package io.heliosdb.beam.cdc;

import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.Impulse;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.apache.beam.sdk.values.TypeDescriptor;
import org.checkerframework.checker.nullness.qual.Nullable;

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
    return readChanges(start, spec, "Read changes of " + spec.label(), null);
  }

  /**
   * Reads the changes of every table of {@code spec} after a snapshot, from its plan {@code
   * plan}: while the plan decides which changes the snapshot already saw, with the plan as the
   * stream's element; then, once it emits every change, with an element that holds only the
   * position, so that the state a runner keeps per checkpoint no longer holds the plan.
   *
   * @return each table's changes, tagged {@link CdcSpec#outputTag}
   */
  public static PCollectionTuple readChangesAfter(PCollection<StreamStart> plan, CdcSpec spec) {
    TupleTag<StreamStart> handover = new TupleTag<>("handover") {};
    PCollectionTuple decided =
        readChanges(plan, spec, "Read changes of " + spec.label(), handover);
    PCollection<StreamStart> rest = decided.get(handover).setCoder(AtPositionCoder.of());
    PCollectionTuple undecided =
        readChanges(rest, spec, "Read changes of " + spec.label() + " past the snapshot", null);
    PCollectionTuple changes = PCollectionTuple.empty(plan.getPipeline());
    for (int i = 0; i < spec.tables().size(); i++) {
      TupleTag<Row> tag = spec.outputTag(i);
      changes = changes.and(tag,
          PCollectionList.of(decided.get(tag)).and(undecided.get(tag))
              .apply("Changes of " + spec.tables().get(i).table(), Flatten.pCollections())
              .setRowSchema(spec.envelopeSchema(i)));
    }
    return changes;
  }

  private static PCollectionTuple readChanges(
      PCollection<StreamStart> start, CdcSpec spec, String name,
      @Nullable TupleTag<StreamStart> handover) {
    List<TupleTag<?>> others = new ArrayList<>();
    for (int i = 1; i < spec.tables().size(); i++) {
      others.add(spec.outputTag(i));
    }
    if (handover != null) {
      others.add(handover);
    }
    PCollectionTuple changes = start.apply(
        name,
        ParDo.of(new ReadChangesDoFn(spec, handover))
            .withOutputTags(spec.outputTag(0), TupleTagList.of(others)));
    for (int i = 0; i < spec.tables().size(); i++) {
      changes.get(spec.outputTag(i)).setRowSchema(spec.envelopeSchema(i));
    }
    return changes;
  }
}
