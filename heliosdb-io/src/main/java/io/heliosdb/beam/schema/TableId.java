package io.heliosdb.beam.schema;

import java.io.Serializable;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A table as the catalog names it: {@code namespace} is the PostgreSQL schema, the MySQL database
 * or the Oracle owner.
 */
public record TableId(@Nullable String namespace, String name) implements Serializable {
  @Override
  public String toString() {
    return namespace == null ? name : namespace + "." + name;
  }
}
