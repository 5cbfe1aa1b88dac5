package io.heliosdb.beam;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.junit.jupiter.api.Test;

/** Builder defaults, validation and display data; no database needed. */
class HeliosDbIOTest {
  private static final ConnectionConfiguration CONFIG =
      ConnectionConfiguration.create("jdbc:postgresql://127.0.0.1:5432/heliosdb")
          .withUsername("reader")
          .withPassword("hunter2");

  @Test
  void hasTheSpecDefaults() {
    HeliosDbIO.Read read = HeliosDbIO.read();
    assertThat(read.getParallelism()).isEqualTo(4);
    assertThat(read.getFetchSize()).isEqualTo(10_000);
    assertThat(read.snapshotOptions().getChunkSize()).isEqualTo(50_000);
    assertThat(read.getUnknownTypesAsString()).isFalse();
  }

  @Test
  void isImmutable() {
    HeliosDbIO.Read base = HeliosDbIO.read();
    HeliosDbIO.Read changed = base.withParallelism(8).withTable("t");
    assertThat(base.getParallelism()).isEqualTo(4);
    assertThat(base.getTable()).isNull();
    assertThat(changed.getParallelism()).isEqualTo(8);
  }

  @Test
  void refusesOptionsOfAnotherReadModeBeforeConnecting() {
    HeliosDbIO.Read incremental = HeliosDbIO.read().withConnection(CONFIG).withTable("t")
        .withIncremental(IncrementalOptions.trackingColumn("updated_at"));
    assertThatThrownBy(() -> Pipeline.create().apply(incremental.withCdc(CdcOptions.create())))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("HeliosDbIO.read(): withIncremental(...) and withCdc(...) are two read modes;"
            + " use one");
    assertThatThrownBy(() -> Pipeline.create().apply(
            incremental.withSnapshot(SnapshotOptions.byPrimaryKey())))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("HeliosDbIO.read(): withSnapshot(...) does not apply to"
            + " withIncremental(...)");
    assertThatThrownBy(() -> Pipeline.create().apply(incremental.withSplitColumn("id")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("HeliosDbIO.read(): withSplitColumn(...) does not apply to"
            + " withIncremental(...)");
  }

  @Test
  void requiresConnectionAndTable() {
    assertThatThrownBy(() -> Pipeline.create().apply(HeliosDbIO.read().withTable("t")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("HeliosDbIO.read() requires withConnection(...)");
    assertThatThrownBy(() -> Pipeline.create().apply(HeliosDbIO.read().withConnection(CONFIG)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("HeliosDbIO.read() requires withTable(...)");
  }

  @Test
  void rejectsBadOptionsNamingThem() {
    HeliosDbIO.Read read = HeliosDbIO.read();
    assertThatThrownBy(() -> read.withParallelism(0))
        .hasMessage("withParallelism(0): must be between 1 and 1024");
    assertThatThrownBy(() -> read.withFetchSize(0)).hasMessageContaining("withFetchSize(0)");
    assertThatThrownBy(() -> read.withOutputBatchSize(0))
        .hasMessageContaining("withOutputBatchSize(0)");
    assertThatThrownBy(() -> SnapshotOptions.byPrimaryKey().withChunkSize(0))
        .hasMessageContaining("withChunkSize(0)");
    assertThatThrownBy(() -> read.withTable(null)).hasMessageContaining("withTable");
    assertThatThrownBy(() -> read.withConnection(null)).hasMessageContaining("withConnection");
    assertThatThrownBy(() -> read.withSnapshot(null)).hasMessageContaining("withSnapshot");
    assertThatThrownBy(() -> read.withSplitColumn(null)).hasMessageContaining("withSplitColumn");
  }

  @Test
  void rejectsUnsupportedDatabasesAtConstruction() {
    HeliosDbIO.Read read =
        HeliosDbIO.read()
            .withConnection(ConnectionConfiguration.create("jdbc:sqlserver://h;password=x"))
            .withTable("t");
    assertThatThrownBy(() -> Pipeline.create().apply(read))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unsupported database URL")
        .hasMessageContaining("password=***");
  }

  @Test
  void displaysEveryOptionButNeverThePassword() {
    HeliosDbIO.Read read =
        HeliosDbIO.read()
            .withConnection(CONFIG)
            .withTable("public.orders")
            .withSplitColumn("id")
            .withSnapshot(SnapshotOptions.byPrimaryKey().withChunkSize(1_000).withBoundaryChunks())
            .withParallelism(2)
            .withFetchSize(500)
            .withUnknownTypesAsString(true);
    DisplayData data = DisplayData.from(read);
    assertThat(data.toString()).doesNotContain("hunter2");
    assertThat(read.toString()).doesNotContain("hunter2");
    assertThat(data.items())
        .extracting(DisplayData.Item::getKey)
        .contains("jdbcUrl", "username", "table", "mode", "parallelism", "splitColumn",
            "fetchSize", "unknownTypesAsString", "chunkSize", "splitBy", "maxConnections");
    assertThat(data.toString()).contains("public.orders", "boundary chunks", "1000");
    assertThat(DisplayData.from(HeliosDbIO.read()).toString()).contains("primary key");
  }

  @Test
  void displayDataOfSnapshotThenCdcShowsBothModesOptions() {
    HeliosDbIO.Read read =
        HeliosDbIO.read()
            .withConnection(CONFIG)
            .withTable("public.orders")
            .withSnapshot(SnapshotOptions.byPrimaryKey().withChunkSize(1_000))
            .withCdc(CdcOptions.create().withSlotName("orders_slot"));
    DisplayData data = DisplayData.from(read);
    assertThat(data.toString()).contains("snapshot then cdc", "orders_slot", "1000")
        .doesNotContain("hunter2");
    assertThat(DisplayData.from(HeliosDbIO.read().withCdc(CdcOptions.create())).toString())
        .contains("mode=cdc").doesNotContain("chunkSize");
  }
}
