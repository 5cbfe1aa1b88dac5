package io.heliosdb.beam.cdc;

import java.io.Serializable;
import java.util.Map;
import org.apache.beam.sdk.values.Row;
import org.apache.kafka.connect.data.Struct;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Where a change stream starts and which of its changes it emits: the element of {@link
 * ReadChangesDoFn}. CDC mode starts at the log's position and emits every change ({@link
 * #fromLog()}); snapshot-then-CDC starts where its snapshot fixed the log and skips the changes
 * its chunk reads already saw.
 */
public interface StreamStart extends Serializable {

  /** The connector offset to start from, or null to prepare the log and start at its position. */
  @Nullable Map<String, Object> offset();

  /**
   * Whether to emit a change.
   *
   * @param table the index of the change's table among the read's tables
   * @param change the change envelope
   * @param source the Debezium {@code source} block of the change
   */
  boolean emits(int table, Row change, Struct source);

  /**
   * Whether every change from this one on is emitted, so that the stream may go on from here
   * with an element that holds no more than its position ({@link #at}). Never, by default.
   *
   * @param source the Debezium {@code source} block of a change the stream has decided
   */
  default boolean emitsEverythingFrom(Struct source) {
    return false;
  }

  /** A stream handed over at a connector offset: every change from there on. */
  static StreamStart at(Map<String, Object> offset) {
    return new At(LogPosition.of(offset).offset());
  }

  /** See {@link #at}. */
  record At(Map<String, Object> offset) implements StreamStart {
    @Override
    public boolean emits(int table, Row change, Struct source) {
      return true;
    }
  }

  /** CDC mode: the slot's or log's current position, every change. */
  static StreamStart fromLog() {
    return new FromLog();
  }

  /** See {@link #fromLog()}. */
  final class FromLog implements StreamStart {
    private static final long serialVersionUID = 1L;

    @Override
    public @Nullable Map<String, Object> offset() {
      return null;
    }

    @Override
    public boolean emits(int table, Row change, Struct source) {
      return true;
    }

    @Override
    public boolean equals(Object other) {
      return other instanceof FromLog;
    }

    @Override
    public int hashCode() {
      return FromLog.class.hashCode();
    }
  }
}
