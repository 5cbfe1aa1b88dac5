package io.heliosdb.beam;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Gives the database password where a connection is opened, so that only this object, never the
 * password, is part of the pipeline: it is serialized with the pipeline and called on the
 * workers (and, while the pipeline is built, where it is built). See {@link
 * ConnectionConfiguration#withPasswordProvider}.
 *
 * <p>It is called each time a connection is opened: by the pool for each new connection, for
 * each connection of its own (catalog reads, exported snapshots), and each time a CDC log reader
 * starts. A provider whose password is costly to get, or a token valid for minutes (AWS RDS IAM
 * authentication tokens, Cloud SQL and Azure access tokens), caches it and renews it before it
 * expires.
 *
 * <pre>{@code
 * ConnectionConfiguration.create("jdbc:postgresql://db:5432/shop")
 *     .withUsername("reader")
 *     .withPasswordProvider(PasswordProvider.fromFile("/var/run/secrets/db/password"));
 * }</pre>
 */
@FunctionalInterface
public interface PasswordProvider extends Serializable {

  /**
   * The password for the next connection; never null.
   *
   * @throws Exception if it cannot be had: the connection fails, naming the provider's class and
   *     the exception
   */
  String password() throws Exception;

  /**
   * The content of a file read on each call, without its trailing line break: a secret mounted
   * into the workers' file system (a Kubernetes secret, a file a secrets agent renews).
   */
  static PasswordProvider fromFile(String path) {
    if (path == null || path.isBlank()) {
      throw new IllegalArgumentException("PasswordProvider.fromFile(path): name a file");
    }
    return new FilePasswordProvider(path);
  }

  /** The value of an environment variable of the worker's process, read on each call. */
  static PasswordProvider fromEnvironment(String variable) {
    if (variable == null || variable.isBlank()) {
      throw new IllegalArgumentException(
          "PasswordProvider.fromEnvironment(variable): name a variable");
    }
    return new EnvironmentPasswordProvider(variable);
  }

  /** {@link #fromFile}. */
  record FilePasswordProvider(String path) implements PasswordProvider {
    @Override
    public String password() throws java.io.IOException {
      return Files.readString(Path.of(path), StandardCharsets.UTF_8).replaceFirst("\\R\\z", "");
    }
  }

  /** {@link #fromEnvironment}. */
  record EnvironmentPasswordProvider(String variable) implements PasswordProvider {
    @Override
    public String password() {
      String value = System.getenv(variable);
      if (value == null) {
        throw new IllegalStateException(
            "the environment variable " + variable + " of the password is not set");
      }
      return value;
    }
  }
}
