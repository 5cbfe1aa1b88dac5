package io.heliosdb.beam.schemas;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.checkerframework.checker.nullness.qual.Nullable;

/** The read modes of the {@code mode} configuration field. */
enum ReadMode {
  SNAPSHOT,
  INCREMENTAL,
  CDC,
  SNAPSHOT_THEN_CDC;

  /** The modes that read a snapshot of the table. */
  static final Set<ReadMode> SNAPSHOTS = EnumSet.of(SNAPSHOT, SNAPSHOT_THEN_CDC);

  /** The modes that stream the change log. */
  static final Set<ReadMode> CHANGE_STREAMS = EnumSet.of(CDC, SNAPSHOT_THEN_CDC);

  /** The name used in configurations, as {@code snapshot_then_cdc}. */
  String fieldValue() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Every mode's configuration name. */
  static List<String> fieldValues() {
    return Arrays.stream(values()).map(ReadMode::fieldValue).toList();
  }

  /** The mode named by the {@code mode} field; {@code snapshot} when the field is not set. */
  static ReadMode parse(@Nullable String value) {
    if (value == null) {
      return SNAPSHOT;
    }
    for (ReadMode mode : values()) {
      if (mode.fieldValue().equals(value)) {
        return mode;
      }
    }
    throw new IllegalArgumentException(
        "mode '" + value + "' is none of " + fieldValues());
  }
}
