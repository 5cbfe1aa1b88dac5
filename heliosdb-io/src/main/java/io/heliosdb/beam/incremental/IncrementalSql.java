package io.heliosdb.beam.incremental;

import io.heliosdb.beam.dialect.Dialect;
import io.heliosdb.beam.sql.KeyTuples;
import io.heliosdb.beam.sql.TablePart;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import org.apache.beam.sdk.values.Row;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The poll query: the rows after the cursor (or from the start value) up to the cutoff, in
 * (tracking column, tie-break key) order, at most a page of them. Identifiers are quoted by the
 * dialect; every value is a {@code ?} parameter.
 */
final class IncrementalSql {
  private final Dialect dialect;
  private final String select;
  private final String tracking;
  private final List<String> cursorColumns;
  private final String orderAndLimit;
  private final TablePart part;

  IncrementalSql(IncrementalSpec spec) {
    this.dialect = spec.dialect();
    this.select = dialect.selectAll(spec.selectedColumns());
    this.part = spec.part();
    this.tracking = dialect.quoteIdentifier(spec.trackingColumn());
    this.cursorColumns = spec.cursorColumns().stream().map(dialect::quoteIdentifier).toList();
    this.orderAndLimit =
        " ORDER BY " + String.join(", ", cursorColumns) + " " + dialect.limitClause();
  }

  /**
   * The query for a cursor at {@code position} (null: the start), with or without a start value.
   * The redundant {@code tracking >= ?} lets the database range-scan the tracking index.
   */
  String poll(@Nullable Row position, boolean hasStart) {
    String where;
    if (position != null) {
      where = tracking + " >= ? AND " + KeyTuples.compare(cursorColumns, ">", ">") + " AND ";
    } else if (hasStart) {
      where = tracking + " >= ? AND ";
    } else {
      where = "";
    }
    return select + part.where(where + tracking + " <= ?") + orderAndLimit;
  }

  /** Binds the parameters of {@link #poll}: the row filter's first. */
  void bindPoll(
      PreparedStatement statement, @Nullable Row position, @Nullable Object start,
      Object cutoff, int limit)
      throws SQLException {
    int index = part.bindFilter(dialect, statement, 1);
    if (position != null) {
      dialect.bindValue(statement, index++, position.getValue(0));
      index = KeyTuples.bind(dialect, statement, index, position);
    } else if (start != null) {
      dialect.bindValue(statement, index++, start);
    }
    dialect.bindValue(statement, index++, cutoff);
    statement.setInt(index, limit);
  }
}
