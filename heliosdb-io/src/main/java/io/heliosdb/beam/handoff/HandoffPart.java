package io.heliosdb.beam.handoff;

import io.heliosdb.beam.snapshot.ChunkSnapshot;
import java.io.Serializable;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * One input of the stream's plan: its start, or what one chunk read of the read's {@code
 * table}-th table saw.
 */
record HandoffPart(int table, @Nullable HandoffStart start, @Nullable ChunkSnapshot chunk)
    implements Serializable {

  /** The start of the stream. */
  static HandoffPart start(HandoffStart start) {
    return new HandoffPart(0, start, null);
  }

  /** What one chunk read of a table saw. */
  static HandoffPart chunk(int table, ChunkSnapshot chunk) {
    return new HandoffPart(table, null, chunk);
  }
}
