package io.heliosdb.beam.dialect;

import java.util.Arrays;
import org.apache.kafka.connect.data.Struct;

/**
 * The changes a PostgreSQL transaction snapshot ({@code pg_current_snapshot()}, {@code
 * xmin:xmax:xip,...}) sees: those of the transactions committed in it. Debezium gives each change
 * its transaction's 32-bit id ({@code source.txId}), widened here to the snapshot's epoch.
 */
final class PostgresSnapshotVisibility implements ChangeVisibility {
  private static final long EPOCH = 1L << 32;
  private final long xmin;
  private final long xmax;
  private final long[] inProgress;

  PostgresSnapshotVisibility(String snapshot) {
    String[] parts = snapshot.split(":", -1);
    if (parts.length != 3) {
      throw new IllegalArgumentException("not a PostgreSQL snapshot: " + snapshot);
    }
    this.xmin = Long.parseLong(parts[0]);
    this.xmax = Long.parseLong(parts[1]);
    this.inProgress =
        parts[2].isEmpty()
            ? new long[0]
            : Arrays.stream(parts[2].split(",")).mapToLong(Long::parseLong).sorted().toArray();
  }

  @Override
  public boolean saw(Struct source) {
    Long txId = source.getInt64("txId");
    if (txId == null) {
      throw new IllegalStateException("a PostgreSQL change without its transaction id (txId)");
    }
    long xid = widen(txId);
    if (xid < xmin) {
      return true;
    }
    return xid < xmax && Arrays.binarySearch(inProgress, xid) < 0;
  }

  /**
   * A transaction that began after the snapshot (its id at or above {@code xmax}) commits after
   * it, and so does every transaction the log holds after its commit.
   */
  @Override
  public boolean sawNothingFrom(Struct source) {
    Long txId = source.getInt64("txId");
    if (txId == null) {
      throw new IllegalStateException("a PostgreSQL change without its transaction id (txId)");
    }
    return widen(txId) >= xmax;
  }

  /** The 64-bit id nearest the snapshot's {@code xmax} whose low 32 bits are {@code xid}. */
  long widen(long xid) {
    long full = (xmax & -EPOCH) | (xid & (EPOCH - 1));
    if (full - xmax > EPOCH / 2) {
      full -= EPOCH;
    } else if (xmax - full > EPOCH / 2) {
      full += EPOCH;
    }
    return full;
  }
}
