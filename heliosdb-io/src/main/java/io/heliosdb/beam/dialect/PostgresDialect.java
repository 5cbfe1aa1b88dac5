package io.heliosdb.beam.dialect;

import io.heliosdb.beam.schema.ColumnInfo;
import io.heliosdb.beam.schema.ColumnMapping;
import io.heliosdb.beam.schema.Mappings;
import io.heliosdb.beam.schema.TableId;
import io.heliosdb.beam.schema.TableMetadata;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.Optional;
import org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Throwables;
import org.checkerframework.checker.nullness.qual.Nullable;

/** PostgreSQL: pgjdbc cursors for streaming, {@code ctid} page ranges for tables without key. */
public final class PostgresDialect extends CatalogDialect implements ExclusiveLogReader,
    ChangeLogClock {
  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(PostgresDialect.class);

  private static final long serialVersionUID = 1L;

  public PostgresDialect() {
    super('"');
  }

  @Override
  public String name() {
    return "postgresql";
  }

  @Override
  String foldUnquoted(String identifier) {
    return identifier.toLowerCase(Locale.ROOT);
  }

  @Override
  String currentNamespace(Connection connection) throws SQLException {
    return connection.getSchema();
  }

  /** Ordinary and partitioned tables, not partitions, that the user may select from. */
  @Override
  String listTablesSql(boolean oneNamespace) {
    return "SELECT n.nspname, c.relname FROM pg_catalog.pg_class c"
        + " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
        + " WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition"
        + " AND has_table_privilege(c.oid, 'SELECT')"
        + (oneNamespace
            ? " AND n.nspname = ?"
            : " AND n.nspname NOT IN ('pg_catalog', 'information_schema')"
                + " AND n.nspname NOT LIKE 'pg\\_%'")
        + " ORDER BY n.nspname, c.relname";
  }

  /**
   * The first column of each index of the table, from {@code pg_index}: pgjdbc's {@code
   * getIndexInfo} reports a column whose name needs quoting with its quotes doubled.
   */
  private static final String INDEX_FIRST_COLUMNS =
      "SELECT a.attname FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid"
          + " JOIN pg_namespace n ON n.oid = c.relnamespace"
          + " JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]"
          + " WHERE n.nspname = ? AND c.relname = ?";

  /** Unique indexes of one column, neither partial nor on an expression. */
  @Override
  List<String> uniqueColumns(Connection connection, TableId table) throws SQLException {
    List<String> columns = new java.util.ArrayList<>();
    forEachRow(
        connection,
        INDEX_FIRST_COLUMNS + " AND i.indisunique AND i.indnkeyatts = 1 AND i.indpred IS NULL"
            + " AND i.indexprs IS NULL ORDER BY 1",
        rs -> columns.add(rs.getString(1)),
        table.namespace(),
        table.name());
    return columns;
  }

  @Override
  public boolean hasIndexLeadingWith(Connection connection, TableId table, String column)
      throws SQLException {
    return queryLong(
            connection,
            "SELECT COUNT(*) FROM (" + INDEX_FIRST_COLUMNS + ") f WHERE f.attname = ?",
            0,
            table.namespace(),
            table.name(),
            column)
        > 0;
  }

  @Override
  public Optional<ColumnMapping> mapColumn(ColumnInfo column) {
    String type = column.typeName();
    if (type.startsWith("_")) {
      Optional<ColumnMapping> element =
          scalar(new ColumnInfo(column.name(), 0, type.substring(1), "", 0, 0, true));
      return element.map(Mappings::arrayOf);
    }
    return scalar(column);
  }

  private static Optional<ColumnMapping> scalar(ColumnInfo column) {
    ColumnMapping mapping =
        switch (column.typeName()) {
          case "int2", "smallserial" -> Mappings.INT16;
          case "int4", "serial" -> Mappings.INT32;
          case "int8", "bigserial", "oid" -> Mappings.INT64;
          case "float4" -> Mappings.FLOAT;
          case "float8" -> Mappings.DOUBLE;
          case "numeric" -> Mappings.DECIMAL;
          case "bool" -> Mappings.BOOLEAN;
          case "bit" -> column.precision() == 1 ? Mappings.BOOLEAN : Mappings.STRING;
          case "varbit",
              "char",
              "bpchar",
              "varchar",
              "text",
              "name",
              "citext",
              "json",
              "jsonb",
              "xml",
              "interval",
              "timetz" -> Mappings.STRING;
          case "bytea" -> Mappings.BYTES;
          case "date" -> Mappings.LOCAL_DATE;
          case "time" -> Mappings.LOCAL_TIME;
          case "timestamp" -> Mappings.LOCAL_DATE_TIME;
          case "timestamptz" -> PostgresInfinity.TIMESTAMPTZ;
          case "uuid" -> Mappings.UUID_OBJECT;
          default -> null;
        };
    if (mapping != null) {
      return Optional.of(mapping);
    }
    // user-defined enums are reported as VARCHAR by pgjdbc
    return column.jdbcType() == java.sql.Types.VARCHAR
        ? Optional.of(Mappings.STRING)
        : Optional.empty();
  }

  @Override
  public String limitClause() {
    return "LIMIT ?";
  }

  @Override
  public void configureStreaming(Connection connection, Statement statement, int fetchSize)
      throws SQLException {
    connection.setAutoCommit(false); // pgjdbc uses a cursor only inside a transaction
    statement.setFetchSize(fetchSize);
  }

  @Override
  public String commitCutoffQuery(ColumnInfo trackingColumn) {
    String cutoff = "CURRENT_TIMESTAMP - CAST(? AS bigint) * INTERVAL '1 microsecond'";
    String typed =
        trackingColumn.typeName().equals("timestamptz")
            ? cutoff
            : "LOCALTIMESTAMP - CAST(? AS bigint) * INTERVAL '1 microsecond'";
    return "SELECT " + typed + ", (" + cutoff + ") AT TIME ZONE 'UTC'";
  }

  @Override
  public String utcNowExpression() {
    return "CURRENT_TIMESTAMP AT TIME ZONE 'UTC'";
  }

  /**
   * The {@code wal_level} part of {@link #checkChangeCaptureSetup}, given the server's setting.
   *
   * @throws IllegalStateException unless {@code walLevel} is {@code logical}
   */
  public static void requireLogicalWal(String walLevel) {
    if (!"logical".equals(walLevel)) {
      throw new IllegalStateException(
          "CDC on PostgreSQL needs wal_level = logical, but the server runs with wal_level = "
              + walLevel + ". Run ALTER SYSTEM SET wal_level = logical (or set it in"
              + " postgresql.conf) and restart the server");
    }
  }

  /**
   * {@code wal_level = logical}, and the login role's right to stream ({@link
   * PostgresReplicationRight}).
   */
  @Override
  public void checkChangeCaptureSetup(Connection connection) throws SQLException {
    requireLogicalWal(queryString(connection, "SHOW wal_level"));
    PostgresReplicationRight.check(connection, this);
  }

  @Override
  public String currentLogPosition(Connection connection) throws SQLException {
    return queryString(connection, "SELECT CAST(pg_current_wal_lsn() AS text)");
  }

  @Override
  public long logBytesBehind(Connection connection, Map<String, ?> offset) throws SQLException {
    if (!(offset.get("lsn") instanceof Number lsn)) {
      return -1;
    }
    String end = queryString(connection,
        "SELECT CAST(pg_wal_lsn_diff(pg_current_wal_lsn(), CAST('0/0' AS pg_lsn)) AS bigint)");
    return Math.max(0, Long.parseLong(end) - lsn.longValue());
  }

  /**
   * The statement's start, or the start of the oldest statement that a session of this database
   * (the slot's) holding a transaction id is running: a transaction takes its commit time, the
   * event time of its changes, during a statement, so one not committing yet commits later. Then
   * the WAL's insert position, read after: a transaction that took its commit time before the
   * statement started was running that statement when the activity was read, so it is counted,
   * or its commit record is before that position. When other roles' sessions are hidden (the
   * user lacks {@code pg_read_all_stats}), a second before the statement's start instead.
   */
  @Override
  public LogBound readLogBound(Connection connection) throws SQLException {
    java.time.Instant[] earliest = {null};
    long[] hidden = {0};
    forEachRow(
        connection,
        "SELECT statement_timestamp(), MIN(query_start) FILTER (WHERE backend_xid IS NOT NULL"
            + " AND state NOT IN ('idle in transaction', 'idle in transaction (aborted)')),"
            + " COUNT(*) FILTER (WHERE query = '<insufficient privilege>'"
            + " OR (state = 'disabled' AND backend_xid IS NOT NULL))"
            + " FROM pg_stat_activity WHERE datname = current_database()"
            // other roles' rows show no backend_type: counted as hidden
            + " AND (backend_type IS NULL OR backend_type <> 'autovacuum worker')"
            + " AND pid <> pg_backend_pid()",
        rs -> {
          java.time.Instant now = rs.getObject(1, java.time.OffsetDateTime.class).toInstant();
          java.time.OffsetDateTime oldest = rs.getObject(2, java.time.OffsetDateTime.class);
          earliest[0] =
              oldest == null || now.isBefore(oldest.toInstant()) ? now : oldest.toInstant();
          hidden[0] = rs.getLong(3);
        });
    String caveat = null;
    if (hidden[0] > 0) {
      earliest[0] = earliest[0].minusSeconds(1);
      String user = queryString(connection, "SELECT current_user");
      caveat = "the CDC watermark allows 1 s for commits in progress: user " + user
          + " cannot see what " + hidden[0] + " session(s) of other roles run. GRANT"
          + " pg_read_all_stats TO " + quoteIdentifier(user) + " makes it exact";
    }
    long[] end = {-1, 0, 0};
    forEachRow(
        connection,
        "SELECT CAST(pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0') AS bigint),"
            + " CAST(current_setting('wal_block_size') AS bigint), CAST(setting AS bigint)"
            + " FROM pg_settings WHERE name = 'wal_segment_size'",
        rs -> {
          end[0] = rs.getLong(1);
          end[1] = rs.getLong(2);
          end[2] = rs.getLong(3);
        });
    return new LogBound(earliest[0], recordBoundary(end[0], end[1], end[2]), caveat);
  }

  /**
   * The end of the last WAL record before {@code insertLsn}: the insert position skips the header
   * of a page it stands at the start of (24 bytes, 40 on a segment's first page), where the last
   * record ends and where the log reader's position stops.
   */
  static long recordBoundary(long insertLsn, long pageSize, long segmentSize) {
    if (segmentSize > 0 && insertLsn % segmentSize == 40) {
      return insertLsn - 40;
    }
    if (pageSize > 0 && insertLsn % pageSize == 24) {
      return insertLsn - 24;
    }
    return insertLsn;
  }

  /**
   * The WAL position the slot's reader reported received ({@code write_lsn} of its WAL sender):
   * the client reports the end of the WAL the server decoded for it, so once the connector's
   * queue is drained after this call, every transaction committed before it has been read.
   */
  @Override
  public long logReceived(
      Connection connection, ChangeCaptureSettings settings, Map<String, ?> offset)
      throws SQLException {
    return queryLong(
        connection,
        "SELECT CAST(pg_wal_lsn_diff(r.write_lsn, '0/0') AS bigint) FROM pg_replication_slots s"
            + " JOIN pg_stat_replication r ON r.pid = s.active_pid WHERE s.slot_name = ?",
        -1,
        settings.slotName());
  }

  @Override
  public Library jdbcDriver() {
    return Library.jdbcDriver("org.postgresql.Driver", "org.postgresql", "postgresql");
  }

  @Override
  public Library changeConnector() {
    return Library.debeziumConnector(changeTaskClass(), "debezium-connector-postgres");
  }

  @Override
  public String changeTaskClass() {
    return "io.debezium.connector.postgresql.PostgresConnectorTask";
  }

  @Override
  public Map<String, String> changeTaskProperties(
      String jdbcUrl, String redactedUrl, ChangeCaptureSettings settings) {
    ChangeCaptureSettings.Endpoint endpoint =
        ChangeCaptureSettings.endpoint(jdbcUrl, 5432, redactedUrl);
    Map<String, String> properties =
        changeProperties("io.debezium.connector.postgresql.PostgresConnector", settings);
    properties.put("database.hostname", endpoint.host());
    properties.put("database.port", String.valueOf(endpoint.port()));
    properties.put("database.dbname", endpoint.database());
    properties.put("plugin.name", "pgoutput");
    properties.put("slot.name", settings.slotName());
    properties.put("publication.name", settings.publicationName());
    properties.put("publication.autocreate.mode", "disabled"); // prepared by prepareChangeCapture
    properties.put("snapshot.mode", "no_data");
    properties.put("interval.handling.mode", "string");
    properties.put("slot.max.retries", "3");
    // how soon the server learns how far the reader received the WAL (logReceived), and so how
    // far behind the database's clock the watermark runs (Debezium's default: 10 s)
    properties.put("status.update.interval.ms", "1000");
    properties.put("slot.retry.delay.ms", "2000");
    emitTruncatesAndDeclaredTypes(properties);
    properties.putAll(tlsProperties(jdbcUrl));
    return properties;
  }

  /** The {@code sslmode} values of the PostgreSQL JDBC driver, which the connector takes as well. */
  private static final List<String> SSL_MODES =
      List.of("disable", "allow", "prefer", "require", "verify-ca", "verify-full");

  /**
   * The connector's TLS settings from the JDBC URL's: {@code sslmode} (else {@code verify-full}
   * if {@code ssl=true}, as the driver does, else the driver's default {@code prefer}), and the
   * certificate, key and factory parameters.
   *
   * @throws IllegalArgumentException if {@code sslmode} is not a value the driver knows
   */
  static Map<String, String> tlsProperties(String jdbcUrl) {
    Map<String, String> parameters = JdbcUrlParameters.of(jdbcUrl);
    String mode = parameters.get("sslmode");
    if (mode == null) {
      mode = JdbcUrlParameters.isTrue(parameters, "ssl") ? "verify-full" : "prefer";
    } else if (!SSL_MODES.contains(mode)) {
      throw new IllegalArgumentException(
          "The JDBC URL's sslmode=" + mode + " is none of " + SSL_MODES);
    }
    Map<String, String> properties = new java.util.HashMap<>();
    properties.put("database.sslmode", mode);
    JdbcUrlParameters.copy(parameters, Map.of(
        "sslrootcert", "database.sslrootcert",
        "sslcert", "database.sslcert",
        "sslkey", "database.sslkey",
        "sslpassword", "database.sslpassword",
        "sslfactory", "database.sslfactory"), properties);
    return properties;
  }

  @Override
  public String logReaderKey(String jdbcUrl, String redactedUrl, ChangeCaptureSettings settings) {
    ChangeCaptureSettings.Endpoint endpoint =
        ChangeCaptureSettings.endpoint(jdbcUrl, 5432, redactedUrl);
    return logReaderName(settings) + " of " + endpoint.database() + " at " + endpoint.host() + ":"
        + endpoint.port();
  }

  @Override
  public String logReaderName(ChangeCaptureSettings settings) {
    return "replication slot " + settings.slotName();
  }

  @Override
  public String logReaderOption() {
    return "CdcOptions.withSlotName";
  }

  /** The slot is free if it is missing or not active ({@code pg_replication_slots.active}). */
  @Override
  public void checkLogReaderFree(Connection connection, ChangeCaptureSettings settings)
      throws SQLException {
    String[] holder = {null, null, null, null};
    forEachRow(
        connection,
        "SELECT CAST(s.active_pid AS text), CAST(r.client_addr AS text), r.application_name,"
            + " CAST(date_trunc('second', r.backend_start) AS text) FROM pg_replication_slots s"
            + " LEFT JOIN pg_stat_replication r ON r.pid = s.active_pid"
            + " WHERE s.slot_name = ? AND s.active",
        rs -> {
          for (int i = 0; i < holder.length; i++) {
            holder[i] = rs.getString(i + 1);
          }
        },
        settings.slotName());
    if (holder[0] == null) {
      return;
    }
    throw new IllegalStateException(
        "CDC of " + settings.describeTables() + ": " + logReaderName(settings)
            + " is in use by server"
            + " process " + holder[0] + " (client " + (holder[1] == null ? "local" : holder[1])
            + ", application '" + holder[2] + "', since " + holder[3] + "): another pipeline or"
            + " read streams from it, and a slot serves one stream. Give this read its own slot"
            + " with CdcOptions.withSlotName(...). If that process belongs to a stopped pipeline,"
            + " it ends within the server's wal_sender_timeout, or at once with SELECT"
            + " pg_terminate_backend(" + holder[0] + ")");
  }

  /** {@code replication slot "s" is active for PID n} (SQLState 55006, object in use). */
  @Override
  public boolean isLogReaderBusy(Throwable error) {
    for (Throwable e : Throwables.getCausalChain(error)) {
      if ((e instanceof SQLException sql && "55006".equals(sql.getSQLState()))
          || (e.getMessage() != null && SLOT_ACTIVE.matcher(e.getMessage()).find())) {
        return true;
      }
    }
    return false;
  }

  private static final Pattern SLOT_ACTIVE = Pattern.compile("replication slot .* is active");

  /**
   * A replica identity (so that, once the table is in a publication, its updates and deletes do
   * not fail) and a usable slot, if one of that name exists.
   */
  @Override
  public void checkChangeCaptureOf(
      Connection connection, TableMetadata table, ChangeCaptureSettings settings,
      String startPosition)
      throws SQLException {
    String identity =
        queryString(
            connection,
            "SELECT CAST(c.relreplident AS text) FROM pg_class c JOIN pg_namespace n"
                + " ON n.oid = c.relnamespace WHERE n.nspname = ? AND c.relname = ?",
            table.table().namespace(),
            table.table().name());
    if ("n".equals(identity) || ("d".equals(identity) && table.primaryKey().isEmpty())) {
      throw new IllegalStateException(
          "CDC of table " + table.table() + " needs a replica identity, which it lacks ("
              + ("n".equals(identity) ? "REPLICA IDENTITY NOTHING" : "no primary key")
              + "): once the table is in a publication, its UPDATEs and DELETEs would fail. Run"
              + " ALTER TABLE " + quoteTable(table.table()) + " REPLICA IDENTITY FULL, or add a"
              + " primary key");
    }
    existingSlot(connection, settings.slotName());
    checkPublishedOperations(connection, settings);
  }

  /** The operations a publication must publish: each one it leaves out never reaches CDC. */
  private static final List<String> OPERATIONS = List.of("insert", "update", "delete", "truncate");

  /**
   * A publication of that name, if one exists, must publish every operation CDC emits.
   *
   * @throws IllegalStateException naming the publication and the operations it leaves out
   */
  private void checkPublishedOperations(Connection connection, ChangeCaptureSettings settings)
      throws SQLException {
    List<String> missing = new java.util.ArrayList<>();
    forEachRow(
        connection,
        "SELECT pubinsert, pubupdate, pubdelete, pubtruncate FROM pg_publication"
            + " WHERE pubname = ?",
        rs -> {
          for (int i = 0; i < OPERATIONS.size(); i++) {
            if (!rs.getBoolean(i + 1)) {
              missing.add(OPERATIONS.get(i));
            }
          }
        },
        settings.publicationName());
    if (!missing.isEmpty()) {
      throw new IllegalStateException(
          "CDC of " + settings.subject() + " reads publication "
              + settings.publicationName() + ", which does not publish " + missing
              + ": those changes would never reach the stream. Run ALTER PUBLICATION "
              + quoteIdentifier(settings.publicationName()) + " SET (publish = '"
              + String.join(", ", OPERATIONS) + "'), or name another publication with"
              + " CdcOptions.withPublicationName");
    }
  }

  /**
   * The confirmed position of the slot, or null if there is no slot of that name.
   *
   * @throws IllegalStateException if the slot is not a pgoutput slot of this database
   */
  private static @Nullable String existingSlot(Connection connection, String slotName)
      throws SQLException {
    String[] slot = {null, null, null, null};
    forEachRow(
        connection,
        "SELECT slot_type, plugin, database, CAST(confirmed_flush_lsn AS text)"
            + " FROM pg_replication_slots WHERE slot_name = ?",
        rs -> {
          for (int i = 0; i < slot.length; i++) {
            slot[i] = rs.getString(i + 1);
          }
        },
        slotName);
    if (slot[0] == null) {
      return null;
    }
    if (!"pgoutput".equals(slot[1])) {
      throw new IllegalStateException(
          "Replication slot " + slotName
              + ("logical".equals(slot[0]) ? " decodes with " + slot[1] : " is a physical slot")
              + "; CDC needs a pgoutput slot: name another slot with CdcOptions.withSlotName");
    }
    String database = queryString(connection, "SELECT current_database()");
    if (!database.equals(slot[2])) {
      throw new IllegalStateException(
          "Replication slot " + slotName + " belongs to database " + slot[2] + ", not "
              + database + ": name another slot with CdcOptions.withSlotName");
    }
    return slot[3] == null ? "" : slot[3];
  }

  @Override
  public @Nullable String keptPosition(Connection connection, ChangeCaptureSettings settings)
      throws SQLException {
    return existingSlot(connection, settings.slotName());
  }

  @Override
  public void updateCapturedTables(Connection connection, ChangeCaptureSettings settings)
      throws SQLException {
    preparePublication(connection, settings);
  }

  /** The comment that marks a publication HeliosDbIO created, and so may narrow. */
  static final String OWN_PUBLICATION = "Created by HeliosDbIO for its CDC reads";

  /**
   * Checks the slot before creating anything; creates the publication for the read's tables, or
   * adds the tables it lacks (a publication HeliosDbIO created also drops the tables the read no
   * longer captures), then creates the slot. If the slot cannot be created, undoes the
   * publication's change, so that a failed start leaves nothing behind.
   */
  @Override
  public Map<String, Object> prepareChangeCapture(
      Connection connection, ChangeCaptureSettings settings, String startPosition)
      throws SQLException {
    checkChangeCaptureSetup(connection);
    String confirmed = existingSlot(connection, settings.slotName());
    boolean publicationCreated = preparePublication(connection, settings);
    boolean created = confirmed == null;
    if (created) {
      try {
        confirmed =
            queryString(
                connection,
                "SELECT CAST(lsn AS text) FROM pg_create_logical_replication_slot(?, 'pgoutput')",
                settings.slotName());
      } catch (SQLException | RuntimeException e) {
        if (publicationCreated) {
          try (Statement statement = connection.createStatement()) {
            statement.execute("DROP PUBLICATION " + quoteIdentifier(settings.publicationName()));
          } catch (SQLException undoFailed) {
            e.addSuppressed(undoFailed);
          }
        }
        throw e;
      }
    }
    if (startPosition != null) {
      return parsePosition(startPosition);
    }
    if (!created && publicationCreated) {
      // pgoutput decodes WAL with the catalog of its time: WAL written before the publication
      // existed cannot be decoded with it, so the stream starts now
      return Map.of("lsn", parseLsn(currentLogPosition(connection)));
    }
    return Map.of("lsn", parseLsn(confirmed));
  }

  /**
   * Makes the publication publish the read's tables, when the stream starts (also when it
   * resumes from a checkpoint with another set of tables): creates it for them if it is missing
   * (marked with {@link #OWN_PUBLICATION}), else adds the tables it lacks, and, if HeliosDbIO
   * created it, drops the tables the read no longer captures. A publication a user created is
   * never narrowed: the log reader ignores its other tables.
   *
   * @return whether the publication was created
   */
  private boolean preparePublication(Connection connection, ChangeCaptureSettings settings)
      throws SQLException {
    String publication = quoteIdentifier(settings.publicationName());
    String[] comment = {null};
    boolean exists = false;
    try (PreparedStatement statement = connection.prepareStatement(
        "SELECT obj_description(oid, 'pg_publication') FROM pg_publication WHERE pubname = ?")) {
      statement.setString(1, settings.publicationName());
      try (ResultSet rs = statement.executeQuery()) {
        if (rs.next()) {
          exists = true;
          comment[0] = rs.getString(1);
        }
      }
    }
    if (!exists) {
      String tables = settings.tables().stream().map(this::quoteTable)
          .collect(java.util.stream.Collectors.joining(", "));
      execute(connection, "CREATE PUBLICATION " + publication + " FOR TABLE " + tables, settings);
      execute(connection, "COMMENT ON PUBLICATION " + publication + " IS '" + OWN_PUBLICATION
          + "'", settings);
      return true;
    }
    List<TableId> published = new ArrayList<>();
    forEachRow(
        connection,
        "SELECT schemaname, tablename FROM pg_publication_tables WHERE pubname = ?",
        rs -> published.add(new TableId(rs.getString(1), rs.getString(2))),
        settings.publicationName());
    List<TableId> missing =
        settings.tables().stream().filter(t -> !published.contains(t)).toList();
    List<TableId> dropped = OWN_PUBLICATION.equals(comment[0])
        ? published.stream().filter(t -> !settings.tables().contains(t)).toList()
        : List.of();
    if (!missing.isEmpty()) {
      execute(connection, "ALTER PUBLICATION " + publication + " ADD TABLE "
          + missing.stream().map(this::quoteTable)
              .collect(java.util.stream.Collectors.joining(", ")), settings);
      LOG.info("Publication {} now also publishes {}", settings.publicationName(), missing);
    }
    if (!dropped.isEmpty()) {
      execute(connection, "ALTER PUBLICATION " + publication + " DROP TABLE "
          + dropped.stream().map(this::quoteTable)
              .collect(java.util.stream.Collectors.joining(", ")), settings);
      LOG.info("Publication {} no longer publishes {}", settings.publicationName(), dropped);
    }
    return false;
  }

  /**
   * Runs the publication's DDL; a user not allowed to is told to have it run by an owner.
   */
  private static void execute(Connection connection, String ddl, ChangeCaptureSettings settings)
      throws SQLException {
    try (Statement statement = connection.createStatement()) {
      statement.execute(ddl);
    } catch (SQLException e) {
      if (!"42501".equals(e.getSQLState())) {
        throw e;
      }
      boolean one = settings.tables().size() == 1;
      String tables = one ? "the table" : "the tables";
      throw new IllegalStateException(
          "CDC of " + settings.subject() + " needs publication "
              + settings.publicationName() + " to include " + tables + ", but user "
              + connection.getMetaData().getUserName() + " may not run " + ddl + " ("
              + e.getMessage() + "). Have " + (one ? "the table's" : "the tables'") + " owner run"
              + " it before the pipeline starts, or name a publication that includes " + tables
              + " with CdcOptions.withPublicationName",
          e);
    }
  }

  /**
   * Debezium records the commit LSN of the transaction before a change, which the first changes
   * after the task starts do not have: for them it is the stream's start, where the last
   * transaction before the stream committed.
   */
  @Override
  public String positionOf(Map<String, ?> offset, Map<String, ?> streamStart) {
    if (offset.get("lsn_commit") != null || offset.get("messageType") == null) {
      return positionOf(offset);
    }
    Object startCommit = streamStart.get("lsn_commit");
    Map<String, Object> completed = new java.util.HashMap<>(offset);
    completed.put("lsn_commit", startCommit != null ? startCommit : streamStart.get("lsn"));
    return positionOf(completed);
  }

  /**
   * {@code <lsn>@<commit lsn>:<message type>}: the LSN of the change, the commit LSN Debezium
   * recorded with it and the kind of change, which Debezium needs to resume right after the
   * change; a bare {@code <lsn>} where the offset has no more.
   */
  @Override
  public String positionOf(Map<String, ?> offset) {
    long lsn = ((Number) offset.get("lsn")).longValue();
    Object commit = offset.get("lsn_commit");
    Object type = offset.get("messageType");
    if (commit == null || type == null) {
      return formatLsn(lsn);
    }
    return formatLsn(lsn) + "@" + formatLsn(((Number) commit).longValue()) + ":" + type;
  }

  @Override
  public void checkPosition(String position) {
    parsePosition(position);
  }

  /**
   * The commit LSN recorded with the change (a bare LSN's own), {@code 0} for a bare LSN or
   * {@code 1} for a change, then the LSN: 33 hex digits.
   */
  @Override
  public String orderKey(String position) {
    java.util.regex.Matcher matcher = POSITION.matcher(position);
    if (!matcher.matches()) {
      throw new IllegalArgumentException("not a PostgreSQL log position: " + position);
    }
    long lsn = parseLsn(matcher.group(1));
    boolean change = matcher.group(2) != null;
    long commit = change ? parseLsn(matcher.group(2)) : lsn;
    return OrderKeys.hex16(commit) + (change ? "1" : "0") + OrderKeys.hex16(lsn);
  }

  /** A change whose offset has its commit LSN and kind: from the numbers; else by the text. */
  @Override
  public String orderKeyOf(String position, Map<String, ?> offset, Map<String, ?> streamStart) {
    if (offset.get("lsn") instanceof Number lsn && offset.get("lsn_commit") instanceof Number commit
        && offset.get("messageType") != null) {
      return OrderKeys.hex16(commit.longValue()) + "1" + OrderKeys.hex16(lsn.longValue());
    }
    return orderKey(position);
  }

  private static final java.util.regex.Pattern POSITION =
      java.util.regex.Pattern.compile("([0-9A-Fa-f]+/[0-9A-Fa-f]+)(?:@([0-9A-Fa-f]+/[0-9A-Fa-f]+):([A-Z]+))?");

  /** An offset that resumes right after a position of {@link #positionOf}, or after an LSN. */
  static Map<String, Object> parsePosition(String position) {
    java.util.regex.Matcher matcher = POSITION.matcher(position);
    if (!matcher.matches()) {
      throw new IllegalArgumentException(
          "CdcOptions.withStartPosition(\"" + position + "\"): expected a PostgreSQL LSN such"
              + " as 0/16B3748, or a position of the output such as 0/16B3748@0/16B3700:INSERT");
    }
    long lsn = parseLsn(matcher.group(1));
    if (matcher.group(2) == null) {
      return Map.of("lsn", lsn);
    }
    return Map.of("lsn", lsn, "lsn_proc", lsn, "lsn_commit", parseLsn(matcher.group(2)),
        "messageType", matcher.group(3));
  }

  @Override
  public boolean supportsConsistentReads() {
    return true;
  }

  /** A repeatable-read transaction; its snapshot, as {@code xmin:xmax:xip,...}, is the token. */
  @Override
  public String beginConsistentRead(Connection connection) throws SQLException {
    connection.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
    connection.setAutoCommit(false);
    return queryString(connection, "SELECT CAST(pg_current_snapshot() AS text)");
  }

  @Override
  public ChangeVisibility changeVisibility(String token) {
    return new PostgresSnapshotVisibility(token);
  }

  static long parseLsn(String lsn) {
    String[] halves = lsn.split("/", -1);
    return (Long.parseLong(halves[0], 16) << 32) | Long.parseLong(halves[1], 16);
  }

  static String formatLsn(long lsn) {
    return (Long.toHexString(lsn >>> 32) + "/" + Long.toHexString(lsn & 0xFFFFFFFFL))
        .toUpperCase(Locale.ROOT);
  }

  @Override
  public long estimateRowCount(Connection connection, TableId table) throws SQLException {
    return queryLong(
        connection,
        "SELECT c.reltuples::bigint FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            + " WHERE n.nspname = ? AND c.relname = ?",
        -1,
        table.namespace(),
        table.name());
  }

  @Override
  public boolean supportsPageRanges() {
    return true;
  }

  @Override
  public long pageCount(Connection connection, TableId table) throws SQLException {
    return queryLong(
        connection,
        "SELECT pg_relation_size(c.oid) / current_setting('block_size')::bigint FROM pg_class c"
            + " JOIN pg_namespace n ON n.oid = c.relnamespace"
            + " WHERE n.nspname = ? AND c.relname = ?",
        0,
        table.namespace(),
        table.name());
  }

  @Override
  public SnapshotExport snapshotExport() {
    return new PostgresSnapshotExport(this);
  }

  @Override
  public String pageRangePredicate() {
    return "ctid >= CAST(? AS tid) AND ctid < CAST(? AS tid)";
  }

  @Override
  public void bindPageRange(PreparedStatement statement, int index, long from, long to)
      throws SQLException {
    statement.setString(index, "(" + from + ",0)");
    statement.setString(index + 1, "(" + to + ",0)");
  }
}
