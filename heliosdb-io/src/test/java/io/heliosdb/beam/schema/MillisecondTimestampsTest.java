package io.heliosdb.beam.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.LocalDateTime;
import java.util.Arrays;
import java.util.List;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.Schema.FieldType;
import org.junit.jupiter.api.Test;

class MillisecondTimestampsTest {
  private static org.joda.time.Instant joda(String instant) {
    return new org.joda.time.Instant(Instant.parse(instant).toEpochMilli());
  }

  @Test
  void instantsKeepTheirPointInTimeToTheMillisecond() {
    assertThat(MillisecondTimestamps.toMillis(Instant.parse("2024-03-10T02:30:00.123999Z")))
        .isEqualTo(joda("2024-03-10T02:30:00.123Z"));
  }

  @Test
  void dateTimesWithoutZoneAreReadAsUtc() {
    assertThat(MillisecondTimestamps.toMillis(LocalDateTime.parse("2024-03-10T02:30:00.123456")))
        .isEqualTo(joda("2024-03-10T02:30:00.123Z"));
  }

  @Test
  void finerDigitsRoundTowardsThePast() {
    assertThat(MillisecondTimestamps.toMillis(Instant.parse("1969-12-31T23:59:59.999500Z")))
        .isEqualTo(new org.joda.time.Instant(-1));
    assertThat(MillisecondTimestamps.toMillis(LocalDateTime.parse("1969-12-31T23:59:59.999500")))
        .isEqualTo(new org.joda.time.Instant(-1));
  }

  @Test
  void listsAreConvertedElementByElement() {
    assertThat(MillisecondTimestamps.toMillis(
            Arrays.asList(Instant.parse("2024-01-01T00:00:00.000001Z"), null)))
        .isEqualTo(Arrays.asList(joda("2024-01-01T00:00:00Z"), null));
  }

  @Test
  void otherValuesAndNullPassUnchanged() {
    assertThat(MillisecondTimestamps.toMillis("text")).isEqualTo("text");
    assertThat(MillisecondTimestamps.toMillis(null)).isNull();
  }

  @Test
  void aDateTimeBeyondTheRangeOfMillisecondsNamesTheOption() {
    assertThatThrownBy(() -> MillisecondTimestamps.toMillis(LocalDateTime.MAX))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("withMillisecondTimestamps(true)");
  }

  @Test
  void mappingsOfDateTimesAndTheirArraysBecomeDatetimeFields() {
    assertThat(MillisecondTimestamps.adapt(Mappings.LOCAL_DATE_TIME).fieldType())
        .isEqualTo(FieldType.DATETIME);
    assertThat(MillisecondTimestamps.adapt(Mappings.INSTANT_FROM_OFFSET).fieldType())
        .isEqualTo(FieldType.DATETIME);
    assertThat(MillisecondTimestamps.adapt(Mappings.arrayOf(Mappings.INSTANT_FROM_OFFSET))
            .fieldType())
        .isEqualTo(FieldType.array(FieldType.DATETIME.withNullable(true)));
    assertThat(MillisecondTimestamps.adapt(Mappings.LOCAL_DATE)).isSameAs(Mappings.LOCAL_DATE);
    assertThat(MillisecondTimestamps.adapt(Mappings.INT64)).isSameAs(Mappings.INT64);
  }

  @Test
  void findsTheFieldsThatHoldMilliseconds() {
    Schema schema = Schema.builder()
        .addInt64Field("id")
        .addDateTimeField("at")
        .addArrayField("ats", FieldType.DATETIME.withNullable(true))
        .addField("local", Mappings.DATETIME)
        .build();
    assertThat(MillisecondTimestamps.fieldsOf(schema)).containsExactly(1, 2);
  }

  @Test
  void onlyTheOutputMapperConvertsKeysAndCursorsStayExact() {
    TypeOptions options = new TypeOptions(false, true);
    TableMetadata table = new TableMetadata(new TableId("s", "t"),
        List.of(new ColumnInfo("at", java.sql.Types.TIMESTAMP, "timestamp", "", 6, 0, false)),
        List.of("at"), List.of());
    java.util.function.Function<ColumnInfo, java.util.Optional<ColumnMapping>> dialect =
        column -> Mappings.forJdbcType(column.jdbcType());
    assertThat(options.schemaOf(table, dialect).schema().getField("at").getType())
        .isEqualTo(FieldType.DATETIME);
    assertThat(options.exactSchemaOf(table, dialect).schema().getField("at").getType())
        .isEqualTo(Mappings.DATETIME);
  }
}
