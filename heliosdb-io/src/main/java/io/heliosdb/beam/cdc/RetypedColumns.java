package io.heliosdb.beam.cdc;

import io.heliosdb.beam.dialect.Dialect;
import io.heliosdb.beam.schema.ColumnInfo;
import io.heliosdb.beam.schema.ColumnMapping;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.beam.sdk.schemas.Schema.FieldType;
import org.apache.beam.sdk.schemas.Schema.TypeName;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;

/**
 * Finds the columns whose type, as the change log declares it, no longer reads into the output
 * schema fixed when the pipeline was built. The connector reports each column's declared type
 * with every change ({@code column.propagate.source.type}); the dialect maps it as it mapped the
 * catalog's type ({@link Dialect#columnOfLog}, {@link Dialect#mapColumn}).
 *
 * <p>A column fits if its declared type is the one the pipeline was built with, or maps to the
 * same Beam type, or to a narrower one of the same kind whose every value the built type holds
 * exactly ({@link #fits}): a restart after {@code INT -> BIGINT} reads the changes from before
 * the change, of the old type, into the new schema. A column whose type the log does not report
 * is not checked.
 */
final class RetypedColumns {
  static final String SOURCE_TYPE = "__debezium.source.column.type";
  static final String SOURCE_LENGTH = "__debezium.source.column.length";
  static final String SOURCE_SCALE = "__debezium.source.column.scale";
  /** Beam types each of which holds every value of those before it. */
  private static final List<List<TypeName>> WIDENING = List.of(
      List.of(TypeName.BYTE, TypeName.INT16, TypeName.INT32, TypeName.INT64, TypeName.DECIMAL),
      List.of(TypeName.FLOAT, TypeName.DOUBLE));

  private final Dialect dialect;
  private final List<ColumnInfo> built;
  private final org.apache.beam.sdk.schemas.Schema rows;

  /**
   * @param built the table's columns when the pipeline was built
   * @param rows their Beam schema (the envelope's {@code before} and {@code after})
   */
  RetypedColumns(Dialect dialect, List<ColumnInfo> built, org.apache.beam.sdk.schemas.Schema rows) {
    this.dialect = dialect;
    this.built = built;
    this.rows = rows;
  }

  /**
   * The columns of a change's row schema whose declared type does not fit, each as {@code name:
   * built type -> log type}; empty if all fit.
   */
  List<String> in(Schema logRow) {
    List<String> retyped = new ArrayList<>();
    for (int i = 0; i < built.size(); i++) {
      ColumnInfo column = built.get(i);
      Field field = logRow.field(column.name());
      Map<String, String> parameters = field == null ? null : field.schema().parameters();
      if (parameters == null || parameters.get(SOURCE_TYPE) == null) {
        continue;
      }
      ColumnInfo logged = dialect.columnOfLog(column.name(), parameters.get(SOURCE_TYPE),
          number(parameters.get(SOURCE_LENGTH)), number(parameters.get(SOURCE_SCALE)));
      if (!column.describeType().equals(logged.describeType())
          && !fits(dialect.mapColumn(logged), rows.getField(i).getType())) {
        retyped.add(column.name() + ": " + column.describeType() + " -> "
            + logged.describeType());
      }
    }
    return retyped;
  }

  private static boolean fits(Optional<ColumnMapping> logged, FieldType built) {
    return logged.isPresent() && fits(logged.get().fieldType(), built);
  }

  /**
   * Whether every value of Beam type {@code log} reads exactly as a value of {@code built}: the
   * same type, or a narrower integer (decimal) or floating-point type. Nullability is not
   * compared.
   */
  static boolean fits(FieldType log, FieldType built) {
    if (log.withNullable(false).equals(built.withNullable(false))) {
      return true;
    }
    for (List<TypeName> kind : WIDENING) {
      int from = kind.indexOf(log.getTypeName());
      if (from >= 0 && kind.indexOf(built.getTypeName()) >= from) {
        return true;
      }
    }
    return false;
  }

  private static int number(String parameter) {
    try {
      return parameter == null ? 0 : Integer.parseInt(parameter);
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
