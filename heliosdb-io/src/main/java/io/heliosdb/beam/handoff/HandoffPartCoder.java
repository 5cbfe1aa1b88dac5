package io.heliosdb.beam.handoff;

import io.heliosdb.beam.cdc.LogPosition;
import io.heliosdb.beam.cdc.LogPositionCoder;
import java.io.IOException;
import org.apache.beam.sdk.util.VarInt;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.BooleanCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;

/**
 * A deterministic coder of {@link HandoffPart}s: a flag, then the start (its offset as {@link
 * LogPositionCoder} writes it, and its position) or the table's index and the chunk ({@link
 * ChunkSnapshotCoder}).
 */
final class HandoffPartCoder extends AtomicCoder<HandoffPart> {
  private static final long serialVersionUID = 1L;
  private static final HandoffPartCoder INSTANCE = new HandoffPartCoder();
  private static final BooleanCoder IS_START = BooleanCoder.of();
  private static final LogPositionCoder OFFSET = new LogPositionCoder();
  private static final StringUtf8Coder TEXT = StringUtf8Coder.of();

  static HandoffPartCoder of() {
    return INSTANCE;
  }

  private HandoffPartCoder() {}

  @Override
  public void encode(HandoffPart part, OutputStream out) throws IOException {
    HandoffStart start = part.start();
    IS_START.encode(start != null, out);
    if (start != null) {
      OFFSET.encode(LogPosition.of(start.offset()), out);
      TEXT.encode(start.position(), out);
    } else {
      VarInt.encode(part.table(), out);
      ChunkSnapshotCoder.of().encode(part.chunk(), out);
    }
  }

  @Override
  public HandoffPart decode(InputStream in) throws IOException {
    if (IS_START.decode(in)) {
      return HandoffPart.start(new HandoffStart(OFFSET.decode(in).offset(), TEXT.decode(in)));
    }
    int table = VarInt.decodeInt(in);
    return HandoffPart.chunk(table, ChunkSnapshotCoder.of().decode(in));
  }

  @Override
  public void verifyDeterministic() {}
}
