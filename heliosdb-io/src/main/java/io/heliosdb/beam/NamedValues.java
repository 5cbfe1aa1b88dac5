package io.heliosdb.beam;

import static org.apache.beam.sdk.util.Preconditions.checkArgumentNotNull;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/** Checked copies of the name-value maps options take (driver and Debezium properties). */
final class NamedValues {
  private NamedValues() {}

  /**
   * An unmodifiable copy, sorted by name.
   *
   * @param option the option that takes them, which starts the messages
   * @throws IllegalArgumentException for a null map, a null or blank name or a null value
   */
  static Map<String, String> copyOf(String option, Map<String, String> values) {
    checkArgumentNotNull(values, option + "(properties): must not be null");
    Map<String, String> copy = new TreeMap<>();
    values.forEach((key, value) -> {
      if (key == null || key.isBlank() || value == null) {
        throw new IllegalArgumentException(
            option + ": property '" + key + "' must have a non-blank name and a value");
      }
      copy.put(key, value);
    });
    return Collections.unmodifiableMap(copy);
  }
}
