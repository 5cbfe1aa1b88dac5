package io.heliosdb.beam.cdc;

import java.io.InputStream;
import java.io.OutputStream;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.CoderException;

/** The coder of CDC mode's stream element, {@link StreamStart#fromLog()}: no bytes at all. */
public final class FromLogCoder extends AtomicCoder<StreamStart> {
  private static final long serialVersionUID = 1L;
  private static final FromLogCoder INSTANCE = new FromLogCoder();

  public static FromLogCoder of() {
    return INSTANCE;
  }

  private FromLogCoder() {}

  @Override
  public void encode(StreamStart start, OutputStream out) throws CoderException {
    if (!(start instanceof StreamStart.FromLog)) {
      throw new CoderException("not a stream from the log's position: " + start);
    }
  }

  @Override
  public StreamStart decode(InputStream in) {
    return StreamStart.fromLog();
  }

  @Override
  public void verifyDeterministic() {}
}
