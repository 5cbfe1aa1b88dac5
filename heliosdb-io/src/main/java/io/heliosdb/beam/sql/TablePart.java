package io.heliosdb.beam.sql;

import io.heliosdb.beam.RowFilter;
import io.heliosdb.beam.dialect.Dialect;
import io.heliosdb.beam.schema.ColumnInfo;
import io.heliosdb.beam.schema.TableMetadata;
import java.io.Serializable;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The part of a table a read outputs: its columns, in the order given (all, in table order, if
 * none are given), and the rows that match a filter (all if none).
 *
 * @param columns the projected columns, exactly as the catalog names them; empty for all
 * @param filter the rows' condition; null for all rows
 */
public record TablePart(List<String> columns, @Nullable RowFilter filter) implements Serializable {
  /** Every column and every row. */
  public static final TablePart WHOLE = new TablePart(List.of(), null);

  public TablePart {
    columns = List.copyOf(columns);
  }

  /**
   * Checks that the table has every projected column.
   *
   * @throws IllegalArgumentException naming the column, the table and its columns
   */
  public void checkColumnsOf(TableMetadata table) {
    for (String column : columns) {
      if (table.column(column).isEmpty()) {
        throw new IllegalArgumentException(
            "withColumns(" + columns + "): table " + table.table() + " has no column " + column
                + "; its columns are " + table.columns().stream().map(ColumnInfo::name).toList()
                + " (names as the catalog stores them, case included)");
      }
    }
  }

  /** The table with only the output columns, in output order. */
  public TableMetadata output(TableMetadata table) {
    if (columns.isEmpty()) {
      return table;
    }
    return withColumns(table, columns);
  }

  /**
   * The columns a read selects: the output columns, then those of {@code needed} (a chunk key, a
   * cursor) that the output lacks, which the read uses but does not output.
   */
  public TableMetadata selected(TableMetadata table, List<String> needed) {
    TableMetadata output = output(table);
    List<String> names = new ArrayList<>(output.columns().stream().map(ColumnInfo::name).toList());
    int outputSize = names.size();
    for (String column : needed) {
      if (!names.contains(column)) {
        names.add(column);
      }
    }
    return names.size() == outputSize ? output : withColumns(table, names);
  }

  private static TableMetadata withColumns(TableMetadata table, List<String> names) {
    List<ColumnInfo> selected =
        names.stream().map(name -> table.column(name).orElseThrow()).toList();
    return new TableMetadata(table.table(), selected, table.primaryKey(), table.uniqueColumns());
  }

  /**
   * The filter as a predicate to AND with others, {@code (condition\n)}, or null without one: the
   * line break ends the condition even if a database took its last characters for a comment.
   */
  public @Nullable String predicate() {
    return filter == null ? null : "(" + filter.getCondition() + "\n)";
  }

  /**
   * Binds the filter's parameters from {@code index} on.
   *
   * @return the index of the next parameter
   */
  public int bindFilter(Dialect dialect, PreparedStatement statement, int index)
      throws SQLException {
    if (filter == null) {
      return index;
    }
    for (Object value : filter.getParameters()) {
      dialect.bindValue(statement, index++, value);
    }
    return index;
  }

  /** {@code " WHERE " + predicates}, joined by AND, filter first; empty if there are none. */
  public String where(String... predicates) {
    List<String> all = new ArrayList<>();
    if (filter != null) {
      all.add(predicate());
    }
    for (String predicate : predicates) {
      if (predicate != null && !predicate.isEmpty()) {
        all.add(predicate);
      }
    }
    return all.isEmpty() ? "" : " WHERE " + String.join(" AND ", all);
  }
}
