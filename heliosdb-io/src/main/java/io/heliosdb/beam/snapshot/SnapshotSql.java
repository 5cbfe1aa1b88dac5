package io.heliosdb.beam.snapshot;

import io.heliosdb.beam.dialect.Dialect;
import io.heliosdb.beam.sql.KeyTuples;
import io.heliosdb.beam.sql.TablePart;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.values.Row;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The SQL of snapshot reads. Identifiers are quoted by the dialect; every value is a {@code ?}
 * parameter. The queries that read rows select the read's {@link TablePart} (plus the split
 * column a key range needs) and AND its row filter, whose parameters come first, with their
 * bounds; the planner's queries (key bounds, boundaries, NULL keys) span the whole table, so
 * that the chunks cover every key whatever the filter.
 */
final class SnapshotSql {
  private final Dialect dialect;
  private final String from;
  private final String select;
  private final List<String> keys;
  private final boolean nullableKey;
  private final TablePart part;

  SnapshotSql(SnapshotSpec spec) {
    this.dialect = spec.dialect();
    this.from = " FROM " + dialect.quoteTable(spec.table().table());
    this.select = dialect.selectAll(spec.selectedColumns());
    this.keys = spec.splitColumns().stream().map(dialect::quoteIdentifier).toList();
    this.nullableKey = spec.splitKeyNullable();
    this.part = spec.part();
  }

  /**
   * Binds the row filter's parameters, which come first in every query that reads rows.
   *
   * @return the index of the query's next parameter
   */
  int bindFilter(PreparedStatement statement) throws SQLException {
    return part.bindFilter(dialect, statement, 1);
  }

  /** Rows with {@code ? <= key < ?}, in key order, at most {@code ?} of them (after the filter's). */
  String keyRange() {
    String key = keys.get(0);
    return select + part.where(key + " >= ?", key + " < ?") + " ORDER BY " + key + " "
        + dialect.limitClause();
  }

  /**
   * Rows between two key tuples: {@code >= lower} if {@code hasLower}, {@code < upper} if {@code
   * hasUpper}; never rows whose split key is NULL, which {@link #nullKeys} reads. A composite key
   * also bounds its leading column ({@code k1 >= ?}, {@code k1 <= ?}), which the tuple comparison
   * implies, so that the database scans only the index range. Parameters: see {@link #bindChunk}.
   */
  String chunk(boolean hasLower, boolean hasUpper) {
    List<String> predicates = new ArrayList<>();
    boolean composite = keys.size() > 1;
    if (hasLower) {
      predicates.add((composite ? keys.get(0) + " >= ? AND " : "")
          + KeyTuples.compare(keys, ">", ">="));
    }
    if (hasUpper) {
      predicates.add((composite ? keys.get(0) + " <= ? AND " : "")
          + KeyTuples.compare(keys, "<", "<"));
    }
    if (!hasLower && !hasUpper && nullableKey) {
      // a bound excludes NULL keys already (a comparison with NULL is never true)
      predicates.add(keys.get(0) + " IS NOT NULL");
    }
    return select + part.where(predicates.toArray(String[]::new));
  }

  /** Binds the parameters of {@link #chunk} for the given bounds (null: none), filter first. */
  void bindChunk(PreparedStatement statement, @Nullable Row lower, @Nullable Row upper)
      throws SQLException {
    int index = bindFilter(statement);
    if (lower != null) {
      index = bindBound(statement, index, lower);
    }
    if (upper != null) {
      bindBound(statement, index, upper);
    }
  }

  private int bindBound(PreparedStatement statement, int index, Row tuple) throws SQLException {
    if (keys.size() > 1) {
      dialect.bindValue(statement, index++, tuple.getValue(0));
    }
    return KeyTuples.bind(dialect, statement, index, tuple);
  }

  String nullKeys() {
    return select + part.where(keys.get(0) + " IS NULL");
  }

  String maxKey() {
    return select + part.where(keys.get(0) + " = ?");
  }

  String fullTable() {
    return select + part.where();
  }

  String pages() {
    return select + part.where(dialect.pageRangePredicate());
  }

  /** All split-key values in key order, for chunk boundaries. */
  String orderedKeys(boolean skipNulls) {
    String keyList = String.join(", ", keys);
    return "SELECT " + keyList + from
        + (skipNulls ? " WHERE " + keys.get(0) + " IS NOT NULL" : "")
        + " ORDER BY " + keyList;
  }

  String minMaxKey() {
    String key = keys.get(0);
    return "SELECT MIN(" + key + "), MAX(" + key + ")" + from;
  }

  String anyNullKey() {
    return "SELECT 1" + from + " WHERE " + keys.get(0) + " IS NULL " + dialect.limitClause();
  }

}
