package io.heliosdb.beam;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.heliosdb.beam.cdc.ChangeEnvelope;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.values.Row;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;

/** CDC options' validation and the change envelope's schema; no database needed. */
class CdcOptionsTest {

  @Test
  void validatesNamesPositionsAndIntervalsNamingTheOption() {
    CdcOptions options = CdcOptions.create();
    assertThat(options.getHeartbeatInterval()).isEqualTo(Duration.standardSeconds(10));
    assertThat(options.withSlotName("heliosdb_orders").getSlotName()).isEqualTo("heliosdb_orders");
    assertThatThrownBy(() -> options.withSlotName("Orders-Slot"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("CdcOptions.withSlotName(\"Orders-Slot\"): a PostgreSQL replication slot name"
            + " has 1 to 63 lower-case letters, digits and underscores");
    assertThatThrownBy(() -> options.withSlotName("a".repeat(64)))
        .hasMessageContaining("withSlotName");
    assertThatThrownBy(() -> options.withPublicationName(" "))
        .hasMessageContaining("withPublicationName(\" \")");
    assertThatThrownBy(() -> options.withStartPosition(""))
        .hasMessageContaining("withStartPosition(\"\")");
    assertThat(options.withStartPosition("0/16B3748").getStartPosition()).isEqualTo("0/16B3748");
    assertThatThrownBy(() -> options.withServerId(0))
        .hasMessage("CdcOptions.withServerId(0): must be between 1 and 4294967295");
    assertThat(options.withServerId(4294967295L).getServerId()).isEqualTo(4294967295L);
    assertThatThrownBy(() -> options.withHeartbeatInterval(Duration.millis(10)))
        .hasMessageContaining("withHeartbeatInterval(PT0.010S)");
  }

  @Test
  void debeziumPropertiesAreCheckedWhenGivenAndOnlyTheirNamesShown() {
    CdcOptions options = CdcOptions.create().withDebeziumProperties(
        java.util.Map.of("column.mask.with.6.chars", "public.t.secret",
            "database.initial.statements", "SET app.key = 'hunter2'"));
    assertThat(options.getDebeziumProperties()).containsOnlyKeys(
        "column.mask.with.6.chars", "database.initial.statements");
    String shown = org.apache.beam.sdk.transforms.display.DisplayData.from(
        builder -> options.populateDisplayData(builder)).toString();
    assertThat(shown).contains("column.mask.with.6.chars").doesNotContain("hunter2");
    assertThatThrownBy(() -> CdcOptions.create().withDebeziumProperties(
            java.util.Map.of("database.hostname", "elsewhere")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("CdcOptions.withDebeziumProperties: 'database.hostname' is set by HeliosDbIO"
            + " and cannot be passed through: it is taken from the JDBC URL of"
            + " ConnectionConfiguration");
    assertThatThrownBy(() -> CdcOptions.create().withDebeziumProperties(
            java.util.Map.of(" ", "x")))
        .hasMessageContaining("must have a non-blank name and a value");
    assertThatThrownBy(() -> CdcOptions.create().withDebeziumProperties(null))
        .hasMessageContaining("must not be null");
  }

  @Test
  void theEnvelopeNestsBeforeAndAfterRowsOfTheTable() {
    Schema table = Schema.builder().addInt64Field("id").addStringField("v").build();
    Schema envelope = ChangeEnvelope.schema(table);
    assertThat(envelope.getFieldNames())
        .containsExactly(
            "op", "before", "after", "source", "position", "order_key", "commit_time");
    assertThat(envelope.getField("order_key").getType().getNullable()).isTrue();
    Row source = Row.withSchema(ChangeEnvelope.SOURCE_SCHEMA).addValues("shop", "public", "orders")
        .build();
    Row after = Row.withSchema(table).addValues(1L, "x").build();
    String orderKey = "0000000000000001" + "0" + "0000000000000001";
    Row change =
        ChangeEnvelope.of(envelope, "c", null, after, source, "0/1", orderKey, new Instant(5));
    assertThat(change.getRow("after").getString("v")).isEqualTo("x");
    assertThat(change.getRow("before")).isNull();
    assertThat(change.getString("order_key")).isEqualTo(orderKey);
    assertThat(change.getDateTime("commit_time").getMillis()).isEqualTo(5);
  }
}
