package io.heliosdb.beam.snapshot;

import io.heliosdb.beam.dialect.Dialect;
import io.heliosdb.beam.sql.KeyTuples;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import org.apache.beam.sdk.values.Row;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The SQL of snapshot reads. Identifiers are quoted by the dialect; every value is a {@code ?}
 * parameter.
 */
final class SnapshotSql {
  private final Dialect dialect;
  private final String from;
  private final String select;
  private final List<String> keys;
  private final boolean nullableKey;

  SnapshotSql(SnapshotSpec spec) {
    this.dialect = spec.dialect();
    this.from = " FROM " + dialect.quoteTable(spec.table().table());
    this.select = dialect.selectAll(spec.table());
    this.keys = spec.splitColumns().stream().map(dialect::quoteIdentifier).toList();
    this.nullableKey = spec.splitKeyNullable();
  }

  /** Rows with {@code ? <= key < ?}, in key order, at most {@code ?} of them. */
  String keyRange() {
    String key = keys.get(0);
    return select + " WHERE " + key + " >= ? AND " + key + " < ? ORDER BY " + key + " "
        + dialect.limitClause();
  }

  /**
   * Rows between two key tuples: {@code >= lower} if {@code hasLower}, {@code < upper} if {@code
   * hasUpper}; never rows whose split key is NULL, which {@link #nullKeys} reads. A composite key
   * also bounds its leading column ({@code k1 >= ?}, {@code k1 <= ?}), which the tuple comparison
   * implies, so that the database scans only the index range. Parameters: see {@link #bindChunk}.
   */
  String chunk(boolean hasLower, boolean hasUpper) {
    StringBuilder sql = new StringBuilder(select);
    String joiner = " WHERE ";
    boolean composite = keys.size() > 1;
    if (hasLower) {
      sql.append(joiner);
      if (composite) {
        sql.append(keys.get(0)).append(" >= ? AND ");
      }
      sql.append(KeyTuples.compare(keys, ">", ">="));
      joiner = " AND ";
    }
    if (hasUpper) {
      sql.append(joiner);
      if (composite) {
        sql.append(keys.get(0)).append(" <= ? AND ");
      }
      sql.append(KeyTuples.compare(keys, "<", "<"));
      joiner = " AND ";
    }
    if (!hasLower && !hasUpper && nullableKey) {
      // a bound excludes NULL keys already (a comparison with NULL is never true)
      sql.append(joiner).append(keys.get(0)).append(" IS NOT NULL");
    }
    return sql.toString();
  }

  /** Binds the parameters of {@link #chunk} for the given bounds (null: none). */
  void bindChunk(PreparedStatement statement, @Nullable Row lower, @Nullable Row upper)
      throws SQLException {
    int index = 1;
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

}
