package io.heliosdb.beam.dialect;

import java.io.Serializable;

/**
 * A snapshot that one session exported for others to read in, as {@link SnapshotExport} made it.
 *
 * @param id the database's identifier of the snapshot
 * @param exporterPid the server process of the exporting session
 * @param exporterStart when that session started, in microseconds since the epoch: with the pid,
 *     it tells the session apart from a later one that reuses the pid
 */
public record ExportedSnapshot(String id, int exporterPid, long exporterStart)
    implements Serializable {}
