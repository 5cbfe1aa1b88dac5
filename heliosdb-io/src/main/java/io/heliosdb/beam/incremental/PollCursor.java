package io.heliosdb.beam.incremental;

import io.heliosdb.beam.stream.StreamRestriction;
import java.util.List;
import org.apache.beam.sdk.values.Row;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The restriction of an incremental read: where the next poll continues.
 *
 * @param position the tracking value and tie-break key of the last row emitted, or null before
 *     the first
 * @param samples for integer tracking columns, recent observations of the column's greatest value
 *     (see {@link CommitCutoff}); empty otherwise
 * @param finished true for the primary part of a split: nothing is left to read in it
 */
public record PollCursor(@Nullable Row position, List<MaxSample> samples, boolean finished)
    implements StreamRestriction<PollCursor> {

  public PollCursor {
    samples = List.copyOf(samples);
  }

  /** Before the first row. */
  public static PollCursor start() {
    return new PollCursor(null, List.of(), false);
  }

  PollCursor after(Row lastEmitted) {
    return new PollCursor(lastEmitted, samples, false);
  }

  PollCursor withSamples(List<MaxSample> newSamples) {
    return new PollCursor(position, newSamples, finished);
  }

  @Override
  public PollCursor asFinished() {
    return new PollCursor(position, samples, true);
  }

  @Override
  public String describe() {
    if (position == null) {
      return "the start";
    }
    // on one line, values as the reader sees them (Row.toString spreads logical types over lines)
    StringBuilder text = new StringBuilder("{");
    for (int i = 0; i < position.getFieldCount(); i++) {
      text.append(i == 0 ? "" : ", ").append(position.getSchema().getField(i).getName())
          .append('=').append((Object) position.getValue(i));
    }
    return text.append('}').toString();
  }

  /**
   * The greatest value of an integer tracking column, as seen at a moment of the database's clock.
   *
   * @param atMicros the database's UTC clock, in microseconds since the epoch
   * @param max the greatest value then, of the column's Beam type
   */
  public record MaxSample(long atMicros, Object max) {}
}
