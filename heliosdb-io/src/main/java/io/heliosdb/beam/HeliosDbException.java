package io.heliosdb.beam;

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
}
