package io.heliosdb.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Watches the server side of the benchmark's log readers, once a second on its own connection:
 *
 * <ul>
 *   <li>PostgreSQL: the replication slots whose name starts with {@code prefix} ({@link
 *       #maxSlots}), and the CPU time (utime + stime of {@code /proc/<pid>/stat}, the database
 *       server runs on this machine) of the WAL senders serving them ({@code
 *       pg_replication_slots.active_pid}): {@link #cpuTicks} sums them now;
 *   <li>MariaDB: the connections of {@code information_schema.PROCESSLIST} whose command is {@code
 *       Binlog Dump...}, every client's ({@link #maxBinlogDumps}), and those of them whose client
 *       port ({@code HOST}) is the local port of one of this JVM's TCP connections to the server
 *       (its sockets in {@code /proc/self/fd}, their ports in {@code /proc/self/net/tcp*}): {@link
 *       #maxOwnBinlogDumps}.
 * </ul>
 */
final class LogReaderProbe implements AutoCloseable {
  private final BenchDatabase db;
  private final String prefix;
  private final Connection connection;
  private final AtomicInteger maxSlots = new AtomicInteger();
  private final AtomicInteger maxBinlogDumps = new AtomicInteger();
  private final AtomicInteger maxOwnBinlogDumps = new AtomicInteger();
  private final AtomicInteger maxWalSenders = new AtomicInteger();
  private volatile boolean stop;
  private Thread thread;

  LogReaderProbe(BenchDatabase db, String prefix) throws SQLException {
    this.db = db;
    this.prefix = prefix;
    this.connection = db.connect();
  }

  /** Samples once a second from now on. */
  void start() {
    thread = new Thread(this::loop, "bench-log-reader-probe");
    thread.setDaemon(true);
    thread.start();
  }

  private void loop() {
    while (!stop) {
      try {
        if (db.isPostgres()) {
          cpuTicks();
        } else {
          sampleBinlogDumps();
        }
        Thread.sleep(1000);
      } catch (InterruptedException e) {
        return;
      } catch (Exception e) {
        BenchSupport.log("probe: " + e);
      }
    }
  }

  /** MariaDB: the Binlog Dump connections of the server now, every client's. */
  synchronized int binlogDumps() throws SQLException {
    try (Statement s = connection.createStatement();
        ResultSet rs = s.executeQuery("SELECT count(*) FROM information_schema.PROCESSLIST"
            + " WHERE COMMAND LIKE 'Binlog Dump%'")) {
      rs.next();
      return rs.getInt(1);
    }
  }

  /** MariaDB: records the Binlog Dump connections now, every client's and this JVM's. */
  synchronized void sampleBinlogDumps() throws SQLException {
    Set<Integer> ownPorts = ownPorts(serverPort());
    int all = 0;
    int own = 0;
    try (Statement s = connection.createStatement();
        ResultSet rs = s.executeQuery("SELECT HOST FROM information_schema.PROCESSLIST"
            + " WHERE COMMAND LIKE 'Binlog Dump%'")) {
      while (rs.next()) {
        all++;
        String host = rs.getString(1);
        int colon = host == null ? -1 : host.lastIndexOf(':');
        if (colon >= 0 && ownPorts.contains(Integer.parseInt(host.substring(colon + 1)))) {
          own++;
        }
      }
    }
    maxBinlogDumps.accumulateAndGet(all, Math::max);
    maxOwnBinlogDumps.accumulateAndGet(own, Math::max);
  }

  private int serverPort() {
    Matcher m = Pattern.compile("//[^/:]+:(\\d+)").matcher(db.url);
    return m.find() ? Integer.parseInt(m.group(1)) : 3306;
  }

  /** The local ports of this process's TCP connections to {@code remotePort}. */
  static Set<Integer> ownPorts(int remotePort) {
    Set<String> inodes = new HashSet<>();
    try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
      for (Path fd : fds) {
        try {
          String target = Files.readSymbolicLink(fd).toString();
          if (target.startsWith("socket:[")) {
            inodes.add(target.substring(8, target.length() - 1));
          }
        } catch (IOException e) {
          // closed meanwhile
        }
      }
    } catch (IOException e) {
      return Set.of();
    }
    Set<Integer> ports = new HashSet<>();
    for (String table : List.of("/proc/self/net/tcp", "/proc/self/net/tcp6")) {
      try {
        for (String row : Files.readAllLines(Path.of(table))) {
          String[] f = row.trim().split("\\s+");
          if (f.length > 9 && f[1].contains(":") && inodes.contains(f[9])
              && Integer.parseInt(f[2].substring(f[2].lastIndexOf(':') + 1), 16) == remotePort) {
            ports.add(Integer.parseInt(f[1].substring(f[1].lastIndexOf(':') + 1), 16));
          }
        }
      } catch (IOException | RuntimeException e) {
        // no IPv6 table
      }
    }
    return ports;
  }

  /**
   * PostgreSQL: per WAL sender pid serving a slot named {@code prefix...}, its CPU time so far in
   * clock ticks; also records the number of such slots and active WAL senders.
   */
  synchronized Map<Integer, Long> cpuTicks() throws SQLException {
    Map<Integer, Long> ticks = new HashMap<>();
    int slots = 0;
    try (PreparedStatement s = connection.prepareStatement(
        "SELECT active_pid FROM pg_replication_slots WHERE slot_name LIKE ?")) {
      s.setString(1, prefix.replace("_", "\\_") + "%");
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          slots++;
          int pid = rs.getInt(1);
          if (!rs.wasNull()) {
            Long t = processTicks(pid);
            if (t != null) {
              ticks.put(pid, t);
            }
          }
        }
      }
    }
    maxSlots.accumulateAndGet(slots, Math::max);
    maxWalSenders.accumulateAndGet(ticks.size(), Math::max);
    return ticks;
  }

  /** utime + stime of a process in clock ticks, or null if it is gone. */
  static Long processTicks(int pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      // the fields after the command name (which may contain spaces) in parentheses
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
      return Long.parseLong(f[11]) + Long.parseLong(f[12]); // fields 14 and 15 of stat(5)
    } catch (Exception e) {
      return null;
    }
  }

  /**
   * CPU seconds spent between two {@link #cpuTicks} samples; a pid new in {@code to} counts whole.
   */
  static double cpuSeconds(Map<Integer, Long> from, Map<Integer, Long> to) {
    long ticks = 0;
    for (Map.Entry<Integer, Long> e : to.entrySet()) {
      ticks += e.getValue() - from.getOrDefault(e.getKey(), 0L);
    }
    return ticks / (double) CLOCK_TICKS;
  }

  /** Clock ticks per second (USER_HZ), 100 on Linux unless getconf says otherwise. */
  static final long CLOCK_TICKS = clockTicks();

  private static long clockTicks() {
    try {
      Process p = new ProcessBuilder("getconf", "CLK_TCK").start();
      String out = new String(p.getInputStream().readAllBytes()).trim();
      p.waitFor();
      return Long.parseLong(out);
    } catch (Exception e) {
      return 100;
    }
  }

  int maxSlots() {
    return maxSlots.get();
  }

  int maxWalSenders() {
    return maxWalSenders.get();
  }

  int maxBinlogDumps() {
    return maxBinlogDumps.get();
  }

  int maxOwnBinlogDumps() {
    return maxOwnBinlogDumps.get();
  }

  /** PostgreSQL's max_replication_slots, or null elsewhere. */
  Integer maxReplicationSlots() throws SQLException {
    if (!db.isPostgres()) {
      return null;
    }
    synchronized (this) {
      try (Statement s = connection.createStatement();
          ResultSet rs = s.executeQuery("SELECT current_setting('max_replication_slots')::int")) {
        rs.next();
        return rs.getInt(1);
      }
    }
  }

  /** PostgreSQL: the replication slots of every client now (0 elsewhere). */
  synchronized int allSlots() throws SQLException {
    if (!db.isPostgres()) {
      return 0;
    }
    try (Statement s = connection.createStatement();
        ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_replication_slots")) {
      rs.next();
      return rs.getInt(1);
    }
  }

  @Override
  public void close() throws Exception {
    stop = true;
    if (thread != null) {
      thread.interrupt();
      thread.join(5000);
    }
    synchronized (this) {
      connection.close();
    }
  }
}
