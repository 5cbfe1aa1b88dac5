package io.heliosdb.beam.handoff;

import static org.assertj.core.api.Assertions.assertThat;

import io.heliosdb.beam.cdc.StreamStart;
import io.heliosdb.beam.dialect.Dialect;
import io.heliosdb.beam.dialect.MySqlDialect;
import io.heliosdb.beam.dialect.PostgresDialect;
import io.heliosdb.beam.snapshot.ChunkSnapshot;
import io.heliosdb.beam.SnapshotOptions;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.testing.CoderProperties;
import org.apache.beam.sdk.util.CoderUtils;
import org.junit.jupiter.api.Test;

/**
 * The coders of what snapshot then CDC keeps between steps and in the stream's element: they
 * round-trip, are deterministic (equal values, equal bytes), and the stream's plan for a 10M-row
 * table stays small.
 */
class HandoffCodersTest {
  private static final long ROWS = 10_000_000L;
  /** Rows one consistent chunk read call covers before it returns (about 1 s of reading). */
  private static final long ROWS_PER_CALL = 10_000L;

  @Test
  void keysOfEveryOrderedTypeRoundTripDeterministically() throws Exception {
    List<List<Object>> keys =
        List.of(
            List.of(0L), List.of(-1L), List.of(Long.MIN_VALUE, Long.MAX_VALUE),
            List.of(new BigDecimal("-12.50"), 7L),
            Arrays.asList((Object) null, 3L),
            List.of(new org.joda.time.Instant(1_700_000_000_123L)),
            List.of(LocalDate.of(1969, 12, 31), LocalTime.of(23, 59, 59, 999_999_999)),
            List.of(LocalDateTime.of(2026, 12, 2, 11, 30, 0, 123_456_000)),
            List.of(java.time.Instant.ofEpochSecond(-5, 7)));
    for (List<Object> key : keys) {
      CoderProperties.coderDeterministic(KeyCoder.of(), key, new ArrayList<>(key));
      CoderProperties.coderDecodeEncodeEqual(KeyCoder.of(), key);
    }
    assertThat(CoderUtils.encodeToByteArray(KeyCoder.of(), List.of(42L))).hasSize(3);
  }

  @Test
  void tokensSplitIntoNumbersAndLiteralsReadBackAsWritten() {
    for (String text : List.of("", "0", "10:20:", "733999984:734000000:733999985,733999988",
        "mariadb-bin.000042:400000123", "007", "a1b22c", "1234567890123456789012:5", "-3:x")) {
      assertThat(NumberedText.of(text).text()).isEqualTo(text);
    }
    assertThat(NumberedText.of("10:20:15,17").numbers()).containsExactly(10, 20, 15, 17);
    assertThat(NumberedText.of("mariadb-bin.000042:4").template())
        .containsExactly("mariadb-bin.000042:", "");
  }

  @Test
  void chunkSnapshotsAndPartsRoundTripDeterministically() throws Exception {
    ChunkSnapshot chunk = new ChunkSnapshot(List.of(5L), null, "10:20:12,15", "0/16B3748");
    ChunkSnapshot unbounded = new ChunkSnapshot(null, null, "mariadb-bin.000001:4", "x:4");
    for (ChunkSnapshot c : List.of(chunk, unbounded)) {
      CoderProperties.coderDeterministic(
          ChunkSnapshotCoder.of(), c,
          new ChunkSnapshot(c.lower() == null ? null : new ArrayList<>(c.lower()), c.upper(),
              c.token(), c.position()));
      CoderProperties.coderDecodeEncodeEqual(ChunkSnapshotCoder.of(), c);
    }
    HandoffPart start =
        HandoffPart.start(new HandoffStart(Map.of("lsn", 23_000_000, "txId", 7L), "0/15EF8C0"));
    CoderProperties.coderDecodeEncodeEqual(HandoffPartCoder.of(), start);
    CoderProperties.coderDeterministic(
        HandoffPartCoder.of(), start,
        HandoffPart.start(new HandoffStart(Map.of("txId", 7, "lsn", 23_000_000L), "0/15EF8C0")));
    CoderProperties.coderDecodeEncodeEqual(HandoffPartCoder.of(), HandoffPart.chunk(0, chunk));
    CoderProperties.coderDecodeEncodeEqual(HandoffPartCoder.of(), HandoffPart.chunk(41, chunk));
  }

  @Test
  void plansRoundTripDeterministically() throws Exception {
    for (Dialect dialect : List.of(new PostgresDialect(), new MySqlDialect(false))) {
      HandoffPlan plan = plan(dialect, 2_000_000L, 5);
      HandoffPlanCoder coder = new HandoffPlanCoder(dialect, List.of("id"));
      CoderProperties.coderDecodeEncodeEqual(coder, plan);
      CoderProperties.coderDeterministic(coder, plan, plan(dialect, 2_000_000L, 5));
      coder.verifyDeterministic();
    }
    HandoffPlan open =
        new HandoffPlan(Map.of("lsn", 1L), new PostgresDialect(), List.of("id"),
            List.of(new ChunkSnapshot(null, List.of(0L), "1:2:", "0/1"),
                new ChunkSnapshot(List.of(0L), List.of(9L), "1:3:2", "0/1"),
                new ChunkSnapshot(List.of(20L), null, "1:4:", "0/1")));
    CoderProperties.coderDecodeEncodeEqual(
        new HandoffPlanCoder(new PostgresDialect(), List.of("id")), open);
  }

  /**
   * The stream's plan for a 10M-row table in default chunks of 50,000 rows, one entry per
   * consistent read call, PostgreSQL snapshots with {@code xip} lists of a busy server: a
   * fraction of the Java-serialized plan, a few bytes per entry and per transaction id.
   */
  @Test
  void theStreamPlanOfATenMillionRowTableIsCompact() throws Exception {
    System.out.printf("%-10s %6s %8s %12s %12s %8s%n", "database", "xip", "entries",
        "serialized", "coder", "ratio");
    for (Dialect dialect : List.of(new PostgresDialect(), new MySqlDialect(false))) {
      for (int inProgress : dialect instanceof PostgresDialect ? new int[] {0, 5, 50}
          : new int[] {0}) {
        for (long rowsPerEntry : new long[] {SnapshotOptions.DEFAULT_CHUNK_SIZE, ROWS_PER_CALL}) {
          HandoffPlan plan = plan(dialect, rowsPerEntry, inProgress);
          Coder<StreamStart> coder = new HandoffPlanCoder(dialect, List.of("id"));
          int compact = CoderUtils.encodeToByteArray(coder, plan).length;
          int serialized =
              CoderUtils.encodeToByteArray(SerializableCoder.of(StreamStart.class), plan).length;
          System.out.printf("%-10s %6d %8d %12d %12d %8.2f%n", dialect.name(), inProgress,
              plan.chunkCount(), serialized, compact, (double) compact / serialized);
          assertThat(compact).isLessThan(serialized / 4);
          // a few bytes per entry and per transaction id in progress
          assertThat((long) compact)
              .isLessThan((12L + 2L * (inProgress + 2)) * plan.chunkCount() + 200);
        }
      }
    }
  }

  /**
   * A plan as the snapshot of a 10M-row BIGINT-keyed table leaves it: chunks of 50,000 keys read
   * by four readers, each chunk in calls of {@code rowsPerEntry} rows, each call one transaction.
   * PostgreSQL: transaction ids 9 digits long, 200 commits between calls, {@code inProgress}
   * transactions running at each; MariaDB: binlog positions 2,000 bytes apart.
   */
  static HandoffPlan plan(Dialect dialect, long rowsPerEntry, int inProgress) {
    Random random = new Random(42);
    boolean postgres = dialect instanceof PostgresDialect;
    List<ChunkSnapshot> chunks = new ArrayList<>();
    long chunkRows = SnapshotOptions.DEFAULT_CHUNK_SIZE;
    long calls = 0;
    for (long chunkStart = 0; chunkStart < ROWS; chunkStart += chunkRows) {
      for (long from = chunkStart; from < chunkStart + chunkRows; from += rowsPerEntry) {
        long to = Math.min(from + rowsPerEntry, chunkStart + chunkRows);
        long tick = calls++ / 4; // four readers in parallel
        String token;
        if (postgres) {
          long xmax = 734_000_000L + 200 * tick + random.nextInt(200);
          long xmin = xmax - inProgress * 3L - 1;
          StringBuilder xip = new StringBuilder();
          for (int i = 0; i < inProgress; i++) {
            xip.append(i == 0 ? "" : ",").append(xmin + 3L * i + random.nextInt(3));
          }
          token = xmin + ":" + xmax + ":" + xip;
        } else {
          token = "mariadb-bin.000042:" + (400_000_000L + 2_000 * tick + random.nextInt(2_000));
        }
        chunks.add(
            new ChunkSnapshot(from == 0 ? null : List.of(from), to >= ROWS ? null : List.of(to),
                token, postgres ? "2A/9CAFF90" : token));
      }
    }
    Map<String, Object> offset =
        postgres
            ? Map.of("lsn", 0x2A09CAFF90L)
            : Map.of("file", "mariadb-bin.000042", "pos", 399_999_000L, "gtids", "0-1-7340000");
    return new HandoffPlan(offset, dialect, List.of("id"), chunks);
  }
}
