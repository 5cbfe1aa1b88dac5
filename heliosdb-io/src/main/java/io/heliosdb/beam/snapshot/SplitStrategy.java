package io.heliosdb.beam.snapshot;

/** How a snapshot divides its table among readers; chosen when the pipeline is built. */
public enum SplitStrategy {
  /** A single integral key: restrictions over key values. */
  KEY_RANGES,
  /** Any key: restrictions over chunk ordinals with precomputed boundaries. */
  CHUNK_BOUNDARIES,
  /** No key, a dialect with physical page ranges (PostgreSQL {@code ctid}). */
  PAGE_RANGES,
  /** No key, parallelism 1: one scan, restartable only from the start. */
  SINGLE_SCAN
}
