package io.heliosdb.beam.dialect;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * An optional dependency of HeliosDbIO that reads of one database load by class name: a JDBC
 * driver or a Debezium connector, which the user adds for the databases they read.
 *
 * @param className a class of the library, loaded by name when the library is used
 * @param groupId the library's Maven group
 * @param artifactId the library's Maven artifact
 * @param role what the library does for the read, for messages
 */
public record Library(String className, String groupId, String artifactId, String role) {
  private static final String VERSIONS = "library-versions.properties";

  /** A JDBC driver: its {@code java.sql.Driver} class and Maven artifact. */
  static Library jdbcDriver(String driverClass, String groupId, String artifactId) {
    return new Library(driverClass, groupId, artifactId, "its JDBC driver");
  }

  /** A Debezium connector of group {@code io.debezium}: its task class and Maven artifact. */
  static Library debeziumConnector(String taskClass, String artifactId) {
    return new Library(
        taskClass, "io.debezium", artifactId, "its Debezium connector, for withCdc(...)");
  }

  /** The Maven coordinates to add, {@code group:artifact:version}, at the version tested. */
  public String coordinates() {
    return groupId + ":" + artifactId + ":" + Versions.TESTED.getProperty(artifactId, "?");
  }

  /** The versions HeliosDbIO was built and tested with, from its build (a filtered resource). */
  private static final class Versions {
    static final Properties TESTED = load();

    private static Properties load() {
      Properties versions = new Properties();
      try (InputStream in = Library.class.getResourceAsStream(VERSIONS)) {
        if (in != null) {
          versions.load(in);
        }
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot read " + VERSIONS, e);
      }
      return versions;
    }
  }
}
