package io.heliosdb.beam.schema;

import java.io.Serializable;
import java.util.List;
import java.util.Optional;

/**
 * The columns of a table, in catalog order, its primary key (empty if it has none) and the
 * columns that alone carry a unique index (candidates for {@code withSplitColumn}).
 */
public record TableMetadata(
    TableId table, List<ColumnInfo> columns, List<String> primaryKey, List<String> uniqueColumns)
    implements Serializable {

  public TableMetadata {
    columns = List.copyOf(columns);
    primaryKey = List.copyOf(primaryKey);
    uniqueColumns = List.copyOf(uniqueColumns);
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
