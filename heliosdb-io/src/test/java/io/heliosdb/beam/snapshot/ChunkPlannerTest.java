package io.heliosdb.beam.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.apache.beam.sdk.io.range.OffsetRange;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class ChunkPlannerTest {

  @ParameterizedTest
  @CsvSource({
    "0, 100, 4",
    "0, 3, 4",
    "-9223372036854775808, 9223372036854775807, 4",
    "-9223372036854775808, 9223372036854775807, 7",
    "-10, 11, 3",
    "5, 6, 1",
    "9223372036854775806, 9223372036854775807, 2",
  })
  void splitsCoverTheRangeExactlyWithoutOverlap(long from, long to, int parts) {
    List<OffsetRange> ranges = ChunkPlanner.splitEvenly(from, to, parts);
    assertThat(ranges).hasSizeLessThanOrEqualTo(parts).isNotEmpty();
    assertThat(ranges.get(0).getFrom()).isEqualTo(from);
    assertThat(ranges.get(ranges.size() - 1).getTo()).isEqualTo(to);
    for (int i = 0; i < ranges.size(); i++) {
      assertThat(ranges.get(i).getTo()).isGreaterThan(ranges.get(i).getFrom());
      if (i > 0) {
        assertThat(ranges.get(i).getFrom()).isEqualTo(ranges.get(i - 1).getTo());
      }
    }
  }

  @Test
  void splitsEvenly() {
    assertThat(ChunkPlanner.splitEvenly(0, 100, 4))
        .containsExactly(new OffsetRange(0, 25), new OffsetRange(25, 50),
            new OffsetRange(50, 75), new OffsetRange(75, 100));
    assertThat(ChunkPlanner.splitEvenly(0, 3, 5)).hasSize(3);
    assertThat(ChunkPlanner.splitEvenly(5, 5, 2)).isEmpty();
    assertThatThrownBy(() -> ChunkPlanner.splitEvenly(0, 10, 0))
        .hasMessageContaining("parts must be at least 1");
  }

  @Test
  void estimatesDensityAndWidthWithoutOverflow() {
    OffsetRange all = new OffsetRange(Long.MIN_VALUE, Long.MAX_VALUE);
    assertThat(ChunkPlanner.width(all)).isEqualTo(Math.pow(2, 64) - 1, offset(1e5));
    assertThat(ChunkPlanner.density(1_000, new OffsetRange(0, 4_000))).isEqualTo(0.25);
    assertThat(ChunkPlanner.density(-1, new OffsetRange(0, 4_000))).isEqualTo(1);
    assertThat(ChunkPlanner.density(10, new OffsetRange(3, 3))).isEqualTo(1);
  }

  private static org.assertj.core.data.Offset<Double> offset(double value) {
    return org.assertj.core.data.Offset.offset(value);
  }
}
