package io.heliosdb.beam.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import org.apache.beam.sdk.io.range.OffsetRange;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.testing.CoderProperties;
import org.apache.beam.sdk.util.CoderUtils;
import org.apache.beam.sdk.values.Row;
import org.junit.jupiter.api.Test;

class SnapshotSplitCoderTest {
  private static final Schema KEY =
      Schema.builder().addStringField("region").addInt32Field("seq").build();

  @Test
  void roundTripsEveryKindDeterministically() throws Exception {
    SnapshotSplitCoder coder = new SnapshotSplitCoder(KEY);
    List<Row> bounds = Arrays.asList(null, Row.withSchema(KEY).addValues("eu", 7).build(), null);
    for (SnapshotSplit split : List.of(
        new SnapshotSplit(SnapshotSplit.Kind.CHUNKS, new OffsetRange(0, 2), 50_000, bounds),
        new SnapshotSplit(SnapshotSplit.Kind.KEY_RANGE,
            new OffsetRange(Long.MIN_VALUE, Long.MAX_VALUE), 0.25, List.of()),
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
}
