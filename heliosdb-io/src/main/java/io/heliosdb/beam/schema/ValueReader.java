package io.heliosdb.beam.schema;

import java.sql.ResultSet;
import java.sql.SQLException;
import org.checkerframework.checker.nullness.qual.Nullable;

/** Reads one column of the current row as the Java value its Beam field type expects. */
@FunctionalInterface
public interface ValueReader {
  @Nullable
  Object read(ResultSet rs, int column) throws SQLException;
}
