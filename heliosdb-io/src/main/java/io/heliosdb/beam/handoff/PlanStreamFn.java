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
 * what each chunk read saw into the stream's plan: a {@link HandoffPlan} for one table, a {@link
 * TablesHandoffPlan} of one per table for a set of tables.
 */
final class PlanStreamFn extends DoFn<KV<Integer, Iterable<HandoffPart>>, StreamStart> {
  private static final Logger LOG = LoggerFactory.getLogger(PlanStreamFn.class);

  private final Dialect dialect;
  /** The key fields of each table. */
  private final List<List<String>> keyFields;
  private final String label;

  PlanStreamFn(Dialect dialect, List<List<String>> keyFields, String label) {
    this.dialect = dialect;
    this.keyFields = keyFields;
    this.label = label;
  }

  @ProcessElement
  public void process(
      @Element KV<Integer, Iterable<HandoffPart>> parts, OutputReceiver<StreamStart> out) {
    HandoffStart start = null;
    List<List<ChunkSnapshot>> chunks = new ArrayList<>();
    keyFields.forEach(table -> chunks.add(new ArrayList<>()));
    int reads = 0;
    for (HandoffPart part : parts.getValue()) {
      if (part.start() != null) {
        start = part.start();
      } else {
        chunks.get(part.table()).add(part.chunk());
        reads++;
      }
    }
    if (start == null) {
      throw new HeliosDbException("[" + label + "] the snapshot's chunks came without its start");
    }
    List<HandoffPlan> plans = new ArrayList<>();
    for (int table = 0; table < keyFields.size(); table++) {
      plans.add(new HandoffPlan(start.offset(), dialect, keyFields.get(table), chunks.get(table)));
    }
    LOG.info("[{}] snapshot done ({} chunk reads, {} after merging); streaming from {}", label,
        reads, plans.stream().mapToInt(HandoffPlan::chunkCount).sum(), start.position());
    out.output(plans.size() == 1 ? plans.get(0) : new TablesHandoffPlan(plans));
  }
}
