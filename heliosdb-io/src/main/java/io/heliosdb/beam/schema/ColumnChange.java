package io.heliosdb.beam.schema;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * How a table's columns differ from those a read was built with: the output schema is fixed when
 * the pipeline is built, so a read that sees another set of columns fails fast with this.
 *
 * <pre>{@code
 * ColumnChange.between(built.columns(), now.columns())
 *     .ifPresent(change -> { throw new HeliosDbException("... changed (" + change + ") ..."); });
 * }</pre>
 *
 * @param added columns the table has now and did not have
 * @param removed columns the table had and has no more (dropped or renamed)
 * @param retyped columns whose declared type changed, as {@code name: old -> new}
 * @param now the table's columns now, in order
 */
public record ColumnChange(
    List<String> added, List<String> removed, List<String> retyped, List<String> now) {

  /**
   * The change between two catalog descriptions, by name and declared type; empty if none. The
   * order of the columns does not matter: reads select their columns by name.
   */
  public static Optional<ColumnChange> between(List<ColumnInfo> built, List<ColumnInfo> now) {
    Map<String, ColumnInfo> before = byName(built);
    List<String> retyped = new ArrayList<>();
    for (ColumnInfo column : now) {
      ColumnInfo old = before.get(column.name());
      if (old != null && !old.columnType().equals(column.columnType())) {
        retyped.add(column.name() + ": " + old.columnType() + " -> " + column.columnType());
      }
    }
    return of(names(built), names(now), retyped, false);
  }

  /** The change between two lists of column names, in order; empty if they are equal. */
  public static Optional<ColumnChange> betweenNames(List<String> built, List<String> now) {
    return betweenNames(built, now, List.of());
  }

  /**
   * The change between two lists of column names, in order, and the columns found retyped ({@code
   * name: old -> new}); empty if the names are equal and none is retyped.
   */
  public static Optional<ColumnChange> betweenNames(
      List<String> built, List<String> now, List<String> retyped) {
    return of(built, now, retyped, true);
  }

  private static Optional<ColumnChange> of(
      List<String> built, List<String> now, List<String> retyped, boolean ordered) {
    List<String> added = new ArrayList<>(now);
    added.removeAll(built);
    List<String> removed = new ArrayList<>(built);
    removed.removeAll(now);
    boolean same = ordered ? built.equals(now) : added.isEmpty() && removed.isEmpty();
    if (same && retyped.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(
        new ColumnChange(List.copyOf(added), List.copyOf(removed), List.copyOf(retyped),
            List.copyOf(now)));
  }

  private static List<String> names(List<ColumnInfo> columns) {
    return columns.stream().map(ColumnInfo::name).toList();
  }

  private static Map<String, ColumnInfo> byName(List<ColumnInfo> columns) {
    return columns.stream().collect(Collectors.toMap(ColumnInfo::name, Function.identity()));
  }

  /** {@code added [..], removed [..], retyped [..], now [..]} (retyped only when there are). */
  @Override
  public String toString() {
    return "added " + added + ", removed " + removed
        + (retyped.isEmpty() ? "" : ", retyped " + retyped) + ", now " + now;
  }
}
