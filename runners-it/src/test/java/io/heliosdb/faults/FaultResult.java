package io.heliosdb.faults;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The outcome of one fault-injection scenario: one JSON object per scenario, printed on standard
 * output as {@code FAULT-RESULT {...}} and appended to {@code $FAULT_RESULTS} (a JSON-lines file
 * that {@code runners-it/bench.sh faults} sets).
 *
 * <pre>{@code
 * FaultResult.of("server-restart", "postgres", "direct", "snapshot")
 *     .expected(300_000).lost(0).duplicates(0).recoveryMillis(4_210)
 *     .detail("restarts", 2)
 *     .report();
 * }</pre>
 *
 * <p>Every scenario also asserts {@code lost == 0} itself; the report is the record.
 */
public final class FaultResult {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Map<String, Object> fields = new LinkedHashMap<>();
  private final Map<String, Object> details = new LinkedHashMap<>();

  private FaultResult(String scenario, String db, String runner, String mode) {
    fields.put("bench", "faults");
    fields.put("scenario", scenario);
    fields.put("db", db);
    fields.put("runner", runner);
    fields.put("mode", mode);
  }

  /** A result for {@code scenario} (e.g. {@code server-restart}) of one database, runner and read mode. */
  public static FaultResult of(String scenario, String db, String runner, String mode) {
    return new FaultResult(scenario, db, runner, mode);
  }

  /** Rows (or row versions) the source held and the output had to contain. */
  public FaultResult expected(long rows) {
    fields.put("rows_expected", rows);
    return this;
  }

  public FaultResult lost(long rows) {
    fields.put("rows_lost", rows);
    return this;
  }

  /** Identical outputs emitted more than once (allowed only where the docs say at-least-once). */
  public FaultResult duplicates(long rows) {
    fields.put("duplicates", rows);
    return this;
  }

  /** From the fault's end (server back, process restarted) to the next row read. */
  public FaultResult recoveryMillis(long millis) {
    fields.put("recovery_ms", millis);
    return this;
  }

  /** Any other figure or note of the scenario: faults injected, heap peak, log line seen, ... */
  public FaultResult detail(String name, Object value) {
    details.put(name, value);
    return this;
  }

  /** Prints the result line and appends it to {@code $FAULT_RESULTS} when that is set. */
  public void report() {
    ObjectNode node = JSON.valueToTree(fields);
    node.set("details", JSON.valueToTree(details));
    String line = node.toString();
    System.out.println("FAULT-RESULT " + line);
    String file = System.getenv("FAULT_RESULTS");
    if (file != null && !file.isEmpty()) {
      try {
        Files.writeString(Path.of(file), line + "\n", StandardCharsets.UTF_8,
            StandardOpenOption.CREATE, StandardOpenOption.APPEND);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
