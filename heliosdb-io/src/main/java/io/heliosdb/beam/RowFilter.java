package io.heliosdb.beam;

import static org.apache.beam.sdk.util.Preconditions.checkArgumentNotNull;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * A condition on a table's rows, in the database's SQL, with its values as {@code ?} parameters:
 * for example {@code RowFilter.of("region = ? AND amount > ?", "eu", 100)}. A snapshot ANDs it
 * with each chunk's key bounds, an incremental read with its cursor; the values are bound to the
 * statement, never written into the SQL.
 *
 * <p>The condition is one boolean expression on the table's columns: it may use the database's
 * functions and operators, and string literals, but no statement separator ({@code ;}), no
 * comment and no parenthesis left open or closed too early, so that it cannot change the bounds
 * it is ANDed with. Its {@code ?} placeholders (outside string literals and quoted identifiers)
 * must match the parameters in number. Each parameter is bound with {@code setObject}, so give
 * it the Java type of the column it is compared with ({@code Integer}, {@code Long}, {@code
 * BigDecimal}, {@code String}, {@code java.time.LocalDate}, ...).
 */
public final class RowFilter implements Serializable {
  private static final long serialVersionUID = 1L;

  private final String condition;
  private final List<Object> parameters;

  private RowFilter(String condition, List<Object> parameters) {
    this.condition = condition;
    this.parameters = parameters;
  }

  /**
   * The condition {@code condition} with {@code parameters} bound to its {@code ?} placeholders,
   * in order.
   *
   * @throws IllegalArgumentException if the condition is blank, could reach outside its
   *     parentheses, or its placeholders and the parameters differ in number, or a parameter is
   *     null or not serializable
   */
  public static RowFilter of(String condition, Object... parameters) {
    checkArgumentNotNull(condition, "withRowFilter(condition): condition must not be null");
    checkArgumentNotNull(parameters, "withRowFilter(condition, parameters): parameters must"
        + " not be null");
    String option = "withRowFilter(\"" + condition + "\")";
    if (condition.isBlank()) {
      throw new IllegalArgumentException(option + ": the condition is empty");
    }
    int placeholders = ConditionScanner.placeholders(condition, option);
    if (placeholders != parameters.length) {
      throw new IllegalArgumentException(
          option + ": the condition has " + placeholders + " ? placeholder(s) but "
              + parameters.length + " parameter(s) were given; give one value per ?");
    }
    List<Object> values = new ArrayList<>(parameters.length);
    for (int i = 0; i < parameters.length; i++) {
      Object value = parameters[i];
      if (value == null) {
        throw new IllegalArgumentException(
            option + ": parameter " + (i + 1) + " is null, and '= NULL' matches no row; write"
                + " IS NULL in the condition instead");
      }
      if (!(value instanceof Serializable)) {
        throw new IllegalArgumentException(
            option + ": parameter " + (i + 1) + " is a " + value.getClass().getName()
                + ", which is not Serializable; the pipeline ships the filter to its workers");
      }
      values.add(value);
    }
    return new RowFilter(condition.strip(), Collections.unmodifiableList(values));
  }

  /** The condition, as given (without leading and trailing white space). */
  public String getCondition() {
    return condition;
  }

  /** The values of the condition's {@code ?} placeholders, in order. */
  public List<Object> getParameters() {
    return parameters;
  }

  /** The option that set this filter, for messages: its condition, not its values. */
  String describe() {
    return "withRowFilter(\"" + condition + "\")";
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof RowFilter that
        && condition.equals(that.condition)
        && parameters.equals(that.parameters);
  }

  @Override
  public int hashCode() {
    return Objects.hash(condition, parameters);
  }

  /** The condition and the number of values: the values themselves may be private. */
  @Override
  public String toString() {
    return condition + " (" + parameters.size() + " parameter(s))";
  }

  /** Reads a condition as SQL tokens: quotes, parentheses, placeholders. */
  static final class ConditionScanner {
    private ConditionScanner() {}

    /**
     * The number of {@code ?} placeholders of {@code condition} outside quotes.
     *
     * @throws IllegalArgumentException naming {@code option} if the condition has a {@code ;}, a
     *     comment, an unclosed quote or unbalanced parentheses
     */
    static int placeholders(String condition, String option) {
      int count = 0;
      int depth = 0;
      int i = 0;
      while (i < condition.length()) {
        char c = condition.charAt(i);
        if (c == '\'' || c == '"' || c == '`') {
          int end = closingQuote(condition, i);
          if (end < 0) {
            throw new IllegalArgumentException(
                option + ": the quote " + c + " at position " + i + " is not closed");
          }
          i = end + 1;
          continue;
        }
        if (c == ';' || condition.startsWith("--", i) || condition.startsWith("/*", i)
            || c == '#') {
          throw new IllegalArgumentException(
              option + ": a filter is one condition, without ';', comments or '#'; found "
                  + (c == ';' || c == '#' ? "'" + c + "'" : "'" + condition.substring(i, i + 2)
                      + "'") + " at position " + i);
        }
        if (c == '(') {
          depth++;
        } else if (c == ')' && --depth < 0) {
          throw new IllegalArgumentException(
              option + ": the ')' at position " + i + " closes a parenthesis the condition did"
                  + " not open");
        } else if (c == '?') {
          count++;
        }
        i++;
      }
      if (depth != 0) {
        throw new IllegalArgumentException(
            option + ": " + depth + " parenthesis(es) of the condition are not closed");
      }
      return count;
    }

    /** The index of the quote closing the one at {@code start} (doubled quotes escape); -1. */
    private static int closingQuote(String text, int start) {
      char quote = text.charAt(start);
      int i = start + 1;
      while (i < text.length()) {
        char c = text.charAt(i);
        if (c == '\\' && quote == '\'') {
          i += 2; // MySQL's backslash escape; in standard SQL strings a backslash stands alone
          continue;
        }
        if (c == quote) {
          if (i + 1 < text.length() && text.charAt(i + 1) == quote) {
            i += 2;
            continue;
          }
          return i;
        }
        i++;
      }
      return -1;
    }
  }
}
