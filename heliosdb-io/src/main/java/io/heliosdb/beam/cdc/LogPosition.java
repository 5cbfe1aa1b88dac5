package io.heliosdb.beam.cdc;

import io.heliosdb.beam.stream.StreamRestriction;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The restriction of a CDC read: the connector's offset after the last change emitted (for
 * PostgreSQL {@code lsn}, {@code lsn_proc}, {@code lsn_commit}, {@code txId}; for MySQL/MariaDB
 * {@code file}, {@code pos}, {@code gtids}, {@code event}, {@code row}), which resumes the log right
 * after that change. Values are {@link Long}s or {@link String}s, keys sorted, so that the coder
 * is deterministic. No schema history is kept here.
 *
 * @param finished true for the primary part of a split: nothing is left to read in it
 */
public record LogPosition(SortedMap<String, Object> offset, boolean finished)
    implements StreamRestriction<LogPosition> {

  /** The class of the maps {@link #normalize} returns. */
  private static final Class<?> NORMALIZED =
      java.util.Collections.unmodifiableSortedMap(new TreeMap<>()).getClass();

  public LogPosition {
    offset = isNormalized(offset) ? offset : normalize(offset);
  }

  /** A position from a connector's offset map (numbers become longs, everything else text). */
  public static LogPosition of(Map<String, ?> offset) {
    return new LogPosition(normalize(offset), false);
  }

  /**
   * Whether the map is one {@link #normalize} returned: unmodifiable, in natural key order, every
   * value a long or a string, so that it need not be copied again.
   */
  private static boolean isNormalized(SortedMap<String, Object> offset) {
    if (offset.getClass() != NORMALIZED || offset.comparator() != null) {
      return false;
    }
    for (Object value : offset.values()) {
      if (!(value instanceof Long) && !(value instanceof String)) {
        return false;
      }
    }
    return true;
  }

  private static SortedMap<String, Object> normalize(Map<String, ?> offset) {
    SortedMap<String, Object> values = new TreeMap<>();
    offset.forEach(
        (key, value) -> {
          if (value instanceof Number number) {
            values.put(key, number.longValue());
          } else if (value != null) {
            values.put(key, value.toString());
          }
        });
    return java.util.Collections.unmodifiableSortedMap(values);
  }

  @Override
  public LogPosition asFinished() {
    return new LogPosition(offset, true);
  }

  @Override
  public String describe() {
    return offset.toString();
  }
}
