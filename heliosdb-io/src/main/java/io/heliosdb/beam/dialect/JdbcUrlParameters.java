package io.heliosdb.beam.dialect;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/** The query parameters of a JDBC URL ({@code ?name=value&...}), decoded, by name ignoring case. */
final class JdbcUrlParameters {
  private JdbcUrlParameters() {}

  static Map<String, String> of(String jdbcUrl) {
    Map<String, String> parameters = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    int query = jdbcUrl.indexOf('?');
    if (query < 0) {
      return parameters;
    }
    for (String pair : jdbcUrl.substring(query + 1).split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int equals = pair.indexOf('=');
      parameters.put(
          URLDecoder.decode(equals < 0 ? pair : pair.substring(0, equals), StandardCharsets.UTF_8),
          equals < 0 ? "" : URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8));
    }
    return parameters;
  }

  /** Whether a boolean parameter is set to true ({@code true}, {@code 1}, {@code yes} or empty). */
  static boolean isTrue(Map<String, String> parameters, String name) {
    String value = parameters.get(name);
    return value != null && (value.isEmpty() || value.equalsIgnoreCase("true")
        || value.equals("1") || value.equalsIgnoreCase("yes"));
  }

  /** Whether a boolean parameter is set to false ({@code false}, {@code 0} or {@code no}). */
  static boolean isFalse(Map<String, String> parameters, String name) {
    String value = parameters.get(name);
    return value != null && (value.equalsIgnoreCase("false") || value.equals("0")
        || value.equalsIgnoreCase("no"));
  }

  /**
   * Copies the parameters named in {@code names} (URL parameter to connector property) that are
   * set, removing a {@code file:} prefix (key store URLs of MySQL Connector/J).
   */
  static void copy(Map<String, String> parameters, Map<String, String> names,
      Map<String, String> properties) {
    names.forEach((parameter, property) -> {
      String value = parameters.get(parameter);
      if (value != null && !value.isEmpty()) {
        properties.put(property, value.startsWith("file:") ? value.substring(5) : value);
      }
    });
  }
}
