package io.heliosdb.beam.dialect;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/** Splits {@code ns.table}, {@code "My Schema"."a.b"} into identifiers, honouring quotes. */
final class TableNameParser {
  private TableNameParser() {}

  static List<String> split(String name, char quote, UnaryOperator<String> foldUnquoted) {
    List<String> parts = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    boolean quoted = false;
    boolean wasQuoted = false;
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (quoted) {
        if (c == quote && i + 1 < name.length() && name.charAt(i + 1) == quote) {
          current.append(quote);
          i++;
        } else if (c == quote) {
          quoted = false;
        } else {
          current.append(c);
        }
      } else if (c == quote) {
        quoted = true;
        wasQuoted = true;
      } else if (c == '.') {
        parts.add(finish(name, current, wasQuoted, foldUnquoted));
        current.setLength(0);
        wasQuoted = false;
      } else {
        current.append(c);
      }
    }
    if (quoted) {
      throw new IllegalArgumentException(
          "withTable(\"" + name + "\"): unbalanced quote " + quote + "; quote a name part whole,"
              + " doubling any " + quote + " inside it, as in " + quote + "My " + quote + quote
              + "Odd" + quote + quote + " Table" + quote);
    }
    parts.add(finish(name, current, wasQuoted, foldUnquoted));
    return parts;
  }

  private static String finish(
      String name, StringBuilder part, boolean quoted, UnaryOperator<String> foldUnquoted) {
    String value = quoted ? part.toString() : part.toString().trim();
    if (value.isEmpty()) {
      throw new IllegalArgumentException("withTable(\"" + name + "\"): empty identifier");
    }
    return quoted ? value : foldUnquoted.apply(value);
  }
}
