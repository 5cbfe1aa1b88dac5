package io.heliosdb.beam.schemas;

import com.google.auto.service.AutoService;
import io.heliosdb.beam.HeliosDbIO;
import io.heliosdb.beam.ReadTables;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.schemas.transforms.SchemaTransform;
import org.apache.beam.sdk.schemas.transforms.SchemaTransformProvider;
import org.apache.beam.sdk.schemas.transforms.TypedSchemaTransformProvider;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollectionRowTuple;

/**
 * {@code beam:schematransform:io.heliosdb:read_tables:v1}: reads a set of tables with {@link
 * HeliosDbIO#readTables()}, given by exactly one of {@code tables}, {@code table_pattern} and
 * {@code namespace}, in any mode; in modes cdc and snapshot_then_cdc one log reader (one
 * PostgreSQL slot and publication, default {@code heliosdb_<database>_tables}) captures every
 * table. Each table comes out as its own collection, named {@code namespace.table} as the catalog
 * names it (for example {@code public.orders}); the names are known once the tables are resolved,
 * when the transform is expanded.
 */
@AutoService(SchemaTransformProvider.class)
public class HeliosDbReadTablesSchemaTransformProvider
    extends TypedSchemaTransformProvider<HeliosDbReadTablesConfiguration> {
  public static final String IDENTIFIER = "beam:schematransform:io.heliosdb:read_tables:v1";

  @Override
  public String identifier() {
    return IDENTIFIER;
  }

  @Override
  public String description() {
    return "Reads a set of PostgreSQL, MySQL/MariaDB or Oracle tables with HeliosDbIO, given by"
        + " a list (tables), a regular expression over namespace.table (table_pattern) or a"
        + " namespace, as a parallel snapshot (mode snapshot), by polling a tracking column"
        + " (incremental), as one change stream of all tables (cdc) or snapshots followed by"
        + " that stream (snapshot_then_cdc). Outputs: one collection per table, named"
        + " namespace.table: rows, or change envelopes in modes cdc and snapshot_then_cdc.";
  }

  @Override
  public List<String> inputCollectionNames() {
    return List.of();
  }

  /** None known in advance: one collection per table resolved, named {@code namespace.table}. */
  @Override
  public List<String> outputCollectionNames() {
    return List.of();
  }

  @Override
  protected SchemaTransform from(HeliosDbReadTablesConfiguration configuration) {
    List<String> selections = new ArrayList<>();
    if (configuration.getTables() != null) {
      selections.add("tables");
    }
    if (configuration.getTablePattern() != null) {
      selections.add("table_pattern");
    }
    if (configuration.getNamespace() != null) {
      selections.add("namespace");
    }
    if (selections.size() != 1) {
      throw new IllegalArgumentException(
          "exactly one of tables, table_pattern and namespace is required"
              + (selections.isEmpty() ? "" : ", not " + String.join(" and ", selections)));
    }
    ConfiguredRead configured = ConfiguredRead.of(configuration, List.of());
    ReadTables read = configured.toReadTables();
    if (configuration.getTables() != null) {
      ReadTables unselected = read;
      read = ConfiguredRead.checked(
          "tables", () -> unselected.withTables(configuration.getTables()));
    } else if (configuration.getTablePattern() != null) {
      read = read.withTablePattern(configuration.getTablePattern());
    } else {
      read = read.withNamespace(configuration.getNamespace());
    }
    return new ReadSelectedTables(read);
  }

  /** Applies the read; its outputs are named by their tables. */
  private static final class ReadSelectedTables extends SchemaTransform {
    private final ReadTables read;

    ReadSelectedTables(ReadTables read) {
      this.read = read;
    }

    @Override
    public PCollectionRowTuple expand(PCollectionRowTuple input) {
      return PBegin.in(input.getPipeline()).apply("HeliosDbIO.readTables", read);
    }
  }
}
