package io.heliosdb.beam.snapshot;

import io.heliosdb.beam.ConnectionConfiguration;
import io.heliosdb.beam.dialect.Dialect;
import io.heliosdb.beam.schema.ColumnInfo;
import io.heliosdb.beam.schema.TableMetadata;
import io.heliosdb.beam.schema.TableSchema;
import io.heliosdb.beam.schema.TypeOptions;
import io.heliosdb.beam.sql.TablePart;
import java.io.Serializable;
import java.util.List;
import java.util.Set;
import org.apache.beam.sdk.schemas.Schema.TypeName;

/**
 * Everything the snapshot DoFns need, decided and validated when the pipeline is built.
 *
 * @param splitColumns the primary key, or the user's split column (unique and indexed); empty
 *     for keyless reads
 * @param outputBatchSize rows read, claimed and emitted together (and rows per output element
 *     when {@code batchedOutput})
 * @param batchedOutput whether the splittable DoFn outputs lists of rows that a following step
 *     flattens, rather than rows: for the Direct runner, see {@link ReadSnapshotSplitDoFn.Batches}
 * @param part the columns and rows of the table that the read outputs
 */
public record SnapshotSpec(
    ConnectionConfiguration connection,
    Dialect dialect,
    TableMetadata table,
    List<String> splitColumns,
    SplitStrategy strategy,
    int chunkSize,
    int fetchSize,
    int parallelism,
    int outputBatchSize,
    boolean batchedOutput,
    TypeOptions types,
    TablePart part)
    implements Serializable {

  private static final Set<TypeName> INTEGRAL =
      Set.of(TypeName.BYTE, TypeName.INT16, TypeName.INT32, TypeName.INT64);

  /**
   * Chooses the split strategy for a table.
   *
   * @throws IllegalArgumentException if the split column does not exist, or the table has no key
   *     and can be read neither by pages nor by a single reader
   */
  public static SnapshotSpec create(
      ConnectionConfiguration connection,
      Dialect dialect,
      TableMetadata table,
      String splitColumn,
      boolean boundaryChunks,
      int chunkSize,
      int fetchSize,
      int parallelism,
      int outputBatchSize,
      boolean batchedOutput,
      TypeOptions types) {
    List<String> splitColumns;
    if (splitColumn != null) {
      if (table.column(splitColumn).isEmpty()) {
        throw new IllegalArgumentException(
            "withSplitColumn(\"" + splitColumn + "\"): table " + table.table()
                + " has no such column; its columns are "
                + table.columns().stream().map(ColumnInfo::name).toList());
      }
      if (!table.uniqueColumns().contains(splitColumn)
          && !table.primaryKey().equals(List.of(splitColumn))) {
        throw new IllegalArgumentException(
            "withSplitColumn(\"" + splitColumn + "\"): column " + splitColumn + " of table "
                + table.table() + " has no unique index of its own; a split column must be"
                + " unique and indexed (columns with one: " + table.uniqueColumns() + ")");
      }
      splitColumns = List.of(splitColumn);
    } else {
      splitColumns = table.primaryKey();
    }
    SplitStrategy strategy;
    if (splitColumns.isEmpty()) {
      if (dialect.supportsPageRanges()) {
        strategy = SplitStrategy.PAGE_RANGES;
      } else if (parallelism == 1) {
        strategy = SplitStrategy.SINGLE_SCAN;
      } else {
        throw new IllegalArgumentException(
            "HeliosDbIO.read(): table " + table.table() + " has no primary key; name a unique,"
                + " indexed column with withSplitColumn(...), or read it with withParallelism(1)");
      }
    } else if (splitColumns.size() == 1 && !boundaryChunks && isIntegral(table, splitColumns,
        dialect, types)) {
      strategy = SplitStrategy.KEY_RANGES;
    } else {
      strategy = SplitStrategy.CHUNK_BOUNDARIES;
    }
    return new SnapshotSpec(
        connection, dialect, table, splitColumns, strategy, chunkSize, fetchSize, parallelism,
        outputBatchSize, batchedOutput, types, TablePart.WHOLE);
  }

  private static boolean isIntegral(
      TableMetadata table, List<String> columns, Dialect dialect, TypeOptions types) {
    TableSchema keySchema = keySchema(table, columns, dialect, types);
    return INTEGRAL.contains(keySchema.schema().getField(0).getType().getTypeName());
  }

  /** The Beam schema of the rows the read outputs: the table's, or its projected columns'. */
  public TableSchema tableSchema() {
    return types.schemaOf(part.output(table), dialect::mapColumn);
  }

  /**
   * The columns the read's queries select: the output columns, then the split column if the
   * output lacks it and key ranges read their position from it.
   */
  public TableMetadata selectedColumns() {
    return part.selected(
        table, strategy == SplitStrategy.KEY_RANGES ? splitColumns : List.of());
  }

  /**
   * This read, outputting only {@code part} of the table.
   *
   * @throws IllegalArgumentException if the table lacks a projected column
   */
  public SnapshotSpec withPart(TablePart part) {
    part.checkColumnsOf(table);
    return new SnapshotSpec(
        connection, dialect, table, splitColumns, strategy, chunkSize, fetchSize, parallelism,
        outputBatchSize, batchedOutput, types, part);
  }

  /** The Beam schema of the split key (empty for keyless reads). */
  public TableSchema keySchema() {
    return keySchema(table, splitColumns, dialect, types);
  }

  private static TableSchema keySchema(
      TableMetadata table, List<String> columns, Dialect dialect, TypeOptions types) {
    List<ColumnInfo> keyColumns =
        columns.stream().map(c -> table.column(c).orElseThrow()).toList();
    return types.exactSchemaOf(
        new TableMetadata(table.table(), keyColumns, List.of(), List.of()), dialect::mapColumn);
  }

  /** Whether the single split column accepts NULL, whose rows need a split of their own. */
  public boolean splitKeyNullable() {
    return splitColumns.size() == 1 && table.column(splitColumns.get(0)).orElseThrow().nullable();
  }

  /** This read with {@code readers} splits planned instead. */
  public SnapshotSpec withParallelism(int readers) {
    return new SnapshotSpec(
        connection, dialect, table, splitColumns, strategy, chunkSize, fetchSize, readers,
        outputBatchSize, batchedOutput, types, part);
  }

  /** A short label for logs: the table. */
  public String label() {
    return table.table().toString();
  }
}
