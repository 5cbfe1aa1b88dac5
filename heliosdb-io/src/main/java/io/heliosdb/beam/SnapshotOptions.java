package io.heliosdb.beam;

import com.google.auto.value.AutoValue;
import java.io.Serializable;
import org.apache.beam.sdk.transforms.display.DisplayData;

/**
 * How a snapshot read splits the table.
 *
 * <pre>{@code
 * SnapshotOptions.byPrimaryKey().withChunkSize(50_000)
 * }</pre>
 *
 * <p>A single integral key (or {@code withSplitColumn}) is split by key ranges, each read in
 * queries of at most {@code chunkSize} rows in key order, so a resumed read continues after the
 * last row it emitted. Other keys (strings, UUIDs, composite keys) and integral keys declared
 * skewed with {@link #withBoundaryChunks()} are split into chunks of {@code chunkSize} rows whose
 * boundaries are computed from the key index when the pipeline starts.
 */
@AutoValue
public abstract class SnapshotOptions implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Default rows per chunk. */
  public static final int DEFAULT_CHUNK_SIZE = 50_000;

  public abstract int getChunkSize();

  public abstract boolean getBoundaryChunks();

  abstract Builder toBuilder();

  @AutoValue.Builder
  abstract static class Builder {
    abstract Builder setChunkSize(int chunkSize);

    abstract Builder setBoundaryChunks(boolean boundaryChunks);

    abstract SnapshotOptions build();
  }

  /** Splits by the primary key, or by the column given to {@code withSplitColumn}. */
  public static SnapshotOptions byPrimaryKey() {
    return new AutoValue_SnapshotOptions.Builder()
        .setChunkSize(DEFAULT_CHUNK_SIZE)
        .setBoundaryChunks(false)
        .build();
  }

  /** Rows per chunk (a query, a transaction, a unit of progress); default 50,000, at least 1. */
  public SnapshotOptions withChunkSize(int chunkSize) {
    if (chunkSize < 1) {
      throw new IllegalArgumentException(
          "SnapshotOptions.withChunkSize(" + chunkSize + "): must be at least 1");
    }
    return toBuilder().setChunkSize(chunkSize).build();
  }

  /**
   * Splits an integral key by precomputed boundaries of {@code chunkSize} rows, as other keys
   * are, instead of by even key ranges: for keys whose values cluster, so that parallel readers
   * get equal shares. Costs one scan of the key index when the pipeline starts.
   */
  public SnapshotOptions withBoundaryChunks() {
    return toBuilder().setBoundaryChunks(true).build();
  }

  void populateDisplayData(DisplayData.Builder builder) {
    builder
        .add(DisplayData.item("chunkSize", getChunkSize()).withLabel("Snapshot chunk size"))
        .add(
            DisplayData.item("splitBy", getBoundaryChunks() ? "boundary chunks" : "auto")
                .withLabel("Snapshot split"));
  }
}
