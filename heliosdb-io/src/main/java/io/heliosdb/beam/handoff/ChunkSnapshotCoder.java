package io.heliosdb.beam.handoff;

import io.heliosdb.beam.snapshot.ChunkSnapshot;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.NullableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;

/**
 * A deterministic coder of {@link ChunkSnapshot}s: the bounds by {@link KeyCoder}, the token and
 * the position as UTF-8 text.
 */
final class ChunkSnapshotCoder extends AtomicCoder<ChunkSnapshot> {
  private static final long serialVersionUID = 1L;
  private static final ChunkSnapshotCoder INSTANCE = new ChunkSnapshotCoder();
  private static final NullableCoder<List<Object>> BOUND = NullableCoder.of(KeyCoder.of());
  private static final StringUtf8Coder TEXT = StringUtf8Coder.of();

  static ChunkSnapshotCoder of() {
    return INSTANCE;
  }

  private ChunkSnapshotCoder() {}

  @Override
  public void encode(ChunkSnapshot chunk, OutputStream out) throws IOException {
    BOUND.encode(chunk.lower(), out);
    BOUND.encode(chunk.upper(), out);
    TEXT.encode(chunk.token(), out);
    TEXT.encode(chunk.position(), out);
  }

  @Override
  public ChunkSnapshot decode(InputStream in) throws IOException {
    return new ChunkSnapshot(BOUND.decode(in), BOUND.decode(in), TEXT.decode(in), TEXT.decode(in));
  }

  @Override
  public void verifyDeterministic() {}
}
