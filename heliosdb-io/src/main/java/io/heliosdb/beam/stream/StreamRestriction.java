package io.heliosdb.beam.stream;

/**
 * The restriction of an unbounded stream: where it continues, or finished once a checkpoint split
 * the rest of the stream off.
 */
public interface StreamRestriction<R extends StreamRestriction<R>> {

  /** True for the primary part of a split: nothing is left to read in it. */
  boolean finished();

  /** This position, finished. */
  R asFinished();

  /** The position, for messages. */
  String describe();
}
