package io.heliosdb.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the multi-table example's demo against the local PostgreSQL and reads its files back. */
class CopyTablesToJsonIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  static List<JsonNode> rowsOf(Path directory) throws IOException {
    List<JsonNode> rows = new ArrayList<>();
    try (Stream<Path> files = Files.list(directory)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".json")).toList()) {
        for (String line : Files.readAllLines(file)) {
          rows.add(JSON.readTree(line));
        }
      }
    }
    return rows;
  }

  @Test
  void copiesEachDemoTableToItsOwnFiles(@TempDir Path output) throws Exception {
    CopyTablesToJson.main(new String[] {"--output=" + output, "--parallelism=3"});

    List<JsonNode> orders = rowsOf(output.resolve("public.demo_orders"));
    List<JsonNode> customers = rowsOf(output.resolve("public.demo_customers"));
    assertThat(orders).hasSize(CopyTableToJson.DEMO_ROWS);
    assertThat(orders.stream().map(row -> row.get("id").asLong()).distinct().count())
        .isEqualTo(CopyTableToJson.DEMO_ROWS);
    assertThat(customers).extracting(row -> row.get("name").asText())
        .containsExactlyInAnyOrder("Acme Corp", "Globex", "Initech", "Zoë \"Z\" O'Brien",
            "Ωmega Ltd.", "Tab\tand\\backslash");
  }
}
