package io.heliosdb.beam;

import java.sql.SQLException;

/**
 * Base of the errors HeliosDB IO raises while a pipeline runs. Configuration errors are raised
 * when the pipeline is built, as {@link IllegalArgumentException} naming the option at fault.
 */
public class HeliosDbException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public HeliosDbException(String message) {
    super(message);
  }

  public HeliosDbException(String message, Throwable cause) {
    super(message, cause);
  }

  /**
   * The error's message, and what the database or driver said underneath when the message does
   * not hold it: the deepest SQL error of the causes (else the root cause). A pool timeout then
   * names why no connection could be opened ("too many connections for role", "Connection
   * refused"), and Debezium's "An exception occurred in the change event producer" what failed.
   */
  public static String describe(Throwable error) {
    String message = String.valueOf(error.getMessage());
    Throwable cause = null;
    Throwable root = error;
    int depth = 0;
    for (Throwable e = error.getCause(); e != null && depth++ < 20;
        e = e.getCause() == e ? null : e.getCause()) {
      root = e;
      if (e instanceof SQLException) {
        cause = e;
      }
    }
    if (cause == null) {
      cause = root;
    }
    String said = cause.getMessage();
    if (cause == error || said == null || said.isBlank() || message.contains(said.strip())) {
      return message;
    }
    return message + " (cause: " + said.strip() + ")";
  }
}
