package io.heliosdb.beam.schemas;

/** The descriptions of the configuration fields, shared by both schema transforms. */
final class FieldDescriptions {
  private FieldDescriptions() {}

  static final String TABLE =
      "The table, as table or namespace.table (PostgreSQL schema, MySQL database, Oracle owner);"
          + " required.";
  static final String SPLIT_COLUMN =
      "Unique, indexed column the snapshot splits by instead of the primary key. Modes snapshot,"
          + " snapshot_then_cdc (there it must be the primary key).";
  static final String COLUMNS =
      "The columns to output, in this order, named as the catalog stores them; default all."
          + " Modes snapshot, incremental.";
  static final String TABLES = "The tables to read, each as table or namespace.table.";
  static final String TABLE_PATTERN =
      "Reads every table whose namespace.table matches this regular expression whole.";
  static final String NAMESPACE =
      "Reads every table of this namespace (PostgreSQL schema, MySQL database, Oracle owner).";
  static final String JDBC_URL =
      "JDBC URL of the database (jdbc:postgresql:, jdbc:mysql:, jdbc:mariadb:, jdbc:oracle:) or"
          + " postgresql://user:password@host:port/database (mysql://, mariadb://, oracle://).";
  static final String USERNAME = "Database user; CDC needs it.";
  static final String PASSWORD = "Database password; never logged or shown.";
  static final String MODE =
      "Read mode: snapshot (default), incremental, cdc or snapshot_then_cdc.";
  static final String PARALLELISM =
      "Parallel snapshot readers, 1 to 1024 (default 4). Modes snapshot, snapshot_then_cdc.";
  static final String CHUNK_SIZE =
      "Rows per snapshot chunk, at least 1 (default 50000). Modes snapshot, snapshot_then_cdc.";
  static final String FETCH_SIZE =
      "Rows fetched per round trip, at least 1 (default 10000). Modes snapshot, incremental,"
          + " snapshot_then_cdc.";
  static final String TRACKING_COLUMN =
      "Column polled for new and updated rows (a timestamp or an increasing integer). Required"
          + " by mode incremental, and only there.";
  static final String POLL_INTERVAL_SECONDS =
      "Seconds between polls once caught up, 1 to 3600 (default 10). Mode incremental.";
  static final String COMMIT_DELAY_SECONDS =
      "How many seconds after its tracking value a row's transaction may still commit, 0 to"
          + " 86400 (default 10). Mode incremental.";
  static final String SLOT_NAME =
      "PostgreSQL replication slot, created if missing (default heliosdb_<schema>_<table>)."
          + " Modes cdc, snapshot_then_cdc.";
  static final String PUBLICATION_NAME =
      "PostgreSQL publication, created if missing (default the slot's name). Modes cdc,"
          + " snapshot_then_cdc.";
  static final String SERVER_ID =
      "Replica server id of a MySQL/MariaDB binlog reader, 1 to 2^32 - 1 (default drawn per"
          + " read). Modes cdc, snapshot_then_cdc.";
  static final String START_POSITION =
      "Where the change stream starts: a position from the output's position field, a"
          + " PostgreSQL LSN, a binlog file:offset, a MariaDB GTID list (default the slot's"
          + " position or the binlog's end). Mode cdc.";
  static final String HEARTBEAT_SECONDS =
      "Seconds between heartbeats that advance the watermark, 1 to 3600 (default 10). Modes"
          + " cdc, snapshot_then_cdc.";
  static final String UNKNOWN_TYPES_AS_STRING =
      "Read columns of types without a Beam mapping as strings instead of failing (default"
          + " false).";
  static final String MILLISECOND_TIMESTAMPS =
      "Output date-time columns as millisecond timestamps (Beam DATETIME)"
          + " instead of the exact logical types; date-times without a zone are read as UTC"
          + " (default false).";
}
