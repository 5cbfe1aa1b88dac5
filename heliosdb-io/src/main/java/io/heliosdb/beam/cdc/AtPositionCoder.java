package io.heliosdb.beam.cdc;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.CoderException;

/**
 * The coder of a stream handed over at a position ({@link StreamStart#at}): the offset, as {@link
 * LogPositionCoder} writes it.
 */
public final class AtPositionCoder extends AtomicCoder<StreamStart> {
  private static final long serialVersionUID = 1L;
  private static final AtPositionCoder INSTANCE = new AtPositionCoder();
  private static final LogPositionCoder OFFSET = new LogPositionCoder();

  public static AtPositionCoder of() {
    return INSTANCE;
  }

  private AtPositionCoder() {}

  @Override
  public void encode(StreamStart start, OutputStream out) throws IOException {
    if (!(start instanceof StreamStart.At at)) {
      throw new CoderException("not a stream handed over at a position: " + start);
    }
    OFFSET.encode(LogPosition.of(at.offset()), out);
  }

  @Override
  public StreamStart decode(InputStream in) throws IOException {
    return StreamStart.at(OFFSET.decode(in).offset());
  }

  @Override
  public void verifyDeterministic() {}
}
