package io.heliosdb.faults;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A {@link FaultPipelineMain} running in a child JVM (the test's classpath), with its output file
 * read as it grows, its log, and SIGKILL ({@link Process#destroyForcibly()} on Linux).
 */
final class ChildPipeline implements AutoCloseable {
  /**
   * Log lines that mean a connection failed, timed out, or was retried: the retry layer's warning
   * ({@code ... failed (CONNECTION failure ...); retrying in ...}), HikariCP's pool timeout,
   * driver and socket time-outs, lost connections.
   */
  static final Pattern CONNECTION_TROUBLE = Pattern.compile(
      "retrying in \\d+ ms|Connection is not available, request timed out"
          + "|SQLTransientConnectionException|SocketTimeoutException|Read timed out"
          + "|connection was lost|Communications link failure|terminating connection"
          + "|connection attempt failed|Connection refused|Broken pipe|Connection reset",
      Pattern.CASE_INSENSITIVE);

  final String name;
  final Path output;
  final Path log;
  private final Process process;
  private final long started = System.currentTimeMillis();
  private long offset;
  private final List<String> lines = new ArrayList<>();
  private final List<Long> bundles = new ArrayList<>();
  private final Set<Long> committedBundles = new HashSet<>();

  private ChildPipeline(String name, Path output, Path log, Process process) {
    this.name = name;
    this.output = output;
    this.log = log;
    this.process = process;
  }

  /**
   * Starts {@code java -Xmx<heap> -cp <this JVM's classpath> FaultPipelineMain out=<dir>/<name>.out
   * args...}, its stdout and stderr in {@code <dir>/<name>.log}.
   */
  static ChildPipeline start(Path dir, String name, String heap, List<String> args)
      throws IOException {
    Path output = dir.resolve(name + ".out");
    Path log = dir.resolve(name + ".log");
    Files.deleteIfExists(output);
    Files.createFile(output);
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx" + heap, "-XX:+ExitOnOutOfMemoryError", "-Duser.timezone=UTC",
        "-cp", classpath(),
        FaultPipelineMain.class.getName(), "out=" + output));
    command.addAll(args);
    Process process = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(log.toFile()).start();
    return new ChildPipeline(name, output, log, process);
  }

  private static String classpath;

  /**
   * This JVM's classpath, with the project's own jars from the local Maven repository copied
   * first; and every class of those jars loaded in this JVM. Other builds on the machine install
   * the jars again meanwhile, overwriting them in place, and a JVM that loads a class from a jar
   * being rewritten fails with {@code NoClassDefFoundError}. Test classes call it when they are
   * loaded.
   */
  static synchronized String classpath() {
    if (classpath == null) {
      try {
        Path copies = Files.createTempDirectory("faultb-classpath");
        copies.toFile().deleteOnExit();
        List<String> entries = new ArrayList<>();
        for (String entry :
            System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
          if (entry.endsWith(".jar") && entry.replace('\\', '/').contains("/io/heliosdb/")) {
            Path copy = copies.resolve(Path.of(entry).getFileName());
            Files.copy(Path.of(entry), copy);
            copy.toFile().deleteOnExit();
            entries.add(copy.toString());
            loadClasses(Path.of(entry));
          } else {
            entries.add(entry);
          }
        }
        classpath = String.join(java.io.File.pathSeparator, entries);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return classpath;
  }

  private static void loadClasses(Path jar) throws IOException {
    ClassLoader loader = ChildPipeline.class.getClassLoader();
    try (java.util.jar.JarFile file = new java.util.jar.JarFile(jar.toFile())) {
      for (java.util.jar.JarEntry entry : java.util.Collections.list(file.entries())) {
        String name = entry.getName();
        if (name.endsWith(".class") && !name.contains("module-info")) {
          try {
            Class.forName(name.substring(0, name.length() - 6).replace('/', '.'), false, loader);
          } catch (ClassNotFoundException | LinkageError e) {
            // a class this JVM cannot load is not one the test uses
          }
        }
      }
    }
  }

  long pid() {
    return process.pid();
  }

  long ageMillis() {
    return System.currentTimeMillis() - started;
  }

  /**
   * The elements output so far, rendered, in the order written (read incrementally; a last line
   * without its newline, being written or cut by a kill, is left out).
   */
  synchronized List<String> lines() {
    try (RandomAccessFile file = new RandomAccessFile(output.toFile(), "r")) {
      long length = file.length();
      if (length > offset) {
        byte[] bytes = new byte[(int) (length - offset)];
        file.seek(offset);
        file.readFully(bytes);
        int end = bytes.length;
        while (end > 0 && bytes[end - 1] != '\n') {
          end--;
        }
        if (end > 0) {
          for (String line : new String(bytes, 0, end - 1, StandardCharsets.UTF_8).split("\n")) {
            int space = line.indexOf(' ');
            if (line.startsWith("commit ")) {
              committedBundles.add(Long.parseLong(line.substring(space + 1)));
            } else {
              bundles.add(Long.parseLong(line.substring(0, space)));
              lines.add(line.substring(space + 1));
            }
          }
          offset += end;
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return lines;
  }

  int count() {
    return lines().size();
  }

  /** How many bundles the runner committed (their finalizers ran). */
  synchronized int commits() {
    lines();
    return committedBundles.size();
  }

  /**
   * The elements of committed bundles ({@code committed}) or of the others: what the runner's
   * state accounts for, and what a transactional sink would have discarded at a kill.
   */
  synchronized List<String> lines(boolean committed) {
    lines();
    List<String> selected = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      if (committedBundles.contains(bundles.get(i)) == committed) {
        selected.add(lines.get(i));
      }
    }
    return selected;
  }

  /** Fails with the end of the child's log if it is no longer running. */
  void checkAlive() {
    if (!process.isAlive()) {
      throw new AssertionError(name + " (pid " + pid() + ") ended with status "
          + process.exitValue() + "; its log ends:\n" + tail(40));
    }
  }

  /**
   * Waits until {@code condition} holds, polling every 100 ms, failing at once if the child ended
   * and with {@code what} and the log's end after {@code timeoutMillis}.
   */
  void await(String what, long timeoutMillis, BooleanSupplier condition) throws Exception {
    long deadline = System.currentTimeMillis() + timeoutMillis;
    while (!condition.getAsBoolean()) {
      checkAlive();
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError(name + ": timed out after " + timeoutMillis + " ms waiting for "
            + what + " (" + count() + " lines output); its log ends:\n" + tail(30));
      }
      Thread.sleep(100);
    }
  }

  /** Whether one of the last {@code recent} elements output starts with {@code prefix}. */
  synchronized boolean outputRecently(String prefix, int recent) {
    List<String> all = lines();
    for (int i = all.size() - 1; i >= Math.max(0, all.size() - recent); i--) {
      if (all.get(i).startsWith(prefix)) {
        return true;
      }
    }
    return false;
  }

  /** SIGKILL, then waits for the process to be gone: the time from the signal. */
  long kill() throws InterruptedException {
    long t0 = System.nanoTime();
    process.destroyForcibly();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      throw new AssertionError(name + " (pid " + pid() + ") survived SIGKILL for 30 s");
    }
    return (System.nanoTime() - t0) / 1_000_000;
  }

  boolean alive() {
    return process.isAlive();
  }

  /** Log lines matching {@link #CONNECTION_TROUBLE}. */
  List<String> connectionTrouble() throws IOException {
    try (Stream<String> all = Files.lines(log, StandardCharsets.UTF_8)) {
      return all.filter(l -> CONNECTION_TROUBLE.matcher(l).find()).toList();
    }
  }

  String tail(int count) {
    try {
      List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", all.subList(Math.max(0, all.size() - count), all.size()));
    } catch (IOException e) {
      return "(log unreadable: " + e + ")";
    }
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      kill();
    }
  }

  /**
   * Writes a Flink configuration directory {@code <dir>/<name>}: checkpoints (three retained) and
   * savepoints under {@code dir}, and the checkpoint to restore, if any.
   */
  static Path flinkConf(Path dir, String name, String restoreFrom) throws IOException {
    Path conf = Files.createDirectories(dir.resolve(name));
    String yaml = "state.checkpoints.dir: " + dir.resolve("checkpoints").toUri() + "\n"
        + "state.savepoints.dir: " + dir.resolve("savepoints").toUri() + "\n"
        + "state.checkpoints.num-retained: 3\n"
        + (restoreFrom == null ? "" : "execution.savepoint.path: " + restoreFrom + "\n");
    Files.writeString(conf.resolve("flink-conf.yaml"), yaml);
    return conf;
  }

  /** The completed checkpoints ({@code chk-N} with a {@code _metadata}) under {@code dir}. */
  static List<Path> completedCheckpoints(Path checkpoints) throws IOException {
    if (!Files.isDirectory(checkpoints)) {
      return List.of();
    }
    for (int attempt = 0; ; attempt++) {
      try (Stream<Path> files = Files.walk(checkpoints, 3)) {
        return files.filter(p -> p.getFileName().toString().equals("_metadata"))
            .map(Path::getParent)
            .sorted(Comparator.comparingLong(ChildPipeline::checkpointNumber))
            .toList();
      } catch (UncheckedIOException | java.nio.file.NoSuchFileException e) {
        if (attempt == 5) { // Flink deletes subsumed checkpoints meanwhile
          throw e;
        }
      }
    }
  }

  static long checkpointNumber(Path chk) {
    return Long.parseLong(chk.getFileName().toString().substring("chk-".length()));
  }
}
