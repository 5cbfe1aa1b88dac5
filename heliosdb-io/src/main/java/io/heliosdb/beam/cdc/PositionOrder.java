package io.heliosdb.beam.cdc;

import java.io.Serializable;
import java.math.BigInteger;
import java.util.Comparator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The order of the {@code position}s of change envelopes, which is the log's order: for any key,
 * applying a table's changes in this order (or keeping the greatest per key) yields its state.
 * A snapshot row ({@code op = "r"}) comes before every change emitted for its key.
 *
 * <ul>
 *   <li>PostgreSQL {@code lsn@commit_lsn:TYPE}: by the commit LSN Debezium records with a change
 *       (that of the transaction streamed before it), then LSN; a bare LSN (a snapshot row)
 *       before the changes recorded with it.
 *   <li>MySQL/MariaDB {@code file:pos;gtids=..;event=..;row=..}: by binlog file number, position,
 *       event and row; a bare {@code file:pos} before the changes at it.
 *   <li>Oracle {@code scn@commit_scn}: by commit SCN, then SCN.
 * </ul>
 *
 * <pre>{@code
 * changes.sort(Comparator.comparing(c -> c.getString("position"), PositionOrder.INSTANCE));
 * }</pre>
 *
 * <p>Each envelope's {@code order_key} ({@link ChangeEnvelope}) gives this order as plain text,
 * for sinks outside Java.
 */
public final class PositionOrder implements Comparator<String>, Serializable {
  private static final long serialVersionUID = 1L;

  public static final PositionOrder INSTANCE = new PositionOrder();

  private static final Pattern LSN =
      Pattern.compile("([0-9A-Fa-f]+)/([0-9A-Fa-f]+)(?:@([0-9A-Fa-f]+)/([0-9A-Fa-f]+):\\w+)?");
  private static final Pattern SCN = Pattern.compile("(\\d+)(?:@(\\d+))?");
  private static final Pattern BINLOG = Pattern.compile("(.*?)(\\d*):(\\d+)((?:;[^;]*)*)");

  private PositionOrder() {}

  @Override
  public int compare(String a, String b) {
    return Key.of(a).compareTo(Key.of(b));
  }

  /** A position as numbers compared in turn, after a file name prefix. */
  private record Key(String prefix, BigInteger[] parts) implements Comparable<Key> {
    static Key of(String position) {
      Matcher lsn = LSN.matcher(position);
      if (lsn.matches()) {
        BigInteger at = lsn(lsn.group(1), lsn.group(2));
        boolean change = lsn.group(3) != null;
        BigInteger commit = change ? lsn(lsn.group(3), lsn.group(4)) : at;
        return new Key("", new BigInteger[] {commit, change ? BigInteger.ONE : BigInteger.ZERO, at});
      }
      Matcher scn = SCN.matcher(position);
      if (scn.matches()) {
        BigInteger at = new BigInteger(scn.group(1));
        BigInteger commit = scn.group(2) == null ? at : new BigInteger(scn.group(2));
        return new Key("", new BigInteger[] {commit, BigInteger.valueOf(scn.group(2) == null ? 0 : 1), at});
      }
      Matcher binlog = BINLOG.matcher(position);
      if (binlog.matches()) {
        BigInteger event = BigInteger.valueOf(-1);
        BigInteger row = BigInteger.valueOf(-1);
        for (String part : binlog.group(4).split(";")) {
          if (part.startsWith("event=")) {
            event = new BigInteger(part.substring(6));
          } else if (part.startsWith("row=")) {
            row = new BigInteger(part.substring(4));
          }
        }
        BigInteger file = binlog.group(2).isEmpty() ? BigInteger.ZERO : new BigInteger(binlog.group(2));
        return new Key(binlog.group(1), new BigInteger[] {file, new BigInteger(binlog.group(3)), event, row});
      }
      throw new IllegalArgumentException("not a change position of HeliosDbIO: " + position);
    }

    private static BigInteger lsn(String high, String low) {
      return BigInteger.valueOf(Long.parseLong(high, 16)).shiftLeft(32)
          .add(BigInteger.valueOf(Long.parseLong(low, 16)));
    }

    @Override
    public int compareTo(Key other) {
      int byPrefix = prefix.compareTo(other.prefix);
      if (byPrefix != 0) {
        return byPrefix;
      }
      for (int i = 0; i < Math.min(parts.length, other.parts.length); i++) {
        int c = parts[i].compareTo(other.parts[i]);
        if (c != 0) {
          return c;
        }
      }
      return Integer.compare(parts.length, other.parts.length);
    }
  }
}
