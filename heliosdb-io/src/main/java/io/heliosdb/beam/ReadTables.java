package io.heliosdb.beam;

import static org.apache.beam.sdk.util.Preconditions.checkArgumentNotNull;

import com.google.auto.value.AutoValue;
import io.heliosdb.beam.cdc.CdcRead;
import io.heliosdb.beam.cdc.CdcSpec;
import io.heliosdb.beam.dialect.Dialect;
import io.heliosdb.beam.metrics.SourceMetrics;
import io.heliosdb.beam.schema.TableId;
import io.heliosdb.beam.schema.TableMetadata;
import io.heliosdb.beam.handoff.TablesSnapshotThenCdcRead;
import io.heliosdb.beam.snapshot.SnapshotSpec;
import io.heliosdb.beam.snapshot.TablesSnapshotRead;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionRowTuple;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.Row;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a set of tables of one database: each table's rows come out as its own {@code
 * PCollection<Row>}, with that table's schema, in a {@link PCollectionRowTuple} named by the table
 * as {@code namespace.table}. For example:
 *
 * <pre>{@code
 * PCollectionRowTuple tables = pipeline.apply(
 *     HeliosDbIO.readTables()
 *         .withConnection(conn)
 *         .withTablePattern("public\\.order.*")       // or withTables(...), withNamespace("public")
 *         .withParallelism(8));
 * PCollection<Row> orders = tables.get("public.orders");
 * }</pre>
 *
 * <p><b>Snapshot</b> (the default): every table is planned in parallel, and the chunks of all
 * tables are read by the same {@code parallelism} readers, so that small tables (one chunk each)
 * and large ones (split up to {@code parallelism} ways) keep every reader busy. Each table keeps
 * the guarantees of a single-table snapshot ({@link HeliosDbIO}). A table without a primary key
 * is read by page ranges on PostgreSQL and by one reader elsewhere.
 *
 * <p><b>Incremental</b> ({@link #withIncremental}): each table is polled by the tracking column
 * the options name, which every table must have; all polls share one connection pool.
 *
 * <p><b>CDC</b> ({@link #withCdc}): one log reader streams the changes of every table, in log
 * order, with one watermark for all of them; each table's envelopes come out on their own.
 *
 * <p>The tables are resolved when the pipeline is built; the list is logged and shown in display
 * data. Tables created later are not read.
 */
@AutoValue
public abstract class ReadTables extends PTransform<PBegin, PCollectionRowTuple> {
  private static final Logger LOG = LoggerFactory.getLogger(ReadTables.class);

  /** The resolved tables, for display data; set when the transform is expanded. */
  private transient @Nullable List<String> resolvedTables;

  abstract HeliosDbIO.Read getRead();

  abstract @Nullable TableSelection getSelection();

  /** Incremental options of single tables, by {@code namespace.table}, over {@link #getRead}'s. */
  abstract Map<String, IncrementalOptions> getTableIncrementalOptions();

  /** The tables added to a running snapshot-then-CDC capture, by {@code namespace.table}. */
  abstract List<String> getAddedTables();

  /** The projected columns of single tables, by {@code namespace.table}. */
  abstract Map<String, List<String>> getTableColumns();

  /** The row filters of single tables, by {@code namespace.table}. */
  abstract Map<String, RowFilter> getTableRowFilters();

  abstract Builder toBuilder();

  static ReadTables create(HeliosDbIO.Read read) {
    return new AutoValue_ReadTables.Builder()
        .setRead(read)
        .setTableIncrementalOptions(Map.of())
        .setAddedTables(List.of())
        .setTableColumns(Map.of())
        .setTableRowFilters(Map.of())
        .build();
  }

  @AutoValue.Builder
  abstract static class Builder {
    abstract Builder setRead(HeliosDbIO.Read read);

    abstract Builder setSelection(TableSelection selection);

    abstract Builder setTableIncrementalOptions(Map<String, IncrementalOptions> options);

    abstract Builder setAddedTables(List<String> tables);

    abstract Builder setTableColumns(Map<String, List<String>> columns);

    abstract Builder setTableRowFilters(Map<String, RowFilter> filters);

    abstract ReadTables build();
  }

  private ReadTables withRead(HeliosDbIO.Read read) {
    return toBuilder().setRead(read).build();
  }

  private ReadTables select(TableSelection selection) {
    if (getSelection() != null) {
      throw new IllegalArgumentException(
          selection.describe() + ": the tables are already selected by "
              + getSelection().describe() + "; use one of withTables, withTablePattern and"
              + " withNamespace");
    }
    return toBuilder().setSelection(selection).build();
  }

  /** The database to read; required. See {@link HeliosDbIO.Read#withConnection}. */
  public ReadTables withConnection(ConnectionConfiguration config) {
    return withRead(getRead().withConnection(config));
  }

  /**
   * The tables to read, each as {@code table} or {@code namespace.table}, named as in {@link
   * HeliosDbIO.Read#withTable}.
   */
  public ReadTables withTables(String... tables) {
    checkArgumentNotNull(tables, "withTables(tables): tables must not be null");
    return withTables(Arrays.asList(tables));
  }

  /** The tables to read; see {@link #withTables(String...)}. */
  public ReadTables withTables(List<String> tables) {
    checkArgumentNotNull(tables, "withTables(tables): tables must not be null");
    return select(TableSelection.of(tables));
  }

  /**
   * Reads every table whose {@code namespace.table}, as the catalog names it, matches this
   * regular expression whole (for example {@code "shop\\.order_.*"}), in every namespace the user
   * can see but the database's own. Matching no table is an error.
   */
  public ReadTables withTablePattern(String regex) {
    checkArgumentNotNull(regex, "withTablePattern(regex): regex must not be null");
    return select(TableSelection.matching(regex));
  }

  /**
   * Reads every table (not views) of one namespace: a PostgreSQL schema, a MySQL database, an
   * Oracle owner. A namespace without tables is an error.
   */
  public ReadTables withNamespace(String namespace) {
    checkArgumentNotNull(namespace, "withNamespace(namespace): namespace must not be null");
    return select(TableSelection.inNamespace(namespace));
  }

  /** How each table's snapshot is split; see {@link HeliosDbIO.Read#withSnapshot}. */
  public ReadTables withSnapshot(SnapshotOptions options) {
    return withRead(getRead().withSnapshot(options));
  }

  /**
   * Polls every table instead, by the tracking column the options name, which every table must
   * have; see {@link HeliosDbIO.Read#withIncremental}.
   */
  public ReadTables withIncremental(IncrementalOptions options) {
    return withRead(getRead().withIncremental(options));
  }

  /**
   * Polls one table of the set with its own options, for example its own tracking column, instead
   * of those of {@link #withIncremental(IncrementalOptions)}, which the other tables keep.
   *
   * @param table the table as the catalog names it, {@code namespace.table} (as in the output)
   */
  public ReadTables withIncremental(String table, IncrementalOptions options) {
    checkArgumentNotNull(table, "withIncremental(table, options): table must not be null");
    checkArgumentNotNull(options, "withIncremental(table, options): options must not be null");
    Map<String, IncrementalOptions> perTable = new TreeMap<>(getTableIncrementalOptions());
    perTable.put(table, options);
    return toBuilder().setTableIncrementalOptions(Collections.unmodifiableMap(perTable)).build();
  }

  /**
   * Outputs only these columns of one table of the set, in this order; see {@link
   * HeliosDbIO.Read#withColumns(String...)}. Snapshot and incremental reads only.
   *
   * @param table the table as the catalog names it, {@code namespace.table} (as in the output)
   */
  public ReadTables withColumns(String table, String... columns) {
    checkArgumentNotNull(table, "withColumns(table, columns): table must not be null");
    // validated as the single-table option is
    List<String> checked = HeliosDbIO.read().withColumns(columns).getColumns();
    Map<String, List<String>> perTable = new TreeMap<>(getTableColumns());
    perTable.put(table, checked);
    return toBuilder().setTableColumns(Collections.unmodifiableMap(perTable)).build();
  }

  /**
   * Reads only the rows of one table of the set that match {@code filter}; see {@link
   * HeliosDbIO.Read#withRowFilter(String, Object...)}. Snapshot and incremental reads only.
   *
   * @param table the table as the catalog names it, {@code namespace.table} (as in the output)
   */
  public ReadTables withRowFilter(String table, RowFilter filter) {
    checkArgumentNotNull(table, "withRowFilter(table, filter): table must not be null");
    checkArgumentNotNull(filter, "withRowFilter(table, filter): filter must not be null");
    Map<String, RowFilter> perTable = new TreeMap<>(getTableRowFilters());
    perTable.put(table, filter);
    return toBuilder().setTableRowFilters(Collections.unmodifiableMap(perTable)).build();
  }

  /**
   * Captures the changes of every table with ONE log reader: one replication slot and one
   * publication (PostgreSQL), one binlog connection and server id (MySQL/MariaDB), one LogMiner
   * session (Oracle). Each table's change envelopes come out as its own {@code PCollection<Row>}
   * with that table's schema; see {@link HeliosDbIO.Read#withCdc} for the options and the
   * guarantees, which hold for every table.
   *
   * <p>The PostgreSQL slot and publication default to {@code heliosdb_<database>_tables}: name
   * them with {@link CdcOptions#withSlotName} for a second capture of the same database. The
   * publication is created for the tables, or given the tables it lacks when the stream starts
   * or resumes, and one that HeliosDbIO created drops the tables the read no longer captures.
   */
  public ReadTables withCdc(CdcOptions options) {
    return withRead(getRead().withCdc(options));
  }

  /**
   * Adds tables to a snapshot-then-CDC capture that ran before with the other tables of the
   * selection: only the added tables are snapshotted, then streamed; the others are not read
   * again and their stream continues where the earlier pipeline's stopped, from the replication
   * slot's acknowledged position (PostgreSQL, same {@link CdcOptions#withSlotName}) or from
   * {@link CdcOptions#withStartPosition} (MySQL/MariaDB: the last position of the earlier
   * output). Stop the earlier pipeline so that all it emitted is acknowledged first (Flink:
   * stop with a savepoint): changes it emitted after its last acknowledgement come again.
   *
   * @param tables the added tables as the catalog names them, {@code namespace.table} (as in
   *     the output)
   */
  public ReadTables withAddedTables(String... tables) {
    checkArgumentNotNull(tables, "withAddedTables(tables): tables must not be null");
    if (tables.length == 0) {
      throw new IllegalArgumentException("withAddedTables(): name at least one table");
    }
    return toBuilder().setAddedTables(List.of(tables)).build();
  }

  /**
   * Readers shared by all tables' snapshot chunks (1–1024, default 4); a table is split into at
   * most this many parts, and into one if it fits in one chunk.
   */
  public ReadTables withParallelism(int parallelism) {
    return withRead(getRead().withParallelism(parallelism));
  }

  /** Rows fetched per round trip; see {@link HeliosDbIO.Read#withFetchSize}. */
  public ReadTables withFetchSize(int fetchSize) {
    return withRead(getRead().withFetchSize(fetchSize));
  }

  /** How reads retry; see {@link HeliosDbIO.Read#withRetry}. */
  public ReadTables withRetry(RetryOptions options) {
    return withRead(getRead().withRetry(options));
  }

  /** See {@link HeliosDbIO.Read#withUnknownTypesAsString}. */
  public ReadTables withUnknownTypesAsString(boolean asString) {
    return withRead(getRead().withUnknownTypesAsString(asString));
  }

  /** See {@link HeliosDbIO.Read#withMillisecondTimestamps}. */
  public ReadTables withMillisecondTimestamps(boolean millis) {
    return withRead(getRead().withMillisecondTimestamps(millis));
  }

  /** See {@link HeliosDbIO.Read#withOutputBatchSize}. */
  ReadTables withOutputBatchSize(int rows) {
    return withRead(getRead().withOutputBatchSize(rows));
  }

  @Override
  public PCollectionRowTuple expand(PBegin input) {
    HeliosDbIO.Read read = getRead();
    ConnectionConfiguration config = read.validatedConnection("HeliosDbIO.readTables()");
    RunnerSupport.checkMode(read, input.getPipeline().getOptions(), "HeliosDbIO.readTables()");
    RunnerSupport.configure(input.getPipeline().getOptions());
    TableSelection selection =
        checkArgumentNotNull(
            getSelection(),
            "HeliosDbIO.readTables() requires withTables(...), withTablePattern(...) or"
                + " withNamespace(...)");
    Dialect dialect = read.dialect(config, "HeliosDbIO.readTables()");
    List<TableId> tables = TableDetector.resolve(config, dialect, selection);
    resolvedTables = tables.stream().map(TableId::toString).toList();
    LOG.info("{} selects {} tables: {}", selection.describe(), tables.size(), resolvedTables);
    checkTableIncrementalOptions(read, tables);
    checkTableParts(read, tables);
    if (!getAddedTables().isEmpty() && read.getCdcOptions() == null) {
      throw new IllegalArgumentException(
          "withAddedTables(" + getAddedTables() + ") applies to withSnapshot(...).withCdc(...),"
              + " whose capture it continues; a snapshot or incremental read reads every table");
    }
    if (read.getIncrementalOptions() != null) {
      PCollectionRowTuple result = PCollectionRowTuple.empty(input.getPipeline());
      for (TableId table : tables) {
        IncrementalOptions options = getTableIncrementalOptions()
            .getOrDefault(table.toString(), read.getIncrementalOptions());
        PCollection<Row> rows = input.apply(
            table.toString(),
            readOf(table).withTable(dialect.quoteTable(table)).withIncremental(options));
        result = result.and(table.toString(), rows);
      }
      return result;
    }
    if (read.getCdcOptions() != null) {
      return expandCdc(input, config, dialect, tables);
    }
    List<SnapshotSpec> specs = new ArrayList<>();
    for (TableId table : tables) {
      TableMetadata metadata = TableDetector.detect(config, dialect, dialect.quoteTable(table));
      boolean singleReader = metadata.primaryKey().isEmpty() && !dialect.supportsPageRanges();
      HeliosDbIO.Read tableRead = readOf(table);
      specs.add(
          (singleReader ? tableRead.withParallelism(1) : tableRead)
              .snapshotSpec(input, config, dialect, metadata));
    }
    return input.apply(
        "Snapshot " + tables.size() + " tables", new TablesSnapshotRead(specs));
  }

  /**
   * CDC of every table through one log reader, each table's envelopes to its own output; after
   * a snapshot of every table if the read has snapshot options.
   */
  private PCollectionRowTuple expandCdc(
      PBegin input, ConnectionConfiguration config, Dialect dialect, List<TableId> tables) {
    HeliosDbIO.Read read = getRead();
    read.checkDialectSupportsMode(dialect);
    List<TableMetadata> metadata = new ArrayList<>();
    for (TableId table : tables) {
      metadata.add(TableDetector.detect(config, dialect, dialect.quoteTable(table)));
    }
    List<String> names = tables.stream().map(TableId::toString).toList();
    checkAddedTables(read, names);
    boolean continuing = !getAddedTables().isEmpty();
    List<SnapshotSpec> snapshots = new ArrayList<>();
    if (read.getSnapshotOptions() != null) {
      for (TableMetadata table : metadata) {
        boolean snapshotted = !continuing || getAddedTables().contains(table.table().toString());
        snapshots.add(snapshotted
            ? read.handoffSnapshotSpec(input, config, dialect, table, continuing)
            : null);
      }
    }
    CdcSpec spec = read.cdcSpec(input, config, dialect, metadata,
        HeliosDbIO.Read.defaultSlotName(SourceMetrics.databaseOf(config) + "_tables"),
        getSelection().matchesNewTables() ? getSelection() : null);
    if (continuing && read.getCdcOptions().getStartPosition() == null
        && TableDetector.keptPosition(config, dialect, spec.settings()) == null) {
      throw new IllegalArgumentException(
          "withAddedTables(" + getAddedTables() + ") continues an earlier capture of the other"
              + " tables from where it stopped, but " + spec.logReaderName() + " keeps no"
              + " position: name the earlier capture's slot with CdcOptions.withSlotName, or give"
              + " the last position of its output with CdcOptions.withStartPosition");
    }
    if (read.getSnapshotOptions() != null) {
      TableDetector.checkConsistentReads(config, dialect, "HeliosDbIO.readTables()"
          + ".withSnapshot(...).withCdc(...)");
      List<List<String>> sources = new ArrayList<>();
      for (TableId table : tables) {
        sources.add(TableDetector.changeSource(config, dialect, table));
      }
      return input.apply("Snapshot then CDC of " + tables.size() + " tables",
          new TablesSnapshotThenCdcRead(snapshots, spec, sources));
    }
    PCollectionTuple changes =
        input.apply("CDC of " + tables.size() + " tables", new CdcRead(spec));
    PCollectionRowTuple result = PCollectionRowTuple.empty(input.getPipeline());
    for (int i = 0; i < tables.size(); i++) {
      result = result.and(tables.get(i).toString(), changes.get(spec.outputTag(i)));
    }
    return result;
  }

  /** Added tables need snapshot then CDC and must name selected tables. */
  private void checkAddedTables(HeliosDbIO.Read read, List<String> names) {
    if (getAddedTables().isEmpty()) {
      return;
    }
    if (read.getSnapshotOptions() == null) {
      throw new IllegalArgumentException(
          "withAddedTables(" + getAddedTables() + ") applies to snapshot then CDC, whose added"
              + " tables are snapshotted: add withSnapshot(...). With withCdc(...) alone, restart"
              + " with the new list: an added table is streamed from the restart on");
    }
    for (String table : getAddedTables()) {
      if (!names.contains(table)) {
        throw new IllegalArgumentException(
            "withAddedTables(\"" + table + "\"): " + table + " is not one of the selected tables "
                + names + "; name it as namespace.table, as the catalog does");
      }
    }
    if (getAddedTables().size() == names.size()) {
      throw new IllegalArgumentException(
          "withAddedTables(" + getAddedTables() + ") names every selected table: there is no"
              + " earlier capture to continue; leave withAddedTables out");
    }
  }

  /** The read of one table: the set's, with that table's columns and row filter. */
  private HeliosDbIO.Read readOf(TableId table) {
    HeliosDbIO.Read read = getRead();
    List<String> columns = getTableColumns().get(table.toString());
    RowFilter filter = getTableRowFilters().get(table.toString());
    if (columns != null) {
      read = read.withColumns(columns);
    }
    return filter == null ? read : read.withRowFilter(filter);
  }

  /** Per-table columns and filters must name selected tables, and apply to no CDC read. */
  private void checkTableParts(HeliosDbIO.Read read, List<TableId> tables) {
    List<String> names = tables.stream().map(TableId::toString).toList();
    java.util.Set<String> named = new java.util.TreeSet<>(getTableColumns().keySet());
    named.addAll(getTableRowFilters().keySet());
    if (!named.isEmpty() && read.getCdcOptions() != null) {
      throw new IllegalArgumentException(
          "HeliosDbIO.readTables(): withColumns(table, ...) and withRowFilter(table, ...) for "
              + named + " do not apply to withCdc(...): change envelopes carry whole rows, and a"
              + " filter on the snapshot that the stream does not apply would disagree with it;"
              + " select fields or filter envelopes downstream");
    }
    for (String table : named) {
      if (!names.contains(table)) {
        throw new IllegalArgumentException(
            (getTableColumns().containsKey(table) ? "withColumns" : "withRowFilter") + "(\""
                + table + "\", ...): " + table + " is not one of the selected tables " + names
                + "; name it as namespace.table, as the catalog does");
      }
    }
  }

  /** Per-table incremental options need the read's own and must name a selected table. */
  private void checkTableIncrementalOptions(HeliosDbIO.Read read, List<TableId> tables) {
    if (getTableIncrementalOptions().isEmpty()) {
      return;
    }
    if (read.getIncrementalOptions() == null) {
      throw new IllegalArgumentException(
          "HeliosDbIO.readTables(): withIncremental(table, options) for "
              + getTableIncrementalOptions().keySet() + " needs withIncremental(options) for the"
              + " other tables too");
    }
    List<String> names = tables.stream().map(TableId::toString).toList();
    for (String table : getTableIncrementalOptions().keySet()) {
      if (!names.contains(table)) {
        throw new IllegalArgumentException(
            "withIncremental(\"" + table + "\", options): " + table + " is not one of the"
                + " selected tables " + names + "; name it as namespace.table, as the catalog"
                + " does");
      }
    }
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    getRead().populateDisplayData(builder);
    if (getSelection() != null) {
      builder.add(DisplayData.item("tableSelection", getSelection().describe())
          .withLabel("Tables selected by"));
    }
    if (resolvedTables != null) {
      builder.add(DisplayData.item("tables", String.join(", ", resolvedTables))
          .withLabel("Tables"));
    }
  }
}
