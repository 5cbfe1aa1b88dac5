package io.heliosdb.beam;

import io.heliosdb.beam.cdc.SelectedTables;
import io.heliosdb.beam.dialect.Dialect;
import io.heliosdb.beam.schema.TableId;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Which tables a {@link ReadTables} reads: a list of names, a regular expression over {@code
 * namespace.table}, or every table of a namespace. Resolved against the catalog when the
 * pipeline is built.
 */
final class TableSelection implements SelectedTables {
  private static final long serialVersionUID = 1L;
  /** By namespace, then name, as Java orders strings: the same order on every database. */
  private static final Comparator<TableId> ORDER =
      Comparator.comparing((TableId t) -> String.valueOf(t.namespace())).thenComparing(TableId::name);

  private final List<String> names;
  private final @Nullable String pattern;
  private final @Nullable String namespace;

  private TableSelection(List<String> names, @Nullable String pattern, @Nullable String namespace) {
    this.names = List.copyOf(names);
    this.pattern = pattern;
    this.namespace = namespace;
  }

  static TableSelection of(List<String> names) {
    if (names.isEmpty()) {
      throw new IllegalArgumentException("withTables(...): name at least one table");
    }
    for (String name : names) {
      if (name == null || name.isBlank()) {
        throw new IllegalArgumentException(
            "withTables(" + names + "): a table name must not be null or blank");
      }
    }
    return new TableSelection(names, null, null);
  }

  static TableSelection matching(String regex) {
    try {
      Pattern.compile(regex);
    } catch (PatternSyntaxException e) {
      throw new IllegalArgumentException(
          "withTablePattern(\"" + regex + "\"): not a regular expression: " + e.getDescription(),
          e);
    }
    return new TableSelection(List.of(), regex, null);
  }

  static TableSelection inNamespace(String namespace) {
    if (namespace.isBlank()) {
      throw new IllegalArgumentException("withNamespace(\"\"): name a schema or database");
    }
    return new TableSelection(List.of(), null, namespace);
  }

  /** Whether tables created later may match: a pattern or a namespace, not a list. */
  boolean matchesNewTables() {
    return pattern != null || namespace != null;
  }

  @Override
  public List<TableId> current(Connection connection, Dialect dialect) throws SQLException {
    if (pattern != null) {
      Pattern regex = Pattern.compile(pattern);
      return dialect.listTables(connection, null).stream()
          .filter(t -> regex.matcher(t.toString()).matches()).sorted(ORDER).toList();
    }
    if (namespace != null) {
      String resolved = dialect.resolveTable(connection, namespace + ".t").namespace();
      return dialect.listTables(connection, resolved).stream().sorted(ORDER).toList();
    }
    return List.of();
  }

  /** The option that made this selection, for messages and display data. */
  @Override
  public String describe() {
    if (pattern != null) {
      return "withTablePattern(\"" + pattern + "\")";
    }
    if (namespace != null) {
      return "withNamespace(\"" + namespace + "\")";
    }
    return "withTables(" + names + ")";
  }

  /**
   * The selected tables, in the order given (a list) or by namespace and name, compared as Java
   * strings (a pattern, a namespace).
   *
   * @throws IllegalArgumentException if a pattern or namespace selects no table, or a list names
   *     a table twice
   */
  List<TableId> resolve(Connection connection, Dialect dialect) throws SQLException {
    if (pattern != null) {
      List<TableId> matched = current(connection, dialect);
      if (matched.isEmpty()) {
        int all = dialect.listTables(connection, null).size();
        throw new IllegalArgumentException(
            describe() + " matches none of the " + all + " tables visible to the user;"
                + " the expression must match the whole namespace.table (e.g. \"public\\\\.order.*\")");
      }
      return matched;
    }
    if (namespace != null) {
      String resolved = dialect.resolveTable(connection, namespace + ".t").namespace();
      List<TableId> tables = dialect.listTables(connection, resolved);
      if (tables.isEmpty()) {
        throw new IllegalArgumentException(
            describe() + ": " + (dialect.namespaceExists(connection, resolved)
                ? "schema or database " + resolved + " has no tables visible to the user"
                : "schema or database " + resolved + " does not exist or is not visible to the"
                    + " user"));
      }
      return tables.stream().sorted(ORDER).toList();
    }
    Set<TableId> tables = new LinkedHashSet<>();
    for (String name : names) {
      if (!tables.add(dialect.resolveTable(connection, name))) {
        throw new IllegalArgumentException(
            describe() + " names table " + dialect.resolveTable(connection, name) + " twice");
      }
    }
    return new ArrayList<>(tables);
  }
}
