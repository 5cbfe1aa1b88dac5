package io.heliosdb.beam.dialect;

/** How a database error is handled: see {@link Dialect#classify}. */
public enum FailureKind {
  /**
   * The connection failed or could not be made (lost, server shut down or restarting, too many
   * connections, pool timed out): retried with exponential backoff for a total time.
   */
  CONNECTION,
  /** The statement failed but may succeed again (deadlock, serialization, lock wait timeout). */
  TRANSIENT,
  /** Retrying cannot help (authentication, missing table or column, permission, bad SQL). */
  PERMANENT
}
