package io.heliosdb.beam.handoff;

import java.io.Serializable;
import java.util.List;
import java.util.Map;

/**
 * Where the log stood before the snapshot's first chunk was read: the stream starts there.
 *
 * @param offset the connector offset
 * @param position the same, as a position string (snapshot rows' position on PostgreSQL)
 * @param source the {@code source} of the change envelopes: database, schema (or null), table
 */
record HandoffStart(Map<String, Object> offset, String position, List<String> source)
    implements Serializable {}
