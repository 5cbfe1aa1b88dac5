package io.heliosdb.bench;

import io.heliosdb.beam.schema.MillisecondTimestamps;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.apache.beam.sdk.coders.ListCoder;
import org.apache.beam.sdk.coders.RowCoder;
import org.apache.beam.sdk.io.range.OffsetRange;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Impulse;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Reshuffle;
import org.apache.beam.sdk.transforms.splittabledofn.OffsetRangeTracker;
import org.apache.beam.sdk.transforms.splittabledofn.RestrictionTracker;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;

/**
 * The snapshot benchmark's ceiling: a source with HeliosDbIO's graph and output but no database,
 * so that {@code HeliosDbIO ÷ ceiling} says how much of what the runner can carry a read uses.
 *
 * <p>Same graph as {@code HeliosDbIO.read()} in snapshot mode: an impulse, a step that plans
 * {@code parallelism} splits of the id range, {@code Reshuffle.viaRandomKey()}, then a splittable
 * DoFn that claims each output batch as one block of offsets before emitting it (batches of 100
 * rows emitted as lists and flattened by a following step on the Direct runner, rows one by one
 * in claims of 500 elsewhere, as HeliosDbIO does). Same output: {@link SnapshotTable#SCHEMA}
 * Rows built with {@code attachValues}. The values of every column but {@code id} are the
 * table's values of ids 1..{@value #DISTINCT_ROWS} ({@link #valuesOf}: the formulas of the
 * PostgreSQL fill), computed once per JVM before the pipeline runs and repeated every {@value
 * #DISTINCT_ROWS} ids, so a row costs what it costs to build, encode and move, never what it
 * costs to compute.
 */
public final class CeilingSource extends PTransform<PBegin, PCollection<Row>> {
  private static final long serialVersionUID = 1L;

  /** Distinct value tuples, held in memory (~20 MB). */
  static final int DISTINCT_ROWS = 100_000;

  private static final LocalDateTime CREATED_BASE = LocalDateTime.of(2020, 1, 1, 0, 0);
  private static final Instant UPDATED_BASE = Instant.parse("2020-01-01T00:00:00Z");

  private static volatile Object[][] values;
  private static volatile Object[][] millisValues;

  private final long rows;
  private final int parallelism;
  private final boolean batched;
  private final boolean millis;

  /**
   * @param batched lists of 100 rows flattened by a following step (the Direct runner's path),
   *     else single rows in claims of 500
   */
  public CeilingSource(long rows, int parallelism, boolean batched) {
    this(rows, parallelism, batched, false);
  }

  /**
   * @param millis the Rows of {@link SnapshotTable#MILLIS_SCHEMA}, as {@code
   *     withMillisecondTimestamps(true)} outputs them (values converted before the run)
   */
  public CeilingSource(long rows, int parallelism, boolean batched, boolean millis) {
    this.rows = rows;
    this.parallelism = parallelism;
    this.batched = batched;
    this.millis = millis;
  }

  /** Computes the values once per JVM; call before {@code run()} so the run does not pay it. */
  public static void prepare() {
    millisValues();
  }

  @Override
  public PCollection<Row> expand(PBegin input) {
    PCollection<OffsetRange> splits =
        input
            .apply("Start", Impulse.create())
            .apply("Plan splits", ParDo.of(new PlanFn(rows, parallelism)))
            .setCoder(OffsetRange.Coder.of())
            .apply("Spread splits", Reshuffle.viaRandomKey());
    Schema schema = millis ? SnapshotTable.MILLIS_SCHEMA : SnapshotTable.SCHEMA;
    if (!batched) {
      return splits
          .apply("Emit rows", ParDo.of(new EmitRowsFn(500, millis)))
          .setRowSchema(schema);
    }
    return splits
        .apply("Emit batches", ParDo.of(new EmitBatchesFn(100, millis)))
        .setCoder(ListCoder.of(RowCoder.of(schema)))
        .apply("Flatten batches", ParDo.of(new FlattenFn()))
        .setRowSchema(schema);
  }

  /** The row of {@code id} (1-based), as the benchmark table holds it on PostgreSQL. */
  static Row row(long id) {
    return row(id, false);
  }

  /** The row of {@code id}, of {@link SnapshotTable#MILLIS_SCHEMA} if {@code millis}. */
  static Row row(long id, boolean millis) {
    Object[] v = (millis ? millisValues() : values())[(int) ((id - 1) % DISTINCT_ROWS)];
    return Row.withSchema(millis ? SnapshotTable.MILLIS_SCHEMA : SnapshotTable.SCHEMA)
        .attachValues(id, v[0], v[1], v[2], v[3], v[4], v[5]);
  }

  private static Object[][] millisValues() {
    Object[][] result = millisValues;
    if (result == null) {
      synchronized (CeilingSource.class) {
        result = millisValues;
        if (result == null) {
          Object[][] exact = values();
          result = new Object[DISTINCT_ROWS][];
          for (int i = 0; i < DISTINCT_ROWS; i++) {
            result[i] = exact[i].clone();
            result[i][4] = MillisecondTimestamps.toMillis(exact[i][4]);
            result[i][5] = MillisecondTimestamps.toMillis(exact[i][5]);
          }
          millisValues = result;
        }
      }
    }
    return result;
  }

  private static Object[][] values() {
    Object[][] result = values;
    if (result == null) {
      synchronized (CeilingSource.class) {
        result = values;
        if (result == null) {
          result = new Object[DISTINCT_ROWS][];
          for (int i = 0; i < DISTINCT_ROWS; i++) {
            result[i] = valuesOf(i + 1);
          }
          values = result;
        }
      }
    }
    return result;
  }

  /**
   * qty, amount, code, note, created_at, updated_at of id {@code g}, by the formulas of {@link
   * SnapshotTable}'s PostgreSQL fill.
   */
  static Object[] valuesOf(long g) {
    return new Object[] {
      (int) ((g * 7919) % 100_000),
      BigDecimal.valueOf((g * 104_729) % 10_000_000, 2),
      "C-" + String.format("%12s", Long.toHexString(g)).replace(' ', '0'),
      md5(g) + md5(g + 1).substring(0, 18),
      CREATED_BASE.plusSeconds(g).plusNanos((g % 1000) * 1_000_000),
      UPDATED_BASE.plusSeconds(g * 37).plusNanos((g % 997) * 1_000)
    };
  }

  private static String md5(long n) {
    try {
      MessageDigest digest = MessageDigest.getInstance("MD5");
      return HexFormat.of()
          .formatHex(digest.digest(Long.toString(n).getBytes(StandardCharsets.US_ASCII)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Plans {@code parallelism} splits of [1, rows + 1) of about equal size. */
  static final class PlanFn extends DoFn<byte[], OffsetRange> {
    private static final long serialVersionUID = 1L;
    private final long rows;
    private final int parallelism;

    PlanFn(long rows, int parallelism) {
      this.rows = rows;
      this.parallelism = parallelism;
    }

    @ProcessElement
    public void process(OutputReceiver<OffsetRange> out) {
      for (OffsetRange split : splits(rows, parallelism)) {
        out.output(split);
      }
    }
  }

  static List<OffsetRange> splits(long rows, int parallelism) {
    List<OffsetRange> splits = new ArrayList<>();
    long from = 1;
    for (int i = 0; i < parallelism; i++) {
      long to = 1 + rows * (i + 1) / parallelism;
      if (to > from) {
        splits.add(new OffsetRange(from, to));
      }
      from = to;
    }
    return splits;
  }

  /**
   * Claims each block of {@code block} ids of its split as the block's last id, then emits the
   * block; a residual after a runner's checkpoint starts right after the last emitted id.
   */
  abstract static class ClaimBlocksFn<OutT> extends DoFn<OffsetRange, OutT> {
    private static final long serialVersionUID = 1L;
    private final int block;
    final boolean millis;

    ClaimBlocksFn(int block, boolean millis) {
      this.block = block;
      this.millis = millis;
    }

    abstract void emit(long from, long to, OutputReceiver<OutT> out);

    @GetInitialRestriction
    public OffsetRange initial(@Element OffsetRange split) {
      return split;
    }

    @NewTracker
    public OffsetRangeTracker tracker(@Restriction OffsetRange range) {
      return new OffsetRangeTracker(range);
    }

    @ProcessElement
    public void process(RestrictionTracker<OffsetRange, Long> tracker, OutputReceiver<OutT> out) {
      OffsetRange range = tracker.currentRestriction();
      for (long from = range.getFrom(); from < range.getTo(); from += block) {
        long to = Math.min(from + block, range.getTo());
        if (!tracker.tryClaim(to - 1)) {
          return;
        }
        emit(from, to, out);
      }
    }
  }

  /** Emits each claimed block's rows one by one. */
  static final class EmitRowsFn extends ClaimBlocksFn<Row> {
    private static final long serialVersionUID = 1L;

    EmitRowsFn(int block, boolean millis) {
      super(block, millis);
    }

    @Override
    void emit(long from, long to, OutputReceiver<Row> out) {
      for (long id = from; id < to; id++) {
        out.output(row(id, millis));
      }
    }
  }

  /** Emits each claimed block as one list of rows. */
  static final class EmitBatchesFn extends ClaimBlocksFn<List<Row>> {
    private static final long serialVersionUID = 1L;

    EmitBatchesFn(int block, boolean millis) {
      super(block, millis);
    }

    @Override
    void emit(long from, long to, OutputReceiver<List<Row>> out) {
      List<Row> batch = new ArrayList<>((int) (to - from));
      for (long id = from; id < to; id++) {
        batch.add(row(id, millis));
      }
      out.output(batch);
    }
  }

  static final class FlattenFn extends DoFn<List<Row>, Row> {
    private static final long serialVersionUID = 1L;

    @ProcessElement
    public void process(@Element List<Row> batch, OutputReceiver<Row> out) {
      for (Row row : batch) {
        out.output(row);
      }
    }
  }
}
