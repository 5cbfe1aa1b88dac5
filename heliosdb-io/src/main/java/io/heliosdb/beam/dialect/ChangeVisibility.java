package io.heliosdb.beam.dialect;

import org.apache.kafka.connect.data.Struct;

/**
 * Which changes of the log one consistent chunk read saw ({@link Dialect#beginConsistentRead}):
 * exactly the changes of the transactions its rows already contain.
 */
public interface ChangeVisibility {

  /**
   * Whether the chunk read saw the change whose Debezium {@code source} block this is.
   *
   * @throws IllegalStateException if the block lacks what the dialect needs to decide
   */
  boolean saw(Struct source);

  /**
   * Whether the chunk read saw neither this change nor any change after it in the log: from here
   * on, the stream need not ask.
   *
   * @throws IllegalStateException if the block lacks what the dialect needs to decide
   */
  boolean sawNothingFrom(Struct source);
}
