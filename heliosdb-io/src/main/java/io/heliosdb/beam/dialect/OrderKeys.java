package io.heliosdb.beam.dialect;

/** The fixed-width fields of order keys ({@link Dialect#orderKey}): lowercase hexadecimal. */
final class OrderKeys {
  private OrderKeys() {}

  /** {@code value} as 16 hex digits, read as an unsigned 64-bit number. */
  static String hex16(long value) {
    return pad(Long.toHexString(value), 16);
  }

  /**
   * {@code value} as 8 hex digits.
   *
   * @throws IllegalArgumentException naming {@code what} and the position if it does not fit
   */
  static String hex8(long value, String what, String position) {
    if (value < 0 || value > 0xFFFF_FFFFL) {
      throw new IllegalArgumentException(
          "the " + what + " of log position " + position + " does not fit an order key");
    }
    return pad(Long.toHexString(value), 8);
  }

  private static String pad(String hex, int digits) {
    return "0".repeat(digits - hex.length()) + hex;
  }
}
