package io.heliosdb.beam.cdc;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.coders.BooleanCoder;
import org.apache.beam.sdk.coders.CoderException;
import org.apache.beam.sdk.coders.CustomCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.coders.VarLongCoder;

/** A deterministic coder of {@link LogPosition}s: sorted entries, each a key, a tag and a value. */
public final class LogPositionCoder extends CustomCoder<LogPosition> {
  private static final long serialVersionUID = 1L;
  private static final VarIntCoder COUNT = VarIntCoder.of();
  private static final StringUtf8Coder TEXT = StringUtf8Coder.of();
  private static final VarLongCoder NUMBER = VarLongCoder.of();
  private static final BooleanCoder FLAG = BooleanCoder.of();
  private static final int LONG = 0;
  private static final int STRING = 1;

  @Override
  public void encode(LogPosition position, OutputStream out) throws IOException {
    COUNT.encode(position.offset().size(), out);
    for (Map.Entry<String, Object> entry : position.offset().entrySet()) {
      TEXT.encode(entry.getKey(), out);
      if (entry.getValue() instanceof Long number) {
        COUNT.encode(LONG, out);
        NUMBER.encode(number, out);
      } else {
        COUNT.encode(STRING, out);
        TEXT.encode((String) entry.getValue(), out);
      }
    }
    FLAG.encode(position.finished(), out);
  }

  @Override
  public LogPosition decode(InputStream in) throws IOException {
    int count = COUNT.decode(in);
    TreeMap<String, Object> offset = new TreeMap<>();
    for (int i = 0; i < count; i++) {
      String key = TEXT.decode(in);
      int tag = COUNT.decode(in);
      switch (tag) {
        case LONG -> offset.put(key, NUMBER.decode(in));
        case STRING -> offset.put(key, TEXT.decode(in));
        default -> throw new CoderException("Unknown value tag " + tag + " of offset key " + key);
      }
    }
    return new LogPosition(offset, FLAG.decode(in));
  }

  @Override
  public void verifyDeterministic() {}
}
