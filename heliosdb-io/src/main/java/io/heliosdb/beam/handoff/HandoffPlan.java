package io.heliosdb.beam.handoff;

import io.heliosdb.beam.HeliosDbException;
import io.heliosdb.beam.cdc.ChangeEnvelope;
import io.heliosdb.beam.cdc.LogPosition;
import io.heliosdb.beam.cdc.StreamStart;
import io.heliosdb.beam.dialect.ChangeVisibility;
import io.heliosdb.beam.dialect.Dialect;
import io.heliosdb.beam.snapshot.ChunkSnapshot;
import io.heliosdb.beam.snapshot.KeyOrder;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.beam.sdk.values.Row;
import org.apache.kafka.connect.data.Struct;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The change stream of one table after its snapshot: it starts where the log stood before the first chunk was
 * read and emits a change unless the chunk read that covers its key already saw it. Keys no chunk
 * covers (outside the table's key range when it was planned) get every change.
 */
final class HandoffPlan implements StreamStart {
  private static final long serialVersionUID = 1L;

  private final Map<String, Object> offset;
  private final Dialect dialect;
  private final List<String> keyFields;
  /** Sorted by lower key, disjoint; adjacent reads of one transaction merged. */
  private final List<ChunkSnapshot> chunks;
  private transient ChangeVisibility[] visibility;

  HandoffPlan(
      Map<String, Object> offset, Dialect dialect, List<String> keyFields,
      List<ChunkSnapshot> chunks) {
    this.offset = LogPosition.of(offset).offset(); // as its coder decodes it
    this.dialect = dialect;
    this.keyFields = keyFields;
    this.chunks = merge(chunks);
  }

  @Override
  public Map<String, Object> offset() {
    return offset;
  }

  int chunkCount() {
    return chunks.size();
  }

  /** What the chunk reads saw, sorted by lower key, disjoint. */
  List<ChunkSnapshot> chunks() {
    return chunks;
  }

  /**
   * {@inheritDoc}
   *
   * <p>A truncate (no image) is emitted if no chunk read saw it: every snapshot row is then of
   * the table before it, and its position after theirs.
   *
   * @throws HeliosDbException for a truncate some chunk read saw: the snapshot holds the table
   *     after it, at a position before it, which no replay by position can join with the stream
   */
  @Override
  public boolean emits(int table, Row change, Struct source) {
    Row image =
        change.getRow(ChangeEnvelope.AFTER) != null
            ? change.getRow(ChangeEnvelope.AFTER)
            : change.getRow(ChangeEnvelope.BEFORE);
    if (image == null) {
      for (int chunk = 0; chunk < chunks.size(); chunk++) {
        if (visibility(chunk).saw(source)) {
          throw new HeliosDbException(
              "[" + change.getRow(ChangeEnvelope.SOURCE).getString("table") + "] a TRUNCATE of"
                  + " the table at position " + change.getString(ChangeEnvelope.POSITION)
                  + " committed while its snapshot was read: the snapshot holds rows from after"
                  + " it, which the stream, started before it, cannot follow exactly. Start the"
                  + " pipeline again so that the snapshot and the stream both start after it"
                  + " (PostgreSQL: drop the replication slot first; it still stands before the"
                  + " TRUNCATE)");
        }
      }
      return true;
    }
    int chunk = find(KeyOrder.of(image, keyFields));
    return chunk < 0 || !visibility(chunk).saw(source);
  }

  /** Once no chunk read saw this change or any after it, every change is emitted. */
  @Override
  public boolean emitsEverythingFrom(Struct source) {
    for (int chunk = 0; chunk < chunks.size(); chunk++) {
      if (!visibility(chunk).sawNothingFrom(source)) {
        return false;
      }
    }
    return true;
  }

  /** The index of the chunk covering {@code key}, or -1. */
  int find(List<Object> key) {
    int low = 0;
    int high = chunks.size() - 1;
    int candidate = -1; // the last chunk whose lower bound is at or below the key
    while (low <= high) {
      int mid = (low + high) >>> 1;
      List<Object> lower = chunks.get(mid).lower();
      if (lower == null || KeyOrder.compare(lower, key) <= 0) {
        candidate = mid;
        low = mid + 1;
      } else {
        high = mid - 1;
      }
    }
    return candidate >= 0 && chunks.get(candidate).covers(key) ? candidate : -1;
  }

  private ChangeVisibility visibility(int chunk) {
    if (visibility == null) {
      visibility = new ChangeVisibility[chunks.size()];
    }
    if (visibility[chunk] == null) {
      visibility[chunk] = dialect.changeVisibility(chunks.get(chunk).token());
    }
    return visibility[chunk];
  }

  /** Sorts the chunks and merges neighbours read in one transaction. */
  static List<ChunkSnapshot> merge(List<ChunkSnapshot> chunks) {
    List<ChunkSnapshot> sorted = new ArrayList<>(chunks);
    sorted.sort(Comparator.comparing(ChunkSnapshot::lower, HandoffPlan::compareLower));
    List<ChunkSnapshot> merged = new ArrayList<>();
    for (ChunkSnapshot chunk : sorted) {
      ChunkSnapshot last = merged.isEmpty() ? null : merged.get(merged.size() - 1);
      if (last != null && last.token().equals(chunk.token()) && last.upper() != null
          && chunk.lower() != null && KeyOrder.compare(last.upper(), chunk.lower()) == 0) {
        merged.set(
            merged.size() - 1,
            new ChunkSnapshot(last.lower(), chunk.upper(), last.token(), last.position()));
      } else {
        merged.add(chunk);
      }
    }
    return List.copyOf(merged);
  }

  /** Equal plans encode alike (runners compare elements by value). */
  @Override
  public boolean equals(Object other) {
    return other instanceof HandoffPlan plan
        && offset.equals(plan.offset)
        && dialect.getClass().equals(plan.dialect.getClass())
        && keyFields.equals(plan.keyFields)
        && chunks.equals(plan.chunks);
  }

  @Override
  public int hashCode() {
    return Objects.hash(offset, keyFields, chunks);
  }

  private static int compareLower(@Nullable List<Object> a, @Nullable List<Object> b) {
    if (a == null || b == null) {
      return a == b ? 0 : a == null ? -1 : 1;
    }
    return KeyOrder.compare(a, b);
  }
}
