package io.heliosdb.beam.snapshot;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.io.range.OffsetRange;

/** Pure arithmetic of snapshot planning: no database, no Beam runner. */
public final class ChunkPlanner {
  private ChunkPlanner() {}

  /**
   * Splits {@code [from, to)} into at most {@code parts} contiguous, non-empty ranges of nearly
   * equal width that together cover it exactly. Safe for any longs, including a range from
   * {@link Long#MIN_VALUE} to {@link Long#MAX_VALUE}.
   */
  public static List<OffsetRange> splitEvenly(long from, long to, int parts) {
    if (parts < 1) {
      throw new IllegalArgumentException("parts must be at least 1, was " + parts);
    }
    List<OffsetRange> ranges = new ArrayList<>();
    if (from >= to) {
      return ranges;
    }
    BigInteger start = BigInteger.valueOf(from);
    BigInteger width = BigInteger.valueOf(to).subtract(start);
    BigInteger count = width.min(BigInteger.valueOf(parts));
    long previous = from;
    for (long i = 1; i <= count.longValue(); i++) {
      long next =
          start.add(width.multiply(BigInteger.valueOf(i)).divide(count)).longValueExact();
      ranges.add(new OffsetRange(previous, next));
      previous = next;
    }
    return ranges;
  }

  /** The width of {@code [from, to)} as a double, without overflow. */
  public static double width(OffsetRange range) {
    return BigInteger.valueOf(range.getTo()).subtract(BigInteger.valueOf(range.getFrom()))
        .doubleValue();
  }

  /** Estimated rows per key value, for sizing; 1 when the table has no estimate. */
  public static double density(long estimatedRows, OffsetRange keySpan) {
    double width = width(keySpan);
    if (estimatedRows < 1 || width <= 0) {
      return 1;
    }
    return estimatedRows / width;
  }

  /** Pages to read per query so that a query returns about {@code chunkSize} rows. */
  public static long pagesPerChunk(long estimatedRows, long pages, int chunkSize) {
    if (estimatedRows < 1 || pages < 1) {
      return Math.max(1, chunkSize / 100);
    }
    double rowsPerPage = Math.max(1.0, (double) estimatedRows / pages);
    return Math.max(1, (long) (chunkSize / rowsPerPage));
  }
}
