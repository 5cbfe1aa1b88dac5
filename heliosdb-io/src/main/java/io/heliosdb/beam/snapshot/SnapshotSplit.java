package io.heliosdb.beam.snapshot;

import io.heliosdb.beam.dialect.ExportedSnapshot;
import java.util.List;
import org.apache.beam.sdk.io.range.OffsetRange;
import org.apache.beam.sdk.values.Row;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * One unit of snapshot work, the element of {@link ReadSnapshotSplitDoFn}; its restriction is an
 * {@link OffsetRange} whose meaning depends on {@link #kind()}.
 *
 * @param kind what the offsets of {@code range} are
 * @param range the initial restriction
 * @param rowsPerOffset estimated rows per offset, for {@code @GetSize}
 * @param boundaries for {@link Kind#CHUNKS}: chunk {@code i} holds keys in {@code
 *     [boundaries[i], boundaries[i+1])}, a null boundary being unbounded; empty otherwise
 * @param logStart for snapshot-then-CDC, the log position where the stream starts (for the
 *     position of the split's rows); null otherwise
 * @param exportedSnapshot for {@link Kind#PAGES}, the snapshot every page is read in; null
 *     otherwise
 */
public record SnapshotSplit(
    Kind kind,
    OffsetRange range,
    double rowsPerOffset,
    List<@Nullable Row> boundaries,
    @Nullable String logStart,
    @Nullable ExportedSnapshot exportedSnapshot) {

  public SnapshotSplit(
      Kind kind, OffsetRange range, double rowsPerOffset, List<@Nullable Row> boundaries) {
    this(kind, range, rowsPerOffset, boundaries, null, null);
  }

  /** This split, for a snapshot whose stream starts at {@code position}. */
  public SnapshotSplit withLogStart(String position) {
    return new SnapshotSplit(kind, range, rowsPerOffset, boundaries, position, exportedSnapshot);
  }

  /** This split, read in {@code snapshot}. */
  public SnapshotSplit withExportedSnapshot(ExportedSnapshot snapshot) {
    return new SnapshotSplit(kind, range, rowsPerOffset, boundaries, logStart, snapshot);
  }

  /** What a split's offsets count. */
  public enum Kind {
    /** Values of the single integral split key. */
    KEY_RANGE,
    /** Ordinals of chunks between {@link #boundaries()}. */
    CHUNKS,
    /** Physical pages of the table. */
    PAGES,
    /** The whole table in one query; offset 0 only. */
    FULL_TABLE,
    /** Rows whose split key is NULL; offset 0 only. */
    NULL_KEYS,
    /** Rows whose integral split key is {@link Long#MAX_VALUE}; offset 0 only. */
    MAX_KEY
  }

  /**
   * About how many queries of at most {@code chunkSize} rows reading this split takes: for the
   * {@code snapshot_chunks_planned} metric.
   */
  public long estimatedChunks(int chunkSize) {
    long width = range.getTo() - range.getFrom();
    return switch (kind) {
      case CHUNKS -> width;
      case KEY_RANGE, PAGES ->
          Math.max(1, (long) Math.ceil(width * rowsPerOffset / Math.max(1, chunkSize)));
      case FULL_TABLE, NULL_KEYS, MAX_KEY -> 1;
    };
  }

  static SnapshotSplit single(Kind kind) {
    return new SnapshotSplit(kind, new OffsetRange(0, 1), 1, List.of());
  }
}
