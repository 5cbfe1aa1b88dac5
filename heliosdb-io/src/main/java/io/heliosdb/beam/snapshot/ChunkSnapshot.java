package io.heliosdb.beam.snapshot;

import java.io.Serializable;
import java.util.List;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * What one consistent chunk read saw: the keys it covered, {@code [lower, upper)} in key order
 * (null: unbounded), and the dialect's token of the point of the log its rows are the table at
 * ({@link io.heliosdb.beam.dialect.Dialect#beginConsistentRead}), and the position of its rows in
 * the output ({@link io.heliosdb.beam.dialect.Dialect#snapshotPosition}). Key values are {@link
 * KeyOrder#normalize normalized}.
 */
public record ChunkSnapshot(
    @Nullable List<Object> lower, @Nullable List<Object> upper, String token, String position)
    implements Serializable {

  /** Whether {@code key} is in {@code [lower, upper)}. */
  public boolean covers(List<Object> key) {
    return (lower == null || KeyOrder.compare(lower, key) <= 0)
        && (upper == null || KeyOrder.compare(key, upper) < 0);
  }
}
