package io.heliosdb.beam;

/** A column whose database type has no Beam mapping; names the column and its type. */
public class SchemaMappingException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public SchemaMappingException(String table, String column, String databaseType) {
    super(
        String.format(
            "Column %s of table %s has type %s, which HeliosDbIO cannot map to a Beam type; "
                + "use withUnknownTypesAsString(true) to read it as a string",
            column, table, databaseType));
  }
}
