package io.heliosdb.beam;

import static org.apache.beam.sdk.util.Preconditions.checkArgumentNotNull;

import com.google.auto.value.AutoValue;
import java.util.List;
import io.heliosdb.beam.dialect.Dialect;
import io.heliosdb.beam.cdc.CdcRead;
import io.heliosdb.beam.cdc.CdcSpec;
import io.heliosdb.beam.dialect.ChangeCaptureSettings;
import io.heliosdb.beam.dialect.Dialects;
import io.heliosdb.beam.dialect.RequiredLibraries;
import io.heliosdb.beam.incremental.PollTableDoFn;
import io.heliosdb.beam.incremental.IncrementalSpec;
import io.heliosdb.beam.handoff.SnapshotThenCdcRead;
import io.heliosdb.beam.schema.MillisecondTimestamps;
import io.heliosdb.beam.schema.TableMetadata;
import io.heliosdb.beam.schema.TypeOptions;
import io.heliosdb.beam.snapshot.KeyOrder;
import io.heliosdb.beam.snapshot.SnapshotRead;
import io.heliosdb.beam.stream.StreamRead;
import io.heliosdb.beam.snapshot.SnapshotSpec;
import io.heliosdb.beam.sql.TablePart;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * IO to read PostgreSQL, MySQL/MariaDB and Oracle tables into Beam as schema'd {@link Row}s.
 *
 * <h2>Snapshot</h2>
 *
 * <p>Reads the whole table in parallel, chunked by its primary key, resumable after the last row
 * emitted. For example:
 *
 * <pre>{@code
 * PCollection<Row> orders = pipeline.apply(
 *     HeliosDbIO.read()
 *         .withConnection(ConnectionConfiguration
 *             .create("jdbc:postgresql://localhost:5432/shop")   // or "postgresql://user:pw@host/shop"
 *             .withUsername("reader")
 *             .withPassword(secret))
 *         .withTable("public.orders")
 *         .withSnapshot(SnapshotOptions.byPrimaryKey().withChunkSize(50_000))
 *         .withParallelism(4));
 * }</pre>
 *
 * <p>The output schema is detected from the database's catalog when the pipeline is built; a
 * column of a type with no Beam mapping fails then, naming the column, unless {@link
 * Read#withUnknownTypesAsString(boolean)} is set. Tables without a primary key are read by
 * physical page ranges on PostgreSQL; elsewhere they need {@link Read#withSplitColumn(String)} or
 * {@code withParallelism(1)}.
 *
 * <p><b>Delivery guarantees.</b> Snapshot mode emits every row of a table that does not change
 * during the read exactly once, across any runner checkpoints, splits and resumes. In a table
 * with a key, rows changed while the read runs are seen as of the moment their chunk is read (no
 * table lock, no long-running transaction). A PostgreSQL table without a key is read as of one
 * moment: all its page ranges are read in one snapshot that the planning worker exports and keeps
 * open, with an {@code ACCESS SHARE} lock, until the read is complete, so every row of that
 * moment is emitted exactly once even while rows move between pages; if that snapshot is lost
 * (the planning worker stops, the database restarts), the read fails and must be run again (see
 * {@code docs/snapshot.md}).
 *
 * <h2>Part of a table</h2>
 *
 * <p>In snapshot and incremental mode, {@link Read#withColumns(String...)} outputs only some
 * columns, in the order given, and {@link Read#withRowFilter(String, Object...)} only the rows
 * that match a condition whose values are bound parameters; the guarantees above hold for the
 * rows that match. CDC modes refuse both. There is no free SQL query: see {@code
 * docs/snapshot.md}.
 *
 * <h2>Snapshot then CDC</h2>
 *
 * <p>With both {@link Read#withSnapshot} and {@link Read#withCdc}, reads the table in parallel
 * chunks as read events ({@code op = "r"}), then streams its changes, with no change lost or
 * repeated between the two while the table is being written (PostgreSQL and MariaDB; see {@code
 * docs/snapshot-then-cdc.md}):
 *
 * <pre>{@code
 * PCollection<Row> changes = pipeline.apply(
 *     HeliosDbIO.read()
 *         .withConnection(conn)
 *         .withTable("public.orders")
 *         .withSnapshot(SnapshotOptions.byPrimaryKey())
 *         .withCdc(CdcOptions.create().withSlotName("heliosdb_orders")));
 * }</pre>
 *
 * <p><b>Should I use this transform?</b> Use it instead of {@code JdbcIO} to read whole tables:
 * it needs no query or partition column, splits by the key automatically, streams rows with
 * bounded memory and resumes mid-table.
 */
public final class HeliosDbIO {
  private HeliosDbIO() {}

  /**
   * A read of a set of tables of one database, given as a list, a pattern or a namespace: each
   * table's rows come out as its own {@code PCollection<Row>} in a {@link
   * org.apache.beam.sdk.values.PCollectionRowTuple}, named {@code namespace.table}; see {@link
   * ReadTables}.
   */
  public static ReadTables readTables() {
    return ReadTables.create(read());
  }

  /** The options of snapshot then CDC, as its construction errors start. */
  static final String SNAPSHOT_THEN_CDC =
      "HeliosDbIO.read().withSnapshot(...).withCdc(...)";

  /** A snapshot read with the defaults: split by primary key, parallelism 4. */
  public static Read read() {
    return new AutoValue_HeliosDbIO_Read.Builder()
        .setParallelism(DEFAULT_PARALLELISM)
        .setFetchSize(DEFAULT_FETCH_SIZE)
        .setUnknownTypesAsString(false)
        .setMillisecondTimestamps(false)
        .setRetryOptions(RetryOptions.create())
        .build();
  }

  /** Rows read, claimed and emitted together. */
  static final int DEFAULT_OUTPUT_BATCH_SIZE = 500;

  /**
   * Rows per output batch on the Direct runner, which holds a reader's outputs of one call (100
   * of them) in memory, twice with its immutability check: 100 x 100 rows keeps a 1M-row read
   * within a 256 MB heap.
   */
  static final int DIRECT_RUNNER_BATCH_SIZE = 100;

  /** Default number of parallel readers. */
  public static final int DEFAULT_PARALLELISM = 4;

  /** How long the log connector's poll waits for changes: the floor of CDC latency. */
  static final long CDC_POLL_MILLIS = 10;
  /** Default server ids of binlog readers: one drawn per read from this range. */
  static final long DEFAULT_SERVER_IDS_FROM = 1_000_000L;
  static final int DEFAULT_SERVER_IDS = 1_000_000_000;
  private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();
  /** The slots (server ids) of the CDC reads of each pipeline being built. */
  private static final java.util.Map<org.apache.beam.sdk.Pipeline, java.util.Map<String, String>>
      LOG_READERS = new java.util.WeakHashMap<>();

  /** Default rows fetched per round trip. */
  public static final int DEFAULT_FETCH_SIZE = 10_000;

  /** The read transform; see {@link HeliosDbIO}. */
  @AutoValue
  public abstract static class Read extends PTransform<PBegin, PCollection<Row>> {

    abstract @Nullable ConnectionConfiguration getConnectionConfiguration();

    abstract @Nullable String getTable();

    /** The user's snapshot options; null for the default (and for CDC alone). */
    abstract @Nullable SnapshotOptions getSnapshotOptions();

    /** The snapshot options in effect: the user's or the default. */
    SnapshotOptions snapshotOptions() {
      return getSnapshotOptions() != null ? getSnapshotOptions() : SnapshotOptions.byPrimaryKey();
    }

    abstract @Nullable IncrementalOptions getIncrementalOptions();

    abstract @Nullable CdcOptions getCdcOptions();

    abstract int getParallelism();

    abstract @Nullable String getSplitColumn();

    abstract int getFetchSize();

    abstract boolean getUnknownTypesAsString();

    abstract boolean getMillisecondTimestamps();

    abstract @Nullable Integer getOutputBatchSize();

    abstract RetryOptions getRetryOptions();

    /** The projected columns, in output order; null for all of the table's. */
    abstract @Nullable List<String> getColumns();

    abstract @Nullable RowFilter getRowFilter();

    abstract Builder toBuilder();

    @AutoValue.Builder
    abstract static class Builder {
      abstract Builder setConnectionConfiguration(ConnectionConfiguration config);

      abstract Builder setTable(String table);

      abstract Builder setSnapshotOptions(SnapshotOptions options);

      abstract Builder setIncrementalOptions(IncrementalOptions options);

      abstract Builder setCdcOptions(CdcOptions options);

      abstract Builder setParallelism(int parallelism);

      abstract Builder setSplitColumn(String column);

      abstract Builder setFetchSize(int fetchSize);

      abstract Builder setUnknownTypesAsString(boolean asString);

      abstract Builder setMillisecondTimestamps(boolean millis);

      abstract Builder setOutputBatchSize(Integer rows);

      abstract Builder setRetryOptions(RetryOptions options);

      abstract Builder setColumns(List<String> columns);

      abstract Builder setRowFilter(RowFilter filter);

      abstract Read build();
    }

    /** The database to read; required. */
    public Read withConnection(ConnectionConfiguration config) {
      checkArgumentNotNull(config, "withConnection(config): config must not be null");
      return toBuilder().setConnectionConfiguration(config).build();
    }

    /**
     * The table to read, as {@code table} or {@code namespace.table} (PostgreSQL schema, MySQL
     * database, Oracle owner); required. Unquoted names are folded as the database folds them;
     * quote a part ({@code "Order Items"}, {@code `Order Items`}) to keep it as written.
     */
    public Read withTable(String table) {
      checkArgumentNotNull(table, "withTable(table): table must not be null");
      return toBuilder().setTable(table).build();
    }

    /**
     * How the snapshot splits the table; default {@link SnapshotOptions#byPrimaryKey()}. With
     * {@link #withCdc}, reads the table in this snapshot first, then streams its changes: see
     * {@link HeliosDbIO} "Snapshot then CDC".
     */
    public Read withSnapshot(SnapshotOptions options) {
      checkArgumentNotNull(options, "withSnapshot(options): options must not be null");
      return toBuilder().setSnapshotOptions(options).build();
    }

    /**
     * Outputs only these columns, in this order, named exactly as the catalog stores them (case
     * included); default: every column, in table order. The output schema has these fields only.
     * A column the table lacks fails when the pipeline is built, naming it and the table.
     *
     * <p>The read still selects the columns it needs for itself, without outputting them: the
     * split column of a snapshot by key ranges, the tracking column and primary key of an
     * incremental read. Applies to snapshot and incremental reads; refused with {@link #withCdc},
     * whose change envelopes carry whole rows (select their fields downstream).
     */
    public Read withColumns(String... columns) {
      checkArgumentNotNull(columns, "withColumns(columns): columns must not be null");
      return withColumns(java.util.Arrays.asList(columns));
    }

    /** See {@link #withColumns(String...)}. */
    public Read withColumns(List<String> columns) {
      checkArgumentNotNull(columns, "withColumns(columns): columns must not be null");
      if (columns.isEmpty()) {
        throw new IllegalArgumentException("withColumns(): name at least one column");
      }
      java.util.Set<String> seen = new java.util.HashSet<>();
      for (String column : columns) {
        checkArgumentNotNull(column, "withColumns(" + columns + "): a column is null");
        if (!seen.add(column)) {
          throw new IllegalArgumentException(
              "withColumns(" + columns + "): column " + column + " is named twice");
        }
      }
      return toBuilder().setColumns(List.copyOf(columns)).build();
    }

    /**
     * Reads only the rows that match {@code condition}, a boolean SQL expression on the table's
     * columns with {@code ?} placeholders for {@code parameters}, which are bound, never written
     * into the SQL; for example {@code withRowFilter("region = ? AND amount > ?", "eu", 100)}.
     * See {@link RowFilter} for what a condition may hold. A condition the database rejects
     * (unknown column, wrong parameter type) fails when the pipeline is built.
     *
     * <p>A snapshot ANDs it with every chunk's key bounds, so each matching row is read exactly
     * once; the chunks are planned over the whole table. An incremental read ANDs it with the
     * cursor on every poll: a row is read when it matches at the poll that passes its tracking
     * value. Refused with {@link #withCdc}.
     */
    public Read withRowFilter(String condition, Object... parameters) {
      return withRowFilter(RowFilter.of(condition, parameters));
    }

    /** See {@link #withRowFilter(String, Object...)}. */
    public Read withRowFilter(RowFilter filter) {
      checkArgumentNotNull(filter, "withRowFilter(filter): filter must not be null");
      return toBuilder().setRowFilter(filter).build();
    }

    /** The columns and rows that the read outputs. */
    TablePart part() {
      return new TablePart(getColumns() == null ? List.of() : getColumns(), getRowFilter());
    }

    /**
     * Reads in incremental mode instead: polls the table, forever, for rows whose tracking column
     * moved past the last row read; see {@link IncrementalOptions}. The output is unbounded, with
     * event timestamps and a watermark from the tracking column. Deleted rows are not seen by
     * polling: use CDC for them.
     */
    public Read withIncremental(IncrementalOptions options) {
      checkArgumentNotNull(options, "withIncremental(options): options must not be null");
      return toBuilder().setIncrementalOptions(options).build();
    }

    /**
     * Reads in CDC mode instead: streams every insert, update and delete of the table, and
     * (PostgreSQL, MySQL/MariaDB) every truncate, from the database's log, as change envelopes
     * ({@link io.heliosdb.beam.cdc.ChangeEnvelope}); see {@link CdcOptions}. The output is
     * unbounded, with commit times as event timestamps. With {@link #withSnapshot} too, the
     * table's rows come first as read events ({@code op = "r"}).
     */
    public Read withCdc(CdcOptions options) {
      checkArgumentNotNull(options, "withCdc(options): options must not be null");
      return toBuilder().setCdcOptions(options).build();
    }

    /**
     * The number of parallel readers (1–1024, default 4): the table is planned as this many
     * splits. A runner's dynamic rebalancing may split a reader's remaining work further.
     */
    public Read withParallelism(int parallelism) {
      if (parallelism < 1 || parallelism > 1024) {
        throw new IllegalArgumentException(
            "withParallelism(" + parallelism + "): must be between 1 and 1024");
      }
      return toBuilder().setParallelism(parallelism).build();
    }

    /**
     * Splits by this column instead of the primary key: it must be unique and indexed; NULL
     * values are allowed and read. Needed for tables without a primary key on MySQL and Oracle
     * when the parallelism is above 1.
     */
    public Read withSplitColumn(String column) {
      checkArgumentNotNull(column, "withSplitColumn(column): column must not be null");
      return toBuilder().setSplitColumn(column).build();
    }

    /**
     * Rows fetched per round trip while streaming a query (default 10,000, at least 1): the
     * bound on rows held in memory per reader.
     */
    public Read withFetchSize(int fetchSize) {
      if (fetchSize < 1) {
        throw new IllegalArgumentException("withFetchSize(" + fetchSize + "): must be at least 1");
      }
      return toBuilder().setFetchSize(fetchSize).build();
    }

    /**
     * How reads retry connection and read failures; default {@link RetryOptions#create()}:
     * exponential backoff for connection failures, 3 retries 5 s apart for read failures.
     */
    public Read withRetry(RetryOptions options) {
      checkArgumentNotNull(options, "withRetry(options): options must not be null");
      return toBuilder().setRetryOptions(options).build();
    }

    /**
     * Reads columns of types without a Beam mapping as strings, instead of failing when the
     * pipeline is built (default false).
     */
    public Read withUnknownTypesAsString(boolean asString) {
      return toBuilder().setUnknownTypesAsString(asString).build();
    }

    /**
     * Outputs date-time columns as Beam's {@code FieldType.DATETIME}, a Joda {@code Instant} of
     * epoch milliseconds, instead of {@code SqlTypes.DATETIME} ({@code LocalDateTime}) and {@code
     * SqlTypes.TIMESTAMP} ({@code java.time.Instant}); default false.
     *
     * <p>Beam encodes a {@code DATETIME} value as one number, where the two logical types are
     * nested rows: every step that encodes rows (a shuffle, a runner's operator boundary) does
     * less work. Instants ({@code timestamp with time zone}, MySQL {@code TIMESTAMP}) keep their
     * point in time; date-times without a zone ({@code timestamp}, {@code DATETIME}, Oracle
     * {@code DATE}) are read as UTC, as Beam SQL reads them; digits below the millisecond are
     * dropped. Arrays of date-times follow their elements. Split keys, chunk boundaries and
     * incremental cursors still compare values at full precision. Snapshot then CDC places each
     * change in its snapshot chunk by the key of the output row, so it refuses a table whose
     * primary key has a date-time column.
     */
    public Read withMillisecondTimestamps(boolean millis) {
      return toBuilder().setMillisecondTimestamps(millis).build();
    }

    /** How the read's columns map to fields, beyond the dialect's own mapping. */
    TypeOptions typeOptions() {
      return new TypeOptions(getUnknownTypesAsString(), getMillisecondTimestamps());
    }

    /**
     * Rows read, claimed and emitted together, and per output element on the Direct runner
     * (default 500; 100 on the Direct runner). Tests set 1 so that the Direct runner, which
     * checkpoints a splittable DoFn after 100 outputs, checkpoints often.
     */
    Read withOutputBatchSize(int rows) {
      if (rows < 1) {
        throw new IllegalArgumentException("withOutputBatchSize(" + rows + "): must be >= 1");
      }
      return toBuilder().setOutputBatchSize(rows).build();
    }

    @Override
    public PCollection<Row> expand(PBegin input) {
      checkArgumentNotNull(
          getConnectionConfiguration(), "HeliosDbIO.read() requires withConnection(...)");
      String table = checkArgumentNotNull(getTable(), "HeliosDbIO.read() requires withTable(...)");
      ConnectionConfiguration config = validatedConnection("HeliosDbIO.read()");
      RunnerSupport.checkMode(this, input.getPipeline().getOptions(), "HeliosDbIO.read()");
      RunnerSupport.configure(input.getPipeline().getOptions());
      Dialect dialect = dialect(config, "HeliosDbIO.read()");
      checkDialectSupportsMode(dialect);
      TableMetadata metadata = TableDetector.detect(config, dialect, table);
      if (getIncrementalOptions() != null) {
        return expandIncremental(input, config, dialect, metadata);
      }
      if (getCdcOptions() != null && getSnapshotOptions() != null) {
        return expandSnapshotThenCdc(input, config, dialect, metadata);
      }
      if (getCdcOptions() != null) {
        CdcSpec spec = cdcSpec(input, config, dialect, List.of(metadata), null, null);
        return input.apply("CDC " + metadata.table(), new CdcRead(spec)).get(spec.outputTag(0));
      }
      return input.apply(
          "Snapshot " + metadata.table(),
          new SnapshotRead(snapshotSpec(input, config, dialect, metadata)));
    }

    /**
     * The connection to read through, with the retry options, after checking it and the mode
     * options, before connecting.
     *
     * @param transform the transform, for the message when the connection is missing
     */
    ConnectionConfiguration validatedConnection(String transform) {
      ConnectionConfiguration config =
          checkArgumentNotNull(
              getConnectionConfiguration(), transform + " requires withConnection(...)");
      config.validate();
      checkModeOptions();
      return config.withRetryOptions(getRetryOptions());
    }

    /**
     * The dialect of the connection's database, after checking that the libraries the read loads
     * by class name (its JDBC driver; for CDC, its Debezium connector) are on the class path.
     */
    Dialect dialect(ConnectionConfiguration config, String transform) {
      Dialect dialect = Dialects.forJdbcUrl(config.getJdbcUrl(), config.getRedactedUrl());
      RequiredLibraries.check(dialect, getCdcOptions() != null, transform);
      return dialect;
    }

    /** Refuses options of one read mode given with another, before connecting. */
    private void checkModeOptions() {
      if (getCdcOptions() != null && (getColumns() != null || getRowFilter() != null)) {
        String option = getColumns() != null ? "withColumns(...)" : "withRowFilter(...)";
        throw new IllegalArgumentException(
            "HeliosDbIO.read(): " + option + " does not apply to withCdc(...): change envelopes"
                + " carry whole rows before and after each change, and a filter on the snapshot"
                + " that the stream does not apply would disagree with it. Select fields or"
                + " filter envelopes downstream (Select, Filter), or read the part of the table"
                + " with withSnapshot(...) or withIncremental(...) alone");
      }
      if (getIncrementalOptions() != null && getCdcOptions() != null) {
        throw new IllegalArgumentException(
            "HeliosDbIO.read(): withIncremental(...) and withCdc(...) are two read modes; use one");
      }
      if (getIncrementalOptions() != null && getSnapshotOptions() != null) {
        throw new IllegalArgumentException(
            "HeliosDbIO.read(): withSnapshot(...) does not apply to withIncremental(...), whose"
                + " first polls read the table's existing rows (from the beginning or"
                + " withStartFrom); remove withSnapshot");
      }
      if (getIncrementalOptions() != null && getSplitColumn() != null) {
        throw new IllegalArgumentException(
            "HeliosDbIO.read(): withSplitColumn(...) does not apply to withIncremental(...),"
                + " which reads in (tracking column, primary key) order; remove withSplitColumn");
      }
    }

    /** Refuses a mode the database cannot run, before connecting. */
    void checkDialectSupportsMode(Dialect dialect) {
      if (getCdcOptions() != null && getSnapshotOptions() != null
          && !dialect.supportsConsistentReads()) {
        throw new IllegalArgumentException(
            SNAPSHOT_THEN_CDC + ": snapshot then CDC is supported on PostgreSQL and MariaDB, not"
                + " on " + dialect.name() + "; use withCdc(...) alone, after a snapshot read");
      }
    }

    SnapshotSpec snapshotSpec(
        PBegin input, ConnectionConfiguration config, Dialect dialect, TableMetadata metadata) {
      SnapshotOptions snapshot = snapshotOptions();
      boolean directRunner = isDirectRunner(input);
      SnapshotSpec spec =
          SnapshotSpec.create(
              config,
              dialect,
              metadata,
              getSplitColumn(),
              snapshot.getBoundaryChunks(),
              snapshot.getChunkSize(),
              getFetchSize(),
              getParallelism(),
              outputBatchSize(directRunner),
              directRunner,
              typeOptions());
      spec = spec.withPart(part());
      spec.tableSchema(); // fails here, naming the column, if a type has no mapping
      TableDetector.checkRowFilter(config, dialect, metadata, getRowFilter());
      return spec;
    }

    /**
     * Fails if another CDC read of the pipeline streams with the same slot (server id): the
     * two would take each other's changes or disconnect each other.
     */
    private static void claimLogReader(org.apache.beam.sdk.Pipeline pipeline, CdcSpec spec) {
      java.util.Map<String, String> claimed;
      synchronized (LOG_READERS) {
        claimed = LOG_READERS.computeIfAbsent(pipeline, p -> new java.util.HashMap<>());
      }
      synchronized (claimed) {
        String other = claimed.putIfAbsent(spec.logReaderKey(), spec.label());
        if (other != null) {
          throw new IllegalArgumentException(
              "CDC of " + spec.label() + " and of " + other + " in one pipeline would both stream"
                  + " with " + spec.logReaderKey() + ", and one serves one stream: give each"
                  + " read its own with " + spec.logReaderOption() + "(...)");
        }
      }
    }

    /**
     * Snapshot then CDC maps each chunk read onto the log by the chunk's primary-key range, so it
     * needs a primary key ordered alike in Java and in the database, and a server that maps
     * reads onto its log (the dialect's support is checked before connecting).
     */
    private PCollection<Row> expandSnapshotThenCdc(
        PBegin input, ConnectionConfiguration config, Dialect dialect, TableMetadata metadata) {
      SnapshotSpec snapshot = handoffSnapshotSpec(input, config, dialect, metadata, false);
      // the CDC setup's messages first
      CdcSpec cdc = cdcSpec(input, config, dialect, List.of(metadata), null, null);
      // e.g. a MySQL server behind a jdbc:mysql: or jdbc:mariadb: URL: refused now, not by
      // every chunk read of a running pipeline
      TableDetector.checkConsistentReads(config, dialect, SNAPSHOT_THEN_CDC);
      return input.apply(
          "Snapshot then CDC " + metadata.table(),
          new SnapshotThenCdcRead(
              snapshot, cdc, TableDetector.changeSource(config, dialect, metadata.table())));
    }

    /**
     * The snapshot of a table read by snapshot then CDC, which maps each chunk read onto the log
     * by the chunk's primary-key range: it needs a primary key ordered alike in Java and in the
     * database, and no start position unless the stream continues an earlier capture (the
     * dialect's support is checked before connecting).
     *
     * @param continuing whether the stream continues a capture of other tables, from the
     *     position where it stopped: the snapshot then starts after the stream
     * @throws IllegalArgumentException naming the table and what it lacks
     */
    SnapshotSpec handoffSnapshotSpec(
        PBegin input, ConnectionConfiguration config, Dialect dialect, TableMetadata metadata,
        boolean continuing) {
      String mode = SNAPSHOT_THEN_CDC;
      if (metadata.primaryKey().isEmpty()) {
        throw new IllegalArgumentException(
            mode + ": table " + metadata.table() + " has no primary key; snapshot then CDC"
                + " matches changes to the snapshot's chunks by primary key: add a primary key"
                + " to the table");
      }
      if (getSplitColumn() != null && !List.of(getSplitColumn()).equals(metadata.primaryKey())) {
        throw new IllegalArgumentException(
            mode + ": withSplitColumn(\"" + getSplitColumn() + "\") is not the primary key "
                + metadata.primaryKey() + " of " + metadata.table()
                + "; snapshot then CDC splits by the primary key only");
      }
      if (getCdcOptions().getStartPosition() != null && !continuing) {
        throw new IllegalArgumentException(
            mode + ": CdcOptions.withStartPosition(...) cannot follow a snapshot, whose stream"
                + " starts where the log stands when the snapshot begins; drop one of them");
      }
      SnapshotSpec snapshot = snapshotSpec(input, config, dialect, metadata);
      List<String> unordered = KeyOrder.unorderedFields(snapshot.keySchema().schema());
      if (!unordered.isEmpty()) {
        throw new IllegalArgumentException(
            mode + ": the primary key of " + metadata.table() + " has columns " + unordered
                + " whose order in the database (its collation) the pipeline cannot reproduce;"
                + " snapshot then CDC needs integer, decimal or date/time key columns. Read the"
                + " table with withSnapshot(...) and withCdc(...) as two reads instead");
      }
      if (getMillisecondTimestamps()) {
        List<String> dateTimeKeys = snapshot.keySchema().schema().getFields().stream()
            .filter(f -> MillisecondTimestamps.isDateTime(f.getType()))
            .map(f -> f.getName())
            .toList();
        if (!dateTimeKeys.isEmpty()) {
          throw new IllegalArgumentException(
              mode + ": withMillisecondTimestamps(true) cannot be combined with snapshot then CDC"
                  + " of " + metadata.table() + ", whose primary key has the date-time columns "
                  + dateTimeKeys + ": the handoff places each change in its chunk by the key of"
                  + " the output row, which would have lost its finer digits. Drop"
                  + " withMillisecondTimestamps(true) for this table");
        }
      }
      return snapshot;
    }

    private PCollection<Row> expandIncremental(
        PBegin input, ConnectionConfiguration config, Dialect dialect, TableMetadata metadata) {
      IncrementalOptions options = getIncrementalOptions();
      boolean directRunner = isDirectRunner(input);
      int batchSize = outputBatchSize(directRunner);
      IncrementalSpec spec =
          IncrementalSpec.create(
              config,
              dialect,
              metadata,
              options.getTrackingColumn(),
              options.getSkipNullTrackingValues(),
              options.getPollInterval().getMillis(),
              options.getCommitDelay().getMillis(),
              options.getStartFrom(),
              options.getTrackingTimeZone(),
              // the Direct runner checkpoints after 100 outputs: a longer page would be wasted
              directRunner ? Math.max(batchSize, DIRECT_RUNNER_BATCH_SIZE) : getFetchSize(),
              getFetchSize(),
              batchSize,
              typeOptions())
              .withPart(part());
      spec.selectedSchema(); // fails here, naming the column, if a type has no mapping
      TableDetector.checkRowFilter(config, dialect, metadata, getRowFilter());
      TableDetector.warnIfNotIndexed(config, dialect, metadata, options.getTrackingColumn());
      return input.apply(
          "Incremental " + metadata.table(),
          new StreamRead(
              "Poll " + spec.label(), new PollTableDoFn(spec), spec.tableSchema().schema()));
    }

    /**
     * The CDC read of {@code tables}, with one log reader for all, after checking what CDC needs
     * of the database and of each table.
     *
     * @param defaultSlot the slot (and publication) name without {@code withSlotName}; null for
     *     the single table's default ({@link #defaultSlotName})
     * @param selection the rule that selected the tables, if later tables may match it
     */
    CdcSpec cdcSpec(
        PBegin input, ConnectionConfiguration config, Dialect dialect,
        List<TableMetadata> tables, @Nullable String defaultSlot,
        io.heliosdb.beam.cdc.@Nullable SelectedTables selection) {
      CdcOptions options = getCdcOptions();
      requireFlinkCheckpointing(input.getPipeline().getOptions());
      String slot = options.getSlotName() != null
          ? options.getSlotName()
          : defaultSlot != null
              ? defaultSlot
              : defaultSlotName(
                  tables.get(0).table().namespace() + "_" + tables.get(0).table().name());
      // a server id holds no state (the stream's position does): each read gets its own
      long serverId =
          options.getServerId() != null
              ? options.getServerId()
              : DEFAULT_SERVER_IDS_FROM + RANDOM.nextInt(DEFAULT_SERVER_IDS);
      ChangeCaptureSettings settings =
          new ChangeCaptureSettings(
              tables.stream().map(TableMetadata::table).toList(),
              // unique per read: the reader instances of one read share their log reader
              slot + "_" + serverId + "_" + Long.toHexString(RANDOM.nextLong() >>> 16),
              slot,
              options.getPublicationName() != null ? options.getPublicationName() : slot,
              serverId,
              options.getHeartbeatInterval().getMillis(),
              CDC_POLL_MILLIS,
              options.getDebeziumProperties());
      // checked now, not when the stream starts: the URL's form and the start position's
      dialect.changeTaskProperties(config.getJdbcUrl(), config.getRedactedUrl(), settings);
      if (options.getStartPosition() != null) {
        dialect.checkPosition(options.getStartPosition());
      }
      if (config.getUsername() == null) {
        throw new IllegalArgumentException("CDC of " + settings.describeTables() + " needs the"
            + " database user from ConnectionConfiguration.withUsername(...) (or user:password@"
            + " in a postgresql:// or mariadb:// URL): the log reader does not take credentials"
            + " from the JDBC URL's query parameters");
      }
      CdcSpec spec =
          new CdcSpec(
              config, dialect, tables, settings, options.getStartPosition(),
              typeOptions(), selection);
      // a slot held by a reader of this JVM that stopped being called (a cancelled pipeline)
      // is taken over when the stream starts
      TableDetector.checkChangeCapture(
          config, dialect, tables, settings, options.getStartPosition(),
          !spec.logReaderLeftUnusedHere());
      for (int i = 0; i < tables.size(); i++) {
        spec.tableSchema(i); // fails here, naming the column, if a type has no mapping
      }
      claimLogReader(input.getPipeline(), spec);
      return spec;
    }

    /**
     * The Flink runner calls bundle finalizers, which acknowledge the log, only when a checkpoint
     * completes: without checkpointing the log would never be acknowledged (and the PostgreSQL
     * slot would keep all WAL), so CDC refuses to start there.
     */
    static void requireFlinkCheckpointing(org.apache.beam.sdk.options.PipelineOptions options) {
      if (!options.getRunner().getSimpleName().contains("Flink")) {
        return;
      }
      com.fasterxml.jackson.databind.JsonNode interval =
          new com.fasterxml.jackson.databind.ObjectMapper()
              .valueToTree(options)
              .path("options")
              .path("checkpointingInterval");
      if (interval.asLong(0) <= 0) {
        throw new IllegalArgumentException(
            "HeliosDbIO.read().withCdc(...) on the Flink runner needs checkpointing: the log is"
                + " acknowledged only when a checkpoint completes. Set"
                + " --checkpointingInterval=<milliseconds>, e.g. 1000");
      }
    }

    /** {@code heliosdb_<schema>_<table>}, folded to a valid slot name. */
    static String defaultSlotName(String table) {
      String name =
          ("heliosdb_" + table).toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
      return name.length() <= 63 ? name : name.substring(0, 54) + "_" + Integer.toHexString(
          name.hashCode() & 0xFFFFFFF);
    }

    private int outputBatchSize(boolean directRunner) {
      if (getOutputBatchSize() != null) {
        return getOutputBatchSize();
      }
      return directRunner ? DIRECT_RUNNER_BATCH_SIZE : DEFAULT_OUTPUT_BATCH_SIZE;
    }

    /**
     * The Direct runner checkpoints a splittable DoFn after 100 outputs and checks each output, so
     * there the reader outputs batches of rows; other runners get rows directly, saving a copy.
     */
    private static boolean isDirectRunner(PBegin input) {
      return input.getPipeline().getOptions().getRunner().getSimpleName().contains("Direct");
    }

    private String mode() {
      if (getCdcOptions() != null) {
        return getSnapshotOptions() != null ? "snapshot then cdc" : "cdc";
      }
      return getIncrementalOptions() != null ? "incremental" : "snapshot";
    }

    @Override
    public void populateDisplayData(DisplayData.Builder builder) {
      super.populateDisplayData(builder);
      if (getConnectionConfiguration() != null) {
        getConnectionConfiguration().populateDisplayData(builder);
      }
      builder
          .addIfNotNull(DisplayData.item("table", getTable()).withLabel("Table"))
          .add(
              DisplayData.item("mode", mode()).withLabel("Read mode"))
          .add(DisplayData.item("fetchSize", getFetchSize()).withLabel("Fetch size"))
          .add(
              DisplayData.item("unknownTypesAsString", getUnknownTypesAsString())
                  .withLabel("Unknown types as strings"))
          .add(
              DisplayData.item("millisecondTimestamps", getMillisecondTimestamps())
                  .withLabel("Date-times as millisecond DATETIME"));
      getRetryOptions().populateDisplayData(builder);
      if (getColumns() != null) {
        builder.add(DisplayData.item("columns", String.join(", ", getColumns()))
            .withLabel("Columns"));
      }
      if (getRowFilter() != null) {
        builder.add(DisplayData.item("rowFilter", getRowFilter().getCondition())
            .withLabel("Row filter"));
      }
      if (getIncrementalOptions() != null) {
        getIncrementalOptions().populateDisplayData(builder);
        return;
      }
      if (getCdcOptions() != null) {
        getCdcOptions().populateDisplayData(builder);
        if (getSnapshotOptions() == null) {
          return;
        }
      }
      builder
          .add(DisplayData.item("parallelism", getParallelism()).withLabel("Parallelism"))
          .add(
              DisplayData.item(
                      "splitColumn", getSplitColumn() == null ? "primary key" : getSplitColumn())
                  .withLabel("Split column"));
      snapshotOptions().populateDisplayData(builder);
    }
  }
}
