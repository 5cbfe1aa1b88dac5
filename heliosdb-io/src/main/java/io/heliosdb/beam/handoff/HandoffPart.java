package io.heliosdb.beam.handoff;

import io.heliosdb.beam.snapshot.ChunkSnapshot;
import java.io.Serializable;
import org.checkerframework.checker.nullness.qual.Nullable;

/** One input of the stream's plan: its start, or what one chunk read saw. */
record HandoffPart(@Nullable HandoffStart start, @Nullable ChunkSnapshot chunk)
    implements Serializable {}
