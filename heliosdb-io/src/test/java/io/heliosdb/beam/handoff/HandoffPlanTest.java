package io.heliosdb.beam.handoff;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.heliosdb.beam.HeliosDbException;
import io.heliosdb.beam.cdc.ChangeEnvelope;
import io.heliosdb.beam.dialect.PostgresDialect;
import io.heliosdb.beam.snapshot.ChunkSnapshot;
import io.heliosdb.beam.snapshot.KeyOrder;
import java.math.BigDecimal;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.Schema.FieldType;
import org.apache.beam.sdk.values.Row;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;

class HandoffPlanTest {
  private static final Schema ROW = Schema.builder().addInt32Field("id").addStringField("v").build();
  private static final Schema ENVELOPE = ChangeEnvelope.schema(ROW);
  private static final org.apache.kafka.connect.data.Schema SOURCE =
      SchemaBuilder.struct().field("txId", org.apache.kafka.connect.data.Schema.INT64_SCHEMA)
          .build();

  private static ChunkSnapshot chunk(Long from, Long to, String token) {
    return new ChunkSnapshot(
        from == null ? null : List.of(from), to == null ? null : List.of(to), token, "0/1");
  }

  private static Row change(String op, int id) {
    Row image = Row.withSchema(ROW).attachValues(id, "x");
    Row source = Row.withSchema(ChangeEnvelope.SOURCE_SCHEMA).attachValues("db", "public", "t");
    return ChangeEnvelope.of(
        ENVELOPE, op, op.equals("c") ? null : image, op.equals("d") ? null : image, source,
        "0/1", null, Instant.now());
  }

  private static Struct tx(long xid) {
    return new Struct(SOURCE).put("txId", xid);
  }

  @Test
  void neighbouringReadsOfOneTransactionMergeAndLookUpsFindTheCoveringChunk() {
    HandoffPlan plan =
        new HandoffPlan(
            Map.of("lsn", 1L),
            new PostgresDialect(),
            List.of("id"),
            List.of(
                chunk(200L, 300L, "10:20:"), chunk(0L, 100L, "1:5:"), chunk(100L, 200L, "1:5:"),
                chunk(Long.MAX_VALUE, null, "30:40:")));
    assertThat(plan.chunkCount()).isEqualTo(3); // [0,100) and [100,200) were one transaction
    assertThat(plan.find(List.of(-1L))).isEqualTo(-1);
    assertThat(plan.find(List.of(0L))).isEqualTo(0);
    assertThat(plan.find(List.of(199L))).isEqualTo(0);
    assertThat(plan.find(List.of(200L))).isEqualTo(1);
    assertThat(plan.find(List.of(300L))).isEqualTo(-1); // between chunks: no read covered it
    assertThat(plan.find(List.of(Long.MAX_VALUE))).isEqualTo(2);
  }

  /** Keys [0, 100) read with transaction 15 in progress, keys from 100 on read later. */
  private static HandoffPlan twoReads() {
    return new HandoffPlan(
        Map.of("lsn", 1L), new PostgresDialect(), List.of("id"),
        List.of(chunk(0L, 100L, "10:20:15"), chunk(100L, null, "50:60:")));
  }

  @Test
  void emitsTheChangesTheChunkReadOfTheirKeyDidNotSee() {
    HandoffPlan plan = twoReads();
    assertThat(plan.emits(0, change("u", 5), tx(9))).isFalse(); // seen by [0, 100)
    assertThat(plan.emits(0, change("u", 5), tx(15))).isTrue(); // in progress then
    assertThat(plan.emits(0, change("d", 5), tx(25))).isTrue(); // after the read; before image
    assertThat(plan.emits(0, change("c", 150), tx(25))).isFalse(); // seen by [100, ...)
    assertThat(plan.emits(0, change("c", -4), tx(1))).isTrue(); // below every chunk
  }

  /** A truncate has no key: emitted if no chunk read saw it, else the stream fails, naming it. */
  @Test
  void emitsATruncateNoChunkReadSawAndFailsOnOneAChunkReadSaw() {
    HandoffPlan plan = twoReads();
    Row truncate = ChangeEnvelope.of(
        ENVELOPE, "t", null, null,
        Row.withSchema(ChangeEnvelope.SOURCE_SCHEMA).attachValues("db", "public", "t1"),
        "0/5@0/4:TRUNCATE", null, Instant.now());
    assertThat(plan.emits(0, truncate, tx(70))).isTrue(); // after every read
    assertThatThrownBy(() -> plan.emits(0, truncate, tx(30))) // seen by [100, ...) only
        .isInstanceOf(HeliosDbException.class)
        .hasMessageContaining("[t1] a TRUNCATE of the table at position 0/5@0/4:TRUNCATE"
            + " committed while its snapshot was read")
        .hasMessageContaining("Start the pipeline again");
    assertThatThrownBy(() -> plan.emits(0, truncate, tx(5))) // seen by both
        .isInstanceOf(HeliosDbException.class);
  }

  /**
   * The plan decides nothing more from the first change of a transaction that began after every
   * chunk read's snapshot (PostgreSQL: id at or above each xmax), or that lies at or after every
   * read's binlog position (MariaDB); a set of tables once every table's plan does.
   */
  @Test
  void emitsEverythingFromAChangeNoChunkReadCanHaveSeenOrFollowed() {
    HandoffPlan plan = twoReads(); // xmax 20 and 60
    assertThat(plan.emitsEverythingFrom(tx(15))).isFalse();
    assertThat(plan.emitsEverythingFrom(tx(25))).isFalse(); // [100, ...) saw it
    assertThat(plan.emitsEverythingFrom(tx(59))).isFalse();
    assertThat(plan.emitsEverythingFrom(tx(60))).isTrue();
    assertThat(new HandoffPlan(Map.of(), new PostgresDialect(), List.of("id"), List.of())
        .emitsEverythingFrom(tx(1))).as("an empty table's plan").isTrue();

    org.apache.kafka.connect.data.Schema binlog = SchemaBuilder.struct()
        .field("file", org.apache.kafka.connect.data.Schema.STRING_SCHEMA)
        .field("pos", org.apache.kafka.connect.data.Schema.INT64_SCHEMA).build();
    HandoffPlan mariaDb = new HandoffPlan(Map.of(), new io.heliosdb.beam.dialect.MySqlDialect(false),
        List.of("id"), List.of(chunk(0L, 100L, "bin.000002:500"), chunk(100L, null, "bin.000003:40")));
    assertThat(mariaDb.emitsEverythingFrom(new Struct(binlog).put("file", "bin.000003")
        .put("pos", 39L))).isFalse();
    assertThat(mariaDb.emitsEverythingFrom(new Struct(binlog).put("file", "bin.000003")
        .put("pos", 40L))).isTrue();

    TablesHandoffPlan tables = new TablesHandoffPlan(List.of(plan,
        new HandoffPlan(Map.of("lsn", 1L), new PostgresDialect(), List.of("id"),
            List.of(chunk(null, null, "70:80:")))));
    assertThat(tables.emitsEverythingFrom(tx(60))).isFalse();
    assertThat(tables.emitsEverythingFrom(tx(80))).isTrue();
  }

  @Test
  void unboundedChunksSortFirstAndTheWholeKeySpaceIsOneRead() {
    HandoffPlan plan =
        new HandoffPlan(Map.of(), new PostgresDialect(), List.of("id"),
            List.of(chunk(null, null, "1:2:")));
    assertThat(plan.find(List.of(Long.MIN_VALUE))).isEqualTo(0);
    assertThat(HandoffPlan.merge(List.of(chunk(5L, null, "a"), chunk(null, 5L, "b"))))
        .extracting(ChunkSnapshot::token).containsExactly("b", "a");
  }

  @Test
  void keysCompareFieldByFieldWithIntegersNormalized() {
    assertThat(KeyOrder.normalize((short) 3)).isEqualTo(3L);
    assertThat(KeyOrder.compare(List.of(1L, new BigDecimal("2.50")), List.of(1L, new BigDecimal("2.5"))))
        .isZero();
    assertThat(KeyOrder.compare(List.of(1L, 2L), List.of(1L, 3L))).isNegative();
    assertThat(KeyOrder.compare(Arrays.asList((Object) null), List.of(1L))).isNegative();
    assertThat(KeyOrder.isOrdered(FieldType.INT64)).isTrue();
    assertThat(KeyOrder.isOrdered(FieldType.DATETIME)).isTrue();
    assertThat(KeyOrder.isOrdered(FieldType.logicalType(
        org.apache.beam.sdk.schemas.logicaltypes.SqlTypes.DATE))).isTrue();
    assertThat(KeyOrder.isOrdered(FieldType.STRING)).isFalse();
    assertThat(KeyOrder.unorderedFields(
        Schema.builder().addInt64Field("a").addStringField("code").build()))
        .containsExactly("code (STRING NOT NULL)");
  }
}
