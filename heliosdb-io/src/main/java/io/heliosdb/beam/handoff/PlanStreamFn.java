package io.heliosdb.beam.handoff;

import io.heliosdb.beam.HeliosDbException;
import io.heliosdb.beam.cdc.StreamStart;
import io.heliosdb.beam.dialect.Dialect;
import io.heliosdb.beam.snapshot.ChunkSnapshot;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.values.KV;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Once every chunk is read (the grouping fires when its input is complete), joins the start and
 * what each chunk read saw into the stream's {@link HandoffPlan}.
 */
final class PlanStreamFn extends DoFn<KV<Integer, Iterable<HandoffPart>>, StreamStart> {
  private static final Logger LOG = LoggerFactory.getLogger(PlanStreamFn.class);

  private final Dialect dialect;
  private final List<String> keyFields;
  private final String label;

  PlanStreamFn(Dialect dialect, List<String> keyFields, String label) {
    this.dialect = dialect;
    this.keyFields = keyFields;
    this.label = label;
  }

  @ProcessElement
  public void process(@Element KV<Integer, Iterable<HandoffPart>> parts, OutputReceiver<StreamStart> out) {
    HandoffStart start = null;
    List<ChunkSnapshot> chunks = new ArrayList<>();
    for (HandoffPart part : parts.getValue()) {
      if (part.start() != null) {
        start = part.start();
      } else {
        chunks.add(part.chunk());
      }
    }
    if (start == null) {
      throw new HeliosDbException("[" + label + "] the snapshot's chunks came without its start");
    }
    HandoffPlan plan = new HandoffPlan(start.offset(), dialect, keyFields, chunks);
    LOG.info("[{}] snapshot done ({} chunk reads, {} after merging); streaming from {}", label,
        chunks.size(), plan.chunkCount(), start.position());
    out.output(plan);
  }
}
