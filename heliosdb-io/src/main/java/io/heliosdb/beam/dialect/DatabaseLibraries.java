package io.heliosdb.beam.dialect;

/**
 * The libraries reads of a database load by class name: its JDBC driver, and for CDC its Debezium
 * connector. They are optional dependencies of HeliosDbIO, which the user adds for the databases
 * they read. Part of {@link Dialect}.
 */
public interface DatabaseLibraries {

  /** The JDBC driver every read of the database connects through. */
  Library jdbcDriver();

  /** The Debezium connector whose task ({@link ChangeLogDialect#changeTaskClass}) CDC runs. */
  Library changeConnector();
}
