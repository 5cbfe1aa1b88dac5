package io.heliosdb.beam.handoff;

import java.util.ArrayList;
import java.util.List;

/**
 * A text split into its numbers and the literal text around them, so that tokens such as
 * PostgreSQL's {@code xmin:xmax:xip,...} or MariaDB's {@code mariadb-bin.000042:30366382} encode
 * as one shared template and small differences between numbers. Only digit runs that read back
 * as written become numbers (no leading zero, at most 18 digits); the rest stays literal.
 *
 * @param template the literal parts: one more than there are numbers
 */
record NumberedText(List<String> template, long[] numbers) {
  private static final int MAX_DIGITS = 18;

  static NumberedText of(String text) {
    List<String> template = new ArrayList<>();
    List<Long> numbers = new ArrayList<>();
    StringBuilder literal = new StringBuilder();
    int i = 0;
    while (i < text.length()) {
      int end = i;
      while (end < text.length() && text.charAt(end) >= '0' && text.charAt(end) <= '9') {
        end++;
      }
      int digits = end - i;
      if (digits > 0 && digits <= MAX_DIGITS && (digits == 1 || text.charAt(i) != '0')) {
        template.add(literal.toString());
        literal.setLength(0);
        numbers.add(Long.parseLong(text, i, end, 10));
        i = end;
      } else {
        int stop = digits > 0 ? end : i + 1;
        literal.append(text, i, stop);
        i = stop;
      }
    }
    template.add(literal.toString());
    return new NumberedText(template, numbers.stream().mapToLong(Long::longValue).toArray());
  }

  /** The text again. */
  String text() {
    StringBuilder text = new StringBuilder(template.get(0));
    for (int i = 0; i < numbers.length; i++) {
      text.append(numbers[i]).append(template.get(i + 1));
    }
    return text.toString();
  }
}
