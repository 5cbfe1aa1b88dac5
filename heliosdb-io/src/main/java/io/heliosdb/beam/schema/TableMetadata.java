package io.heliosdb.beam.schema;

import java.io.Serializable;
import java.util.List;
import java.util.Optional;

/** The columns of a table, in catalog order, and its primary key (empty if it has none). */
public record TableMetadata(TableId table, List<ColumnInfo> columns, List<String> primaryKey)
    implements Serializable {

  public TableMetadata {
    columns = List.copyOf(columns);
    primaryKey = List.copyOf(primaryKey);
  }

  public Optional<ColumnInfo> column(String name) {
    return columns.stream().filter(c -> c.name().equals(name)).findFirst();
  }

  public int indexOf(String name) {
    for (int i = 0; i < columns.size(); i++) {
      if (columns.get(i).name().equals(name)) {
        return i;
      }
    }
    return -1;
  }
}
