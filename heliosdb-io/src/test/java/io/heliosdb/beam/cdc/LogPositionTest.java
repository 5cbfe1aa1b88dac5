package io.heliosdb.beam.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class LogPositionTest {
  @Test
  void offsetsBecomeSortedLongsAndTextWithoutNulls() {
    Map<String, Object> offset = new HashMap<>();
    offset.put("pos", 4);
    offset.put("file", "bin.000001");
    offset.put("row", null);
    LogPosition position = LogPosition.of(offset);
    assertThat(position.offset()).containsExactly(
        Map.entry("file", "bin.000001"), Map.entry("pos", 4L));
    assertThat(position.finished()).isFalse();
  }

  @Test
  void finishedPositionsKeepTheSameOffset() {
    LogPosition position = LogPosition.of(Map.of("lsn", 10, "txId", 3L));
    LogPosition finished = position.asFinished();
    assertThat(finished.offset()).isSameAs(position.offset());
    assertThat(finished.finished()).isTrue();
    assertThat(finished).isEqualTo(new LogPosition(position.offset(), true));
  }

  @Test
  void anyOtherSortedMapIsNormalizedAndCopied() {
    TreeMap<String, Object> offset = new TreeMap<>(java.util.Comparator.reverseOrder());
    offset.put("a", 1);
    offset.put("b", true);
    LogPosition position = new LogPosition(offset, false);
    assertThat(position.offset()).containsExactly(Map.entry("a", 1L), Map.entry("b", "true"));
    assertThat(position.offset().comparator()).isNull();
    assertThatThrownBy(() -> position.offset().put("c", 1L))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void aDecodedPositionEqualsTheEncodedOne() throws Exception {
    LogPosition position = LogPosition.of(Map.of("file", "bin.000001", "pos", 4, "row", 2L));
    LogPosition decoded = org.apache.beam.sdk.util.CoderUtils.decodeFromByteArray(
        new LogPositionCoder(),
        org.apache.beam.sdk.util.CoderUtils.encodeToByteArray(new LogPositionCoder(), position));
    assertThat(decoded).isEqualTo(position);
    assertThat(decoded.hashCode()).isEqualTo(position.hashCode());
    assertThatThrownBy(() -> decoded.offset().put("x", 1L))
        .isInstanceOf(UnsupportedOperationException.class);
  }
}
