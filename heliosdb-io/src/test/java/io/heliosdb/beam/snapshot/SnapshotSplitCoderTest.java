package io.heliosdb.beam.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import io.heliosdb.beam.dialect.ExportedSnapshot;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.List;
import org.apache.beam.sdk.coders.DoubleCoder;
import org.apache.beam.sdk.coders.ListCoder;
import org.apache.beam.sdk.coders.NullableCoder;
import org.apache.beam.sdk.coders.RowCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.io.range.OffsetRange;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.testing.CoderProperties;
import org.apache.beam.sdk.util.CoderUtils;
import org.apache.beam.sdk.values.Row;
import org.junit.jupiter.api.Test;

class SnapshotSplitCoderTest {
  private static final Schema KEY =
      Schema.builder().addStringField("region").addInt32Field("seq").build();
  private static final ExportedSnapshot SNAPSHOT =
      new ExportedSnapshot("00000003-0000001B-1", 24_082, 1_764_674_400_123_456L);

  @Test
  void roundTripsEveryKindDeterministically() throws Exception {
    SnapshotSplitCoder coder = new SnapshotSplitCoder(KEY);
    List<Row> bounds = Arrays.asList(null, Row.withSchema(KEY).addValues("eu", 7).build(), null);
    for (SnapshotSplit split : List.of(
        new SnapshotSplit(SnapshotSplit.Kind.CHUNKS, new OffsetRange(0, 2), 50_000, bounds),
        new SnapshotSplit(SnapshotSplit.Kind.KEY_RANGE,
            new OffsetRange(Long.MIN_VALUE, Long.MAX_VALUE), 0.25, List.of()),
        new SnapshotSplit(SnapshotSplit.Kind.PAGES, new OffsetRange(0, 90), 120, List.of())
            .withExportedSnapshot(SNAPSHOT),
        new SnapshotSplit(SnapshotSplit.Kind.PAGES, new OffsetRange(3, 9), 1, List.of())
            .withExportedSnapshot(new ExportedSnapshot("0000000A-00000FFF-12", 1, -1))
            .withLogStart("0/16B3748"),
        SnapshotSplit.single(SnapshotSplit.Kind.NULL_KEYS))) {
      CoderProperties.coderDecodeEncodeEqual(coder, split);
      CoderProperties.coderDeterministic(coder, split, split);
    }
    coder.verifyDeterministic();
    byte[] bytes = CoderUtils.encodeToByteArray(coder,
        SnapshotSplit.single(SnapshotSplit.Kind.MAX_KEY));
    assertThat(CoderUtils.decodeFromByteArray(coder, bytes).kind())
        .isEqualTo(SnapshotSplit.Kind.MAX_KEY);
  }

  /**
   * A split without an exported snapshot encodes as splits did before snapshots existed, so that
   * splits an earlier version encoded (in a checkpoint or savepoint) still decode.
   */
  @Test
  void splitsWithoutSnapshotKeepTheEarlierEncoding() throws Exception {
    SnapshotSplitCoder coder = new SnapshotSplitCoder(KEY);
    List<Row> bounds = Arrays.asList(null, Row.withSchema(KEY).addValues("us", -3).build(), null);
    for (SnapshotSplit split : List.of(
        new SnapshotSplit(SnapshotSplit.Kind.CHUNKS, new OffsetRange(0, 2), 7, bounds),
        new SnapshotSplit(SnapshotSplit.Kind.PAGES, new OffsetRange(5, 40), 80.5, List.of())
            .withLogStart("0/1"))) {
      byte[] earlier = earlierEncoding(split);
      assertThat(CoderUtils.encodeToByteArray(coder, split)).isEqualTo(earlier);
      assertThat(CoderUtils.decodeFromByteArray(coder, earlier)).isEqualTo(split);
    }
  }

  @Test
  void aSnapshotFollowsAMarkedKind() throws Exception {
    SnapshotSplit split = new SnapshotSplit(SnapshotSplit.Kind.PAGES, new OffsetRange(0, 4), 2,
        List.of()).withExportedSnapshot(SNAPSHOT);
    byte[] bytes = CoderUtils.encodeToByteArray(new SnapshotSplitCoder(KEY), split);
    assertThat(VarIntCoder.of().decode(new java.io.ByteArrayInputStream(bytes)))
        .isEqualTo(SnapshotSplit.Kind.PAGES.ordinal() + SnapshotSplitCoder.WITH_EXPORTED_SNAPSHOT);
    assertThat(CoderUtils.decodeFromByteArray(new SnapshotSplitCoder(KEY), bytes)
        .exportedSnapshot()).isEqualTo(SNAPSHOT);
  }

  /** The layout of the coder before splits carried snapshots. */
  private static byte[] earlierEncoding(SnapshotSplit split) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    VarIntCoder.of().encode(split.kind().ordinal(), out);
    OffsetRange.Coder.of().encode(split.range(), out);
    DoubleCoder.of().encode(split.rowsPerOffset(), out);
    ListCoder.of(NullableCoder.of(RowCoder.of(KEY))).encode(split.boundaries(), out);
    NullableCoder.of(StringUtf8Coder.of()).encode(split.logStart(), out);
    return out.toByteArray();
  }
}
