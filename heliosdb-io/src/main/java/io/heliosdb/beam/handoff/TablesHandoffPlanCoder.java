package io.heliosdb.beam.handoff;

import io.heliosdb.beam.cdc.StreamStart;
import io.heliosdb.beam.dialect.Dialect;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.coders.CoderException;
import org.apache.beam.sdk.coders.CustomCoder;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A deterministic coder of a {@link TablesHandoffPlan}: each table's plan in the read's order, as
 * {@link HandoffPlanCoder} writes it with that table's key fields.
 */
final class TablesHandoffPlanCoder extends CustomCoder<StreamStart> {
  private static final long serialVersionUID = 1L;

  private final List<HandoffPlanCoder> tables;

  /** @param keyFields the key fields of each table, in the read's order */
  TablesHandoffPlanCoder(Dialect dialect, List<List<String>> keyFields) {
    List<HandoffPlanCoder> coders = new ArrayList<>();
    keyFields.forEach(fields -> coders.add(new HandoffPlanCoder(dialect, fields)));
    this.tables = List.copyOf(coders);
  }

  @Override
  public void encode(StreamStart value, OutputStream out) throws IOException {
    if (!(value instanceof TablesHandoffPlan plan) || plan.tables().size() != tables.size()) {
      throw new CoderException("not a stream plan of " + tables.size() + " tables: " + value);
    }
    for (int i = 0; i < tables.size(); i++) {
      tables.get(i).encode(plan.tables().get(i), out);
    }
  }

  @Override
  public StreamStart decode(InputStream in) throws IOException {
    List<HandoffPlan> plans = new ArrayList<>(tables.size());
    for (HandoffPlanCoder table : tables) {
      plans.add((HandoffPlan) table.decode(in));
    }
    return new TablesHandoffPlan(plans);
  }

  @Override
  public void verifyDeterministic() {}

  @Override
  public boolean equals(@Nullable Object other) {
    return other instanceof TablesHandoffPlanCoder coder && tables.equals(coder.tables);
  }

  @Override
  public int hashCode() {
    return tables.hashCode();
  }
}
