package io.heliosdb.beam.dialect;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * Checks, when the pipeline is built, that the libraries a read of a database loads by class name
 * are on the class path, so that a missing one fails with the Maven coordinates to add instead of
 * a {@code No suitable driver} or a {@code ClassNotFoundException} on a worker.
 */
public final class RequiredLibraries {
  private RequiredLibraries() {}

  /**
   * Checks the JDBC driver of {@code dialect}'s database and, for a CDC read, its Debezium
   * connector, looking their classes up in HeliosDbIO's class loader (as reads load them).
   *
   * @param transform the read, for the message ({@code HeliosDbIO.read()})
   * @throws IllegalStateException naming each missing library's Maven coordinates
   */
  public static void check(Dialect dialect, boolean changeCapture, String transform) {
    check(dialect, changeCapture, transform, RequiredLibraries::onClassPath);
  }

  /** {@link #check(Dialect, boolean, String)}, {@code isPresent} telling which classes exist. */
  static void check(
      Dialect dialect, boolean changeCapture, String transform, Predicate<String> isPresent) {
    List<Library> needed = new ArrayList<>(List.of(dialect.jdbcDriver()));
    if (changeCapture) {
      needed.add(dialect.changeConnector());
    }
    List<Library> missing =
        needed.stream().filter(library -> !isPresent.test(library.className())).toList();
    if (missing.isEmpty()) {
      return;
    }
    throw new IllegalStateException(
        transform + " of a " + dialect.name() + " database needs "
            + missing.stream()
                .map(library -> library.role() + " (" + library.className() + ")")
                .collect(Collectors.joining(" and "))
            + ", not on the class path: add the Maven "
            + (missing.size() == 1 ? "dependency " : "dependencies ")
            + missing.stream().map(Library::coordinates).collect(Collectors.joining(" and ")));
  }

  /** Whether HeliosDbIO's class loader finds {@code className}, without initializing it. */
  static boolean onClassPath(String className) {
    try {
      Class.forName(className, false, RequiredLibraries.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }
}
