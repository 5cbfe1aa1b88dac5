package io.heliosdb.beam.snapshot;

import io.heliosdb.beam.dialect.ExportedSnapshot;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import org.apache.beam.sdk.coders.CustomCoder;
import org.apache.beam.sdk.coders.DoubleCoder;
import org.apache.beam.sdk.coders.ListCoder;
import org.apache.beam.sdk.coders.NullableCoder;
import org.apache.beam.sdk.coders.RowCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.io.range.OffsetRange;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.values.Row;

/**
 * A deterministic coder of {@link SnapshotSplit}s whose boundaries follow {@code keySchema}.
 *
 * <p>A split without an exported snapshot encodes as the kind's ordinal, range, rows per offset,
 * boundaries and log start. A split with one adds {@link #WITH_EXPORTED_SNAPSHOT} to the ordinal
 * and appends the snapshot (id, pid, start); splits without one decode alike either way.
 */
public final class SnapshotSplitCoder extends CustomCoder<SnapshotSplit> {
  private static final long serialVersionUID = 1L;
  /** Added to the kind's ordinal when an exported snapshot follows. */
  static final int WITH_EXPORTED_SNAPSHOT = 1 << 8;
  private static final VarIntCoder KIND = VarIntCoder.of();
  private static final OffsetRange.Coder RANGE = OffsetRange.Coder.of();
  private static final DoubleCoder DOUBLE = DoubleCoder.of();
  private static final NullableCoder<String> LOG_START = NullableCoder.of(StringUtf8Coder.of());
  private static final StringUtf8Coder SNAPSHOT_ID = StringUtf8Coder.of();
  private static final VarIntCoder PID = VarIntCoder.of();
  private static final VarLongCoder START = VarLongCoder.of();

  private final ListCoder<Row> boundaries;

  public SnapshotSplitCoder(Schema keySchema) {
    this.boundaries = ListCoder.of(NullableCoder.of(RowCoder.of(keySchema)));
  }

  @Override
  public void encode(SnapshotSplit split, OutputStream out) throws IOException {
    ExportedSnapshot snapshot = split.exportedSnapshot();
    KIND.encode(split.kind().ordinal() + (snapshot == null ? 0 : WITH_EXPORTED_SNAPSHOT), out);
    RANGE.encode(split.range(), out);
    DOUBLE.encode(split.rowsPerOffset(), out);
    boundaries.encode(split.boundaries(), out);
    LOG_START.encode(split.logStart(), out);
    if (snapshot != null) {
      SNAPSHOT_ID.encode(snapshot.id(), out);
      PID.encode(snapshot.exporterPid(), out);
      START.encode(snapshot.exporterStart(), out);
    }
  }

  @Override
  public SnapshotSplit decode(InputStream in) throws IOException {
    int code = KIND.decode(in);
    SnapshotSplit.Kind kind = SnapshotSplit.Kind.values()[code % WITH_EXPORTED_SNAPSHOT];
    OffsetRange range = RANGE.decode(in);
    double rowsPerOffset = DOUBLE.decode(in);
    List<Row> bounds = boundaries.decode(in);
    String logStart = LOG_START.decode(in);
    ExportedSnapshot snapshot =
        code < WITH_EXPORTED_SNAPSHOT
            ? null
            : new ExportedSnapshot(SNAPSHOT_ID.decode(in), PID.decode(in), START.decode(in));
    return new SnapshotSplit(kind, range, rowsPerOffset, bounds, logStart, snapshot);
  }

  @Override
  public void verifyDeterministic() throws NonDeterministicException {
    boundaries.verifyDeterministic();
  }
}
