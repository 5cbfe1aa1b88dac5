package io.heliosdb.beam.snapshot;

/**
 * A {@link SnapshotSplit} of one table of a multi-table snapshot.
 *
 * @param table the table's index in the read's list of tables
 */
public record TableSplit(int table, SnapshotSplit split) {}
