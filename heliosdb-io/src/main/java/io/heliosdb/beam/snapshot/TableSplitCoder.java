package io.heliosdb.beam.snapshot;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import org.apache.beam.sdk.coders.CustomCoder;
import org.apache.beam.sdk.coders.VarIntCoder;

/** Encodes a {@link TableSplit}: the table's index, then the split with that table's key coder. */
final class TableSplitCoder extends CustomCoder<TableSplit> {
  private static final VarIntCoder INDEX = VarIntCoder.of();
  private final List<SnapshotSplitCoder> splits;

  TableSplitCoder(List<SnapshotSpec> tables) {
    this.splits =
        tables.stream().map(spec -> new SnapshotSplitCoder(spec.keySchema().schema())).toList();
  }

  @Override
  public void encode(TableSplit value, OutputStream out) throws IOException {
    INDEX.encode(value.table(), out);
    splits.get(value.table()).encode(value.split(), out);
  }

  @Override
  public TableSplit decode(InputStream in) throws IOException {
    int table = INDEX.decode(in);
    return new TableSplit(table, splits.get(table).decode(in));
  }

  @Override
  public void verifyDeterministic() throws NonDeterministicException {
    for (SnapshotSplitCoder coder : splits) {
      coder.verifyDeterministic();
    }
  }
}
