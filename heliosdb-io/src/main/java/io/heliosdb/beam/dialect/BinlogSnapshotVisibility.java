package io.heliosdb.beam.dialect;

import org.apache.kafka.connect.data.Struct;

/**
 * The changes a MariaDB consistent snapshot sees: those of the transactions written to the binlog
 * before its position ({@code binlog_snapshot_file:binlog_snapshot_position}, the end of the last
 * transaction it contains). Each change of a later transaction lies at or after that position.
 */
final class BinlogSnapshotVisibility implements ChangeVisibility {
  private final String file;
  private final long position;

  BinlogSnapshotVisibility(String token) {
    int colon = token.lastIndexOf(':');
    if (colon < 1) {
      throw new IllegalArgumentException("not a binlog position: " + token);
    }
    this.file = token.substring(0, colon);
    this.position = Long.parseLong(token.substring(colon + 1));
  }

  @Override
  public boolean saw(Struct source) {
    String changeFile = source.getString("file");
    Long changePosition = source.getInt64("pos");
    if (changeFile == null || changePosition == null) {
      throw new IllegalStateException("a binlog change without its file and position");
    }
    int byFile = compareFiles(changeFile, file);
    return byFile < 0 || (byFile == 0 && changePosition < position);
  }

  /** A change at or after the snapshot's position, and every later one, is of a later transaction. */
  @Override
  public boolean sawNothingFrom(Struct source) {
    return !saw(source);
  }

  /** Binlog files by their sequence number ({@code mariadb-bin.000012}), then by name. */
  static int compareFiles(String a, String b) {
    int dotA = a.lastIndexOf('.');
    int dotB = b.lastIndexOf('.');
    if (dotA > 0 && dotB > 0 && a.substring(0, dotA).equals(b.substring(0, dotB))) {
      try {
        return Long.compare(
            Long.parseLong(a.substring(dotA + 1)), Long.parseLong(b.substring(dotB + 1)));
      } catch (NumberFormatException e) {
        // not numbered: fall through to the names
      }
    }
    return a.compareTo(b);
  }
}
