package io.heliosdb.beam.cdc;

import io.heliosdb.beam.dialect.Dialect;
import io.heliosdb.beam.schema.TableId;
import java.io.Serializable;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/**
 * A selection of tables by a rule (a pattern, a namespace) that tables created later may match:
 * a change stream of the tables it selected when the pipeline was built watches for those.
 */
public interface SelectedTables extends Serializable {

  /** The tables the rule selects now; none (rather than an error) if it selects none. */
  List<TableId> current(Connection connection, Dialect dialect) throws SQLException;

  /** The rule as the user wrote it, e.g. {@code withTablePattern("shop\\.order.*")}. */
  String describe();
}
