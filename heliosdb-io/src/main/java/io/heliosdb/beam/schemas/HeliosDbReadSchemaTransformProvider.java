package io.heliosdb.beam.schemas;

import com.google.auto.service.AutoService;
import io.heliosdb.beam.HeliosDbIO;
import java.util.List;
import java.util.Set;
import org.apache.beam.sdk.schemas.transforms.SchemaTransform;
import org.apache.beam.sdk.schemas.transforms.SchemaTransformProvider;
import org.apache.beam.sdk.schemas.transforms.TypedSchemaTransformProvider;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollectionRowTuple;

/**
 * {@code beam:schematransform:io.heliosdb:read:v1}: reads one table with {@link
 * HeliosDbIO#read()} in the configuration's {@code mode}; its rows (modes snapshot, incremental)
 * or change envelopes (modes cdc, snapshot_then_cdc) come out as the collection {@value #OUTPUT}.
 * The configuration is checked when the transform is built: an error names the field at fault.
 */
@AutoService(SchemaTransformProvider.class)
public class HeliosDbReadSchemaTransformProvider
    extends TypedSchemaTransformProvider<HeliosDbReadConfiguration> {
  public static final String IDENTIFIER = "beam:schematransform:io.heliosdb:read:v1";

  /** The name of the output collection. */
  public static final String OUTPUT = "output";

  @Override
  public String identifier() {
    return IDENTIFIER;
  }

  @Override
  public String description() {
    return "Reads a PostgreSQL, MySQL/MariaDB or Oracle table with HeliosDbIO: a parallel"
        + " snapshot (mode snapshot), a polling of a tracking column (incremental), its change"
        + " stream (cdc) or a snapshot followed by its change stream (snapshot_then_cdc). Output: "
        + OUTPUT + ", the table's rows, or change envelopes in modes cdc and snapshot_then_cdc.";
  }

  @Override
  public List<String> inputCollectionNames() {
    return List.of();
  }

  @Override
  public List<String> outputCollectionNames() {
    return List.of(OUTPUT);
  }

  @Override
  protected SchemaTransform from(HeliosDbReadConfiguration configuration) {
    String table = configuration.getTable();
    if (table == null || table.isBlank()) {
      throw new IllegalArgumentException("table is required");
    }
    ConfiguredRead configured = ConfiguredRead.of(
        configuration,
        List.of(
            new ConfiguredRead.FieldUse(
                "split_column", configuration.getSplitColumn(), ReadMode.SNAPSHOTS),
            new ConfiguredRead.FieldUse(
                "columns", configuration.getColumns(),
                Set.of(ReadMode.SNAPSHOT, ReadMode.INCREMENTAL))));
    HeliosDbIO.Read read = configured.toRead().withTable(table);
    if (configuration.getSplitColumn() != null) {
      HeliosDbIO.Read unsplit = read;
      read = ConfiguredRead.checked(
          "split_column", () -> unsplit.withSplitColumn(configuration.getSplitColumn()));
    }
    if (configuration.getColumns() != null) {
      HeliosDbIO.Read all = read;
      read = ConfiguredRead.checked(
          "columns", () -> all.withColumns(configuration.getColumns()));
    }
    return new ReadTable(read);
  }

  /** Applies the read and names its output. */
  private static final class ReadTable extends SchemaTransform {
    private final HeliosDbIO.Read read;

    ReadTable(HeliosDbIO.Read read) {
      this.read = read;
    }

    @Override
    public PCollectionRowTuple expand(PCollectionRowTuple input) {
      return PCollectionRowTuple.of(
          OUTPUT, PBegin.in(input.getPipeline()).apply("HeliosDbIO.read", read));
    }
  }
}
