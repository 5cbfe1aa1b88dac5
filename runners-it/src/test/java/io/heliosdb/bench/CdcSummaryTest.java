package io.heliosdb.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The CDC summary's comparison of HeliosDbIO's bulk cases with bare Debezium's. */
class CdcSummaryTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static JsonNode line(String text) throws Exception {
    return JSON.readTree(text);
  }

  private static List<JsonNode> lines(String... texts) throws Exception {
    List<JsonNode> result = new ArrayList<>();
    for (String t : texts) {
      result.add(line(t));
    }
    return result;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> ratios(Map<String, Object> bulk, String db) {
    return (Map<String, Object>) ((Map<String, Object>) bulk.get(db)).get("heliosdbio_vs_debezium");
  }

  @Test
  void dividesEachRunnersBulkRateByBareDebeziums() throws Exception {
    Map<String, Object> bulk =
        CdcSummary.bulkVsDebezium(
            lines(
                "{\"db\":\"postgres\",\"runner\":\"direct\",\"mode\":\"bulk\","
                    + "\"changes_per_sec\":20000,\"lost\":0}",
                "{\"db\":\"postgres\",\"runner\":\"flink\",\"mode\":\"bulk\","
                    + "\"changes_per_sec\":54000,\"lost\":0}",
                "{\"db\":\"postgres\",\"runner\":\"flink\",\"mode\":\"latency\",\"tx_per_s\":200}",
                "{\"db\":\"postgres\",\"runner\":\"debezium\",\"mode\":\"bulk\","
                    + "\"changes_per_sec\":60000,\"lost\":0}"));

    assertThat(bulk).containsOnlyKeys("postgres");
    assertThat(((Map<?, ?>) bulk.get("postgres")).get("debezium_changes_per_sec"))
        .isEqualTo(60000L);
    Map<String, Object> ratios = ratios(bulk, "postgres");
    assertThat(ratios).containsOnlyKeys("direct", "flink");
    assertThat(ratios.get("direct")).isEqualTo(Map.of("value", 0.333, "pass", false));
    assertThat(ratios.get("flink")).isEqualTo(Map.of("value", 0.9, "pass", true));
  }

  @Test
  void failsAFastCaseThatLostChanges() throws Exception {
    Map<String, Object> bulk =
        CdcSummary.bulkVsDebezium(
            lines(
                "{\"db\":\"mariadb\",\"runner\":\"flink\",\"mode\":\"bulk\","
                    + "\"changes_per_sec\":70000,\"lost\":3}",
                "{\"db\":\"mariadb\",\"runner\":\"debezium\",\"mode\":\"bulk\","
                    + "\"changes_per_sec\":60000,\"lost\":0}"));

    assertThat(ratios(bulk, "mariadb").get("flink"))
        .isEqualTo(Map.of("value", 1.167, "pass", false));
  }

  @Test
  void reportsErrorsAndAMissingDebeziumCase() throws Exception {
    Map<String, Object> bulk =
        CdcSummary.bulkVsDebezium(
            lines(
                "{\"db\":\"postgres\",\"runner\":\"flink\",\"mode\":\"bulk\","
                    + "\"changes_per_sec\":54000,\"lost\":0}",
                "{\"db\":\"postgres\",\"runner\":\"debezium\",\"mode\":\"bulk\","
                    + "\"error\":\"timed out\"}",
                "{\"db\":\"mariadb\",\"runner\":\"flink\",\"mode\":\"bulk\","
                    + "\"changes_per_sec\":40000,\"lost\":0}"));

    assertThat(((Map<?, ?>) bulk.get("postgres")).get("debezium_changes_per_sec")).isNull();
    Map<String, Object> error = new java.util.HashMap<>();
    error.put("value", null);
    error.put("pass", "error");
    assertThat(ratios(bulk, "postgres").get("flink")).isEqualTo(error);
    Map<String, Object> notRun = new java.util.HashMap<>();
    notRun.put("value", null);
    notRun.put("pass", null);
    assertThat(ratios(bulk, "mariadb").get("flink")).isEqualTo(notRun);
  }
}
