package io.heliosdb.beam.cdc;

import io.heliosdb.beam.metrics.SourceMetrics;
import io.heliosdb.beam.schema.TableId;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.kafka.connect.data.Struct;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The tables of one change stream: finds a change's table by the {@code source} block the log
 * gives it, and holds that table's converter and metrics.
 */
final class ChangeRouter {
  /** One captured table of the stream. */
  record Route(int index, TupleTag<Row> tag, ChangeConverter converter, SourceMetrics metrics) {}

  private final Map<TableId, Route> routes = new HashMap<>();
  private final Route[] byIndex;

  ChangeRouter(CdcSpec spec) {
    List<TableId> tables = spec.settings().tables();
    byIndex = new Route[tables.size()];
    for (int i = 0; i < tables.size(); i++) {
      Route route = new Route(
          i, spec.outputTag(i), new ChangeConverter(spec, i),
          SourceMetrics.of(spec.connection(), tables.get(i).toString()));
      routes.put(tables.get(i), route);
      byIndex[i] = route;
    }
  }

  /**
   * The table of a change, or null for a table the read does not capture (a publication a user
   * shares with other readers may publish more).
   *
   * @param source the Debezium {@code source} block: {@code db}, {@code schema} (PostgreSQL,
   *     Oracle), {@code table}
   */
  @Nullable Route routeOf(Struct source) {
    boolean hasSchema = source.schema().field("schema") != null
        && source.getString("schema") != null;
    String namespace = hasSchema ? source.getString("schema") : source.getString("db");
    return routes.get(new TableId(namespace, source.getString("table")));
  }

  /** Every table, in the read's order. */
  List<Route> all() {
    return List.of(byIndex);
  }
}
