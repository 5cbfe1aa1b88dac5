package io.heliosdb.beam.snapshot;

import io.heliosdb.beam.dialect.Dialect;
import io.heliosdb.beam.sql.KeyTuples;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import org.apache.beam.sdk.values.Row;

/**
 * The SQL of snapshot reads. Identifiers are quoted by the dialect; every value is a {@code ?}
 * parameter.
 */
final class SnapshotSql {
  private final Dialect dialect;
  private final String from;
  private final String select;
  private final List<String> keys;

  SnapshotSql(SnapshotSpec spec) {
    this.dialect = spec.dialect();
    this.from = " FROM " + dialect.quoteTable(spec.table().table());
    this.select = dialect.selectAll(spec.table());
    this.keys = spec.splitColumns().stream().map(dialect::quoteIdentifier).toList();
  }

  /** Rows with {@code ? <= key < ?}, in key order, at most {@code ?} of them. */
  String keyRange() {
    String key = keys.get(0);
    return select + " WHERE " + key + " >= ? AND " + key + " < ? ORDER BY " + key + " "
        + dialect.limitClause();
  }

  /**
   * Rows between two key tuples: {@code >= lower} if {@code hasLower}, {@code < upper} if {@code
   * hasUpper}. Parameters: see {@link #bindTuple}.
   */
  String chunk(boolean hasLower, boolean hasUpper) {
    StringBuilder sql = new StringBuilder(select);
    String joiner = " WHERE ";
    if (hasLower) {
      sql.append(joiner).append(KeyTuples.compare(keys, ">", ">="));
      joiner = " AND ";
    }
    if (hasUpper) {
      sql.append(joiner).append(KeyTuples.compare(keys, "<", "<"));
    }
    return sql.toString();
  }

  String nullKeys() {
    return select + " WHERE " + keys.get(0) + " IS NULL";
  }

  String maxKey() {
    return select + " WHERE " + keys.get(0) + " = ?";
  }

  String fullTable() {
    return select;
  }

  String pages() {
    return select + " WHERE " + dialect.pageRangePredicate();
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

  /** Binds a key tuple for one comparison of {@link #chunk}; returns the next index. */
  int bindTuple(PreparedStatement statement, int index, Row tuple) throws SQLException {
    return KeyTuples.bind(dialect, statement, index, tuple);
  }
}
