package io.heliosdb.beam.sql;

import io.heliosdb.beam.dialect.Dialect;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import org.apache.beam.sdk.values.Row;

/**
 * Lexicographic comparisons of key tuples in SQL, with every value a {@code ?} parameter: how the
 * read modes resume after a row or bound a chunk by a composite key.
 */
public final class KeyTuples {
  private KeyTuples() {}

  /**
   * {@code (k1 strictOp ? OR (k1 = ? AND (k2 ...)))}, whose last column compares with {@code
   * lastOp}: for example {@code (">", ">")} selects the tuples after a given one, {@code (">",
   * ">=")} those from it on, {@code ("<", "<")} those before it.
   *
   * @param quotedKeys the key columns, already quoted by the dialect
   */
  public static String compare(List<String> quotedKeys, String strictOp, String lastOp) {
    return compare(quotedKeys, 0, strictOp, lastOp);
  }

  private static String compare(List<String> keys, int i, String strictOp, String lastOp) {
    String key = keys.get(i);
    if (i == keys.size() - 1) {
      return key + " " + lastOp + " ?";
    }
    return "(" + key + " " + strictOp + " ? OR (" + key + " = ? AND "
        + compare(keys, i + 1, strictOp, lastOp) + "))";
  }

  /**
   * Binds a tuple for one {@link #compare}: every value but the last twice (for {@code k > ?} and
   * {@code k = ?}), the last once.
   *
   * @return the next parameter index
   */
  public static int bind(Dialect dialect, PreparedStatement statement, int index, Row tuple)
      throws SQLException {
    int last = tuple.getFieldCount() - 1;
    for (int i = 0; i <= last; i++) {
      Object value = tuple.getValue(i);
      dialect.bindValue(statement, index++, value);
      if (i < last) {
        dialect.bindValue(statement, index++, value);
      }
    }
    return index;
  }
}
