package io.heliosdb.beam.dialect;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * A database whose log serves one reader per named resource at a time: a PostgreSQL replication
 * slot, a MySQL/MariaDB replica server id. Two streams sharing one would take each other's
 * changes or disconnect each other, so a read must own its resource.
 */
public interface ExclusiveLogReader {

  /**
   * What identifies the resource on its server, the same for every read that would share it,
   * e.g. {@code replication slot s of db at host:5432}.
   */
  String logReaderKey(String jdbcUrl, String redactedUrl, ChangeCaptureSettings settings);

  /** The resource as a user names it, e.g. {@code replication slot s} or {@code server id 7}. */
  String logReaderName(ChangeCaptureSettings settings);

  /** The option that names the resource, e.g. {@code CdcOptions.withSlotName}. */
  String logReaderOption();

  /**
   * Checks that no other process reads the log with the resource, where the server shows it.
   *
   * @throws IllegalStateException naming the resource, its holder and {@link #logReaderOption}
   */
  void checkLogReaderFree(Connection connection, ChangeCaptureSettings settings)
      throws SQLException;

  /** Whether a failure of the log reader says that another process holds the resource. */
  boolean isLogReaderBusy(Throwable error);
}
