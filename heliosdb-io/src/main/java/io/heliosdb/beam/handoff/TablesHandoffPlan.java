package io.heliosdb.beam.handoff;

import io.heliosdb.beam.cdc.StreamStart;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.values.Row;
import org.apache.kafka.connect.data.Struct;

/**
 * The change stream of a set of tables after their snapshots: one stream, started before the
 * first chunk of any table was read, and for each table the {@link HandoffPlan} of its chunks,
 * which decides its changes exactly as a single table's plan does.
 */
final class TablesHandoffPlan implements StreamStart {
  private static final long serialVersionUID = 1L;

  private final List<HandoffPlan> tables;

  /** @param tables the plan of each table, in the read's order, all from one start */
  TablesHandoffPlan(List<HandoffPlan> tables) {
    this.tables = List.copyOf(tables);
    for (HandoffPlan table : tables) {
      if (!table.offset().equals(tables.get(0).offset())) {
        throw new IllegalArgumentException("the tables' plans start at different offsets");
      }
    }
  }

  @Override
  public Map<String, Object> offset() {
    return tables.get(0).offset();
  }

  /** The plan of each table. */
  List<HandoffPlan> tables() {
    return tables;
  }

  @Override
  public boolean emits(int table, Row change, Struct source) {
    return tables.get(table).emits(table, change, source);
  }

  @Override
  public boolean emitsEverythingFrom(Struct source) {
    return tables.stream().allMatch(table -> table.emitsEverythingFrom(source));
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof TablesHandoffPlan plan && tables.equals(plan.tables);
  }

  @Override
  public int hashCode() {
    return tables.hashCode();
  }
}
