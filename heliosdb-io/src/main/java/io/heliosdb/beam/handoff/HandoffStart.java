package io.heliosdb.beam.handoff;

import io.heliosdb.beam.cdc.LogPosition;
import java.io.Serializable;
import java.util.Map;

/**
 * Where the log stood before the snapshot's first chunk was read: the stream starts there.
 *
 * @param offset the connector offset
 * @param position the same, as a position string (snapshot rows' position on PostgreSQL)
 */
record HandoffStart(Map<String, Object> offset, String position) implements Serializable {
  HandoffStart {
    offset = LogPosition.of(offset).offset(); // as its coder decodes it
  }
}
