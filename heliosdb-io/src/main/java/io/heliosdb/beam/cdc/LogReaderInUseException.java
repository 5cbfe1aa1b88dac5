package io.heliosdb.beam.cdc;

/**
 * Another read of this JVM streams with the log reader resource (a replication slot, a server
 * id) a read needs.
 */
final class LogReaderInUseException extends IllegalStateException {
  private static final long serialVersionUID = 1L;

  LogReaderInUseException(String message) {
    super(message);
  }
}
