package io.heliosdb.beam.snapshot;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import org.apache.beam.sdk.coders.CustomCoder;
import org.apache.beam.sdk.coders.DoubleCoder;
import org.apache.beam.sdk.coders.ListCoder;
import org.apache.beam.sdk.coders.NullableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.RowCoder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.io.range.OffsetRange;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.values.Row;

/** A deterministic coder of {@link SnapshotSplit}s whose boundaries follow {@code keySchema}. */
public final class SnapshotSplitCoder extends CustomCoder<SnapshotSplit> {
  private static final long serialVersionUID = 1L;
  private static final VarIntCoder KIND = VarIntCoder.of();
  private static final OffsetRange.Coder RANGE = OffsetRange.Coder.of();
  private static final DoubleCoder DOUBLE = DoubleCoder.of();
  private static final NullableCoder<String> LOG_START = NullableCoder.of(StringUtf8Coder.of());

  private final ListCoder<Row> boundaries;

  public SnapshotSplitCoder(Schema keySchema) {
    this.boundaries = ListCoder.of(NullableCoder.of(RowCoder.of(keySchema)));
  }

  @Override
  public void encode(SnapshotSplit split, OutputStream out) throws IOException {
    KIND.encode(split.kind().ordinal(), out);
    RANGE.encode(split.range(), out);
    DOUBLE.encode(split.rowsPerOffset(), out);
    boundaries.encode(split.boundaries(), out);
    LOG_START.encode(split.logStart(), out);
  }

  @Override
  public SnapshotSplit decode(InputStream in) throws IOException {
    SnapshotSplit.Kind kind = SnapshotSplit.Kind.values()[KIND.decode(in)];
    OffsetRange range = RANGE.decode(in);
    double rowsPerOffset = DOUBLE.decode(in);
    List<Row> bounds = boundaries.decode(in);
    return new SnapshotSplit(kind, range, rowsPerOffset, bounds, LOG_START.decode(in));
  }

  @Override
  public void verifyDeterministic() throws NonDeterministicException {
    boundaries.verifyDeterministic();
  }
}
