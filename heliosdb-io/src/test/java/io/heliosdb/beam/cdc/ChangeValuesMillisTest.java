package io.heliosdb.beam.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.apache.beam.sdk.schemas.Schema.FieldType;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.junit.jupiter.api.Test;

/** Debezium's date-time values into millisecond {@code DATETIME} fields, as snapshots read them. */
class ChangeValuesMillisTest {
  private static final long MILLIS = Instant.parse("2024-03-10T02:30:00.123Z").toEpochMilli();

  private static Object convert(Object value, String semantic) {
    Schema source = SchemaBuilder.int64().name(semantic).build();
    return ChangeValues.convert(value, source, FieldType.DATETIME);
  }

  @Test
  void microAndNanoTimestampsDropFinerDigits() {
    assertThat(convert(MILLIS * 1_000 + 456, "io.debezium.time.MicroTimestamp"))
        .isEqualTo(new org.joda.time.Instant(MILLIS));
    assertThat(convert(MILLIS * 1_000_000 + 456_789, "io.debezium.time.NanoTimestamp"))
        .isEqualTo(new org.joda.time.Instant(MILLIS));
    assertThat(convert(MILLIS, "io.debezium.time.Timestamp"))
        .isEqualTo(new org.joda.time.Instant(MILLIS));
  }

  @Test
  void timesBefore1970RoundTowardsThePast() {
    assertThat(convert(-500L, "io.debezium.time.MicroTimestamp"))
        .isEqualTo(new org.joda.time.Instant(-1));
  }

  @Test
  void zonedTimestampsKeepTheirInstant() {
    Schema source = SchemaBuilder.string().name("io.debezium.time.ZonedTimestamp").build();
    assertThat(ChangeValues.convert("2024-03-10T03:30:00.123456+01:00", source, FieldType.DATETIME))
        .isEqualTo(new org.joda.time.Instant(MILLIS));
  }

  @Test
  void kafkaConnectTimestampsAreTheirMilliseconds() {
    Schema source = org.apache.kafka.connect.data.Timestamp.SCHEMA;
    assertThat(ChangeValues.convert(new java.util.Date(MILLIS), source, FieldType.DATETIME))
        .isEqualTo(new org.joda.time.Instant(MILLIS));
  }

  @Test
  void postgresInfinityFailsNamingTheOptionAsInSnapshots() {
    Schema zoned = SchemaBuilder.string().name("io.debezium.time.ZonedTimestamp").build();
    for (Object[] value : new Object[][] {
        {"infinity", zoned}, {"-infinity", zoned},
        {9_223_372_036_825_200_000L, SchemaBuilder.int64().name("io.debezium.time.MicroTimestamp")
            .build()},
        {-9_223_372_036_832_400_000L, SchemaBuilder.int64().name("io.debezium.time.MicroTimestamp")
            .build()},
        {9_223_372_036_825_200L, SchemaBuilder.int64().name("io.debezium.time.Timestamp").build()}}) {
      assertThatThrownBy(
              () -> ChangeValues.convert(value[0], (Schema) value[1], FieldType.DATETIME))
          .as("%s", value[0])
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("read it without withMillisecondTimestamps(true)");
    }
  }
}
