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
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.Optional;
import java.util.UUID;

/**
 * MySQL and MariaDB, through MariaDB Connector/J ({@code jdbc:mariadb:}) or MySQL Connector/J
 * ({@code jdbc:mysql:}). Columns come from {@code information_schema}, whose {@code column_type}
 * tells signedness, {@code tinyint(1)} booleans and {@code set} members alike for both drivers.
 */
public final class MySqlDialect extends CatalogDialect implements ExclusiveLogReader,
    ChangeLogClock {
  private static final long serialVersionUID = 1L;

  private final boolean mysqlDriver;

  /**
   * @param mysqlDriver true for MySQL Connector/J, which streams only with a fetch size of {@link
   *     Integer#MIN_VALUE}; MariaDB Connector/J streams with any positive fetch size
   */
  public MySqlDialect(boolean mysqlDriver) {
    super('`');
    this.mysqlDriver = mysqlDriver;
  }

  @Override
  public String name() {
    return "mysql";
  }

  @Override
  String foldUnquoted(String identifier) {
    return identifier;
  }

  @Override
  String currentNamespace(Connection connection) throws SQLException {
    return connection.getCatalog();
  }

  @Override
  String listTablesSql(boolean oneNamespace) {
    return "SELECT table_schema, table_name FROM information_schema.tables"
        + " WHERE table_type = 'BASE TABLE'"
        + (oneNamespace
            ? " AND CAST(table_schema AS BINARY) = CAST(? AS BINARY)"
            : " AND table_schema NOT IN ('mysql', 'information_schema', 'performance_schema',"
                + " 'sys')")
        + " ORDER BY table_schema, table_name";
  }

  @Override
  public TableMetadata describeTable(Connection connection, TableId table) throws SQLException {
    String where =
        " WHERE table_schema = ? AND CAST(table_name AS BINARY) = CAST(? AS BINARY)";
    List<ColumnInfo> columns = new ArrayList<>();
    forEachRow(
        connection,
        "SELECT column_name, data_type, column_type,"
            + " COALESCE(numeric_precision, character_maximum_length, 0),"
            + " COALESCE(numeric_scale, 0), is_nullable FROM information_schema.columns"
            + where + " ORDER BY ordinal_position",
        rs -> columns.add(
            new ColumnInfo(
                rs.getString(1),
                0,
                rs.getString(2),
                rs.getString(3),
                (int) Math.min(Integer.MAX_VALUE, rs.getLong(4)),
                rs.getInt(5),
                "YES".equals(rs.getString(6)))),
        table.namespace(),
        table.name());
    List<String> key = new ArrayList<>();
    forEachRow(
        connection,
        "SELECT column_name FROM information_schema.key_column_usage" + where
            + " AND constraint_name = 'PRIMARY' ORDER BY ordinal_position",
        rs -> key.add(rs.getString(1)),
        table.namespace(),
        table.name());
    Map<String, List<String>> uniqueIndexes = new TreeMap<>();
    forEachRow(
        connection,
        "SELECT index_name, column_name FROM information_schema.statistics" + where
            + " AND non_unique = 0 ORDER BY index_name, seq_in_index",
        rs -> uniqueIndexes.computeIfAbsent(rs.getString(1), k -> new ArrayList<>())
            .add(rs.getString(2)),
        table.namespace(),
        table.name());
    return new TableMetadata(table, columns, key, singleColumns(uniqueIndexes));
  }

  @Override
  public boolean namespaceExists(Connection connection, String namespace) throws SQLException {
    return queryLong(
            connection,
            "SELECT COUNT(*) FROM information_schema.schemata"
                + " WHERE CAST(schema_name AS BINARY) = CAST(? AS BINARY)",
            0,
            namespace)
        > 0;
  }

  @Override
  public Optional<ColumnMapping> mapColumn(ColumnInfo column) {
    boolean unsigned = column.columnType().contains("unsigned");
    return Optional.ofNullable(
        switch (column.typeName()) {
          case "tinyint" -> column.columnType().startsWith("tinyint(1)")
              ? Mappings.BOOLEAN
              : unsigned ? Mappings.INT16 : Mappings.BYTE;
          case "smallint" -> unsigned ? Mappings.INT32 : Mappings.INT16;
          case "mediumint" -> Mappings.INT32;
          case "int", "integer" -> unsigned ? Mappings.INT64 : Mappings.INT32;
          case "bigint" -> unsigned ? Mappings.DECIMAL : Mappings.INT64;
          case "decimal", "numeric" -> Mappings.DECIMAL;
          case "float" -> Mappings.FLOAT;
          case "double", "real" -> Mappings.DOUBLE;
          case "bit" -> column.precision() == 1 ? Mappings.BOOLEAN : Mappings.INT64;
          case "char",
              "varchar",
              "tinytext",
              "text",
              "mediumtext",
              "longtext",
              "enum",
              "json" -> Mappings.STRING;
          case "set" -> Mappings.STRING_SET;
          case "binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob" ->
              Mappings.BYTES;
          case "date" -> MySqlZeroDates.date(column.nullable());
          case "time" -> Mappings.LOCAL_TIME;
          case "datetime" -> MySqlZeroDates.dateTime(column.nullable());
          case "timestamp" -> MySqlZeroDates.TIMESTAMP;
          case "year" -> Mappings.INT16;
          case "uuid" -> Mappings.UUID_STRING;
          default -> null;
        });
  }

  /**
   * Every session in UTC: TIMESTAMP values are then read and bound as UTC date-times, exact
   * whatever the JVM's and the server's zones (an offset needs no time zone tables, and has no
   * repeated hour).
   */
  @Override
  public String connectionInitSql() {
    return "SET time_zone = '+00:00'";
  }

  /** Type names the server accepts in DDL but reports as another in its catalog. */
  private static final Map<String, String> TYPE_ALIASES = Map.of(
      "integer", "int", "bool", "tinyint", "boolean", "tinyint", "dec", "decimal",
      "fixed", "decimal", "numeric", "decimal", "double precision", "double", "real", "double");
  /** A declared type: the data type, then its attributes. */
  private static final Pattern DECLARED_TYPE =
      Pattern.compile("(.*?)((?: (?:unsigned|signed|zerofill))*)");

  /**
   * The binlog reader reports {@code INT UNSIGNED}, {@code BIGINT UNSIGNED ZEROFILL}: the data
   * type, then its attributes. As {@link #describeTable} does, the type name is the data type and
   * the column type adds the length (1 for a {@code BOOLEAN}) and the attributes.
   */
  @Override
  public ColumnInfo columnOfLog(String name, String type, int length, int scale) {
    Matcher matcher = DECLARED_TYPE.matcher(type.toLowerCase(java.util.Locale.ROOT).trim());
    matcher.matches(); // always: the attributes may be none
    String declared = matcher.group(1);
    String attributes = matcher.group(2);
    String dataType = TYPE_ALIASES.getOrDefault(declared, declared);
    int size = declared.startsWith("bool") ? 1 : length;
    String sized = size <= 0 ? dataType
        : dataType + "(" + size + (scale > 0 ? "," + scale : "") + ")";
    return new ColumnInfo(name, 0, dataType, sized + attributes, size, scale, true);
  }

  @Override
  public String limitClause() {
    return "LIMIT ?";
  }

  @Override
  public void configureStreaming(Connection connection, Statement statement, int fetchSize)
      throws SQLException {
    statement.setFetchSize(mysqlDriver ? Integer.MIN_VALUE : fetchSize);
  }

  /**
   * TIMESTAMP: the clock as a UTC date-time, as the UTC session reads the column. DATETIME: the
   * clock in the server's time zone ({@code @@global.time_zone}), in which sessions that keep
   * the server's zone write {@code NOW()}.
   */
  @Override
  public String commitCutoffQuery(ColumnInfo trackingColumn) {
    String utc = "UTC_TIMESTAMP(6) - INTERVAL ? MICROSECOND";
    String typed =
        trackingColumn.typeName().equals("datetime")
            ? "CONVERT_TZ(" + utc + ", '+00:00', @@GLOBAL.time_zone)"
            : utc;
    return "SELECT " + typed + ", " + utc;
  }

  @Override
  public String utcNowExpression() {
    return "UTC_TIMESTAMP(6)";
  }

  @Override
  public boolean hasIndexLeadingWith(Connection connection, TableId table, String column)
      throws SQLException {
    return queryLong(
            connection,
            "SELECT COUNT(*) FROM information_schema.statistics WHERE table_schema = ?"
                + " AND CAST(table_name AS BINARY) = CAST(? AS BINARY) AND seq_in_index = 1"
                + " AND column_name = ?",
            0,
            table.namespace(),
            table.name(),
            column)
        > 0;
  }

  @Override
  public void checkChangeCaptureSetup(Connection connection) throws SQLException {
    String[] settings = new String[3];
    forEachRow(
        connection,
        "SELECT @@GLOBAL.log_bin, @@GLOBAL.binlog_format, @@GLOBAL.binlog_row_image",
        rs -> {
          for (int i = 0; i < 3; i++) {
            settings[i] = rs.getString(i + 1);
          }
        });
    requireRowBinlog(settings[0], settings[1], settings[2]);
    requireBinlogRights(connection);
  }

  /**
   * Checks that the session may read the binlog's position, as the log reader's does: the
   * privilege held by the user or by a role its session enables by default (a role granted but
   * not the user's default is not enabled in the log reader's session).
   *
   * @throws IllegalStateException naming the user and the privileges to grant, with the
   *     server's answer
   */
  private void requireBinlogRights(Connection connection) throws SQLException {
    try {
      currentLogPosition(connection);
    } catch (SQLException e) {
      if (e.getErrorCode() != SPECIFIC_ACCESS_DENIED) {
        throw e;
      }
      String user = queryString(connection, "SELECT CURRENT_USER()");
      String rights = mysqlDriver ? "REPLICATION SLAVE, REPLICATION CLIENT"
          : "REPLICATION SLAVE, BINLOG MONITOR";
      throw new IllegalStateException("CDC on MySQL/MariaDB needs " + rights + " for user "
          + user + ", which its session lacks (" + e.getMessage() + "). Run GRANT " + rights
          + " ON *.* TO the user, or to a role of the user made its default role (MariaDB: SET"
          + " DEFAULT ROLE <role> FOR <user>; MySQL: SET DEFAULT ROLE <role> TO <user>):"
          + " sessions, the log reader's among them, enable only the default role", e);
    }
  }

  /**
   * The check of {@link #checkChangeCaptureSetup}, given the server's global {@code log_bin},
   * {@code binlog_format} and {@code binlog_row_image}.
   *
   * @throws IllegalStateException naming the first setting at fault and how to fix it
   */
  public static void requireRowBinlog(String logBin, String binlogFormat, String rowImage) {
    if (!"1".equals(logBin) && !"ON".equalsIgnoreCase(logBin)) {
      throw new IllegalStateException(
          "CDC on MySQL/MariaDB needs the binary log, which is off (log_bin = " + logBin
              + "). Start the server with log_bin (log-bin = mysql-bin in my.cnf), binlog_format"
              + " = ROW and binlog_row_image = FULL");
    }
    if (!"ROW".equalsIgnoreCase(binlogFormat)) {
      throw new IllegalStateException(
          "CDC on MySQL/MariaDB needs binlog_format = ROW, but the server runs with"
              + " binlog_format = " + binlogFormat + ". Run SET GLOBAL binlog_format = 'ROW' and"
              + " set binlog_format = ROW in my.cnf");
    }
    if (!"FULL".equalsIgnoreCase(rowImage)) {
      throw new IllegalStateException(
          "CDC on MySQL/MariaDB needs binlog_row_image = FULL for complete before and after"
              + " images, but the server runs with binlog_row_image = " + rowImage
              + ". Run SET GLOBAL binlog_row_image = 'FULL' and set it in my.cnf");
    }
  }

  /** ER_PARSE_ERROR: MySQL 8.4 no longer knows {@code SHOW MASTER STATUS}. */
  private static final int SYNTAX_ERROR = 1064;

  /** The bytes of the binary log files after {@code offset}'s file and position. */
  @Override
  public long logBytesBehind(Connection connection, Map<String, ?> offset) throws SQLException {
    if (!(offset.get("file") instanceof String file) || file.isEmpty()
        || !(offset.get("pos") instanceof Number pos)) {
      return -1;
    }
    long[] behind = {0};
    boolean[] found = {false};
    forEachRow(connection, "SHOW BINARY LOGS", rs -> {
      String name = rs.getString(1);
      long size = rs.getLong(2);
      if (name.equals(file)) {
        found[0] = true;
        behind[0] += Math.max(0, size - pos.longValue());
      } else if (BinlogSnapshotVisibility.compareFiles(name, file) > 0) {
        behind[0] += size;
      }
    });
    return found[0] ? behind[0] : -1;
  }

  /** The binary log's current file and offset, as {@code file:position}. */
  @Override
  public String currentLogPosition(Connection connection) throws SQLException {
    String[] position = {null};
    RowHandler read = rs -> position[0] = rs.getString(1) + ":" + rs.getLong(2);
    try {
      forEachRow(connection, "SHOW MASTER STATUS", read);
    } catch (SQLException e) {
      if (e.getErrorCode() != SYNTAX_ERROR) {
        throw e; // e.g. access denied: the user lacks REPLICATION CLIENT / BINLOG MONITOR
      }
      forEachRow(connection, "SHOW BINARY LOG STATUS", read); // MySQL 8.4 removed the former
    }
    if (position[0] == null) {
      throw new IllegalStateException(
          "CDC on MySQL/MariaDB needs the binary log, which is off: SHOW MASTER STATUS is empty");
    }
    return position[0];
  }

  /** The server's error when a user lacks a privilege such as {@code PROCESS}. */
  private static final int SPECIFIC_ACCESS_DENIED = 1227;

  /**
   * The earliest of: the statement's start, and a second before the start of each open
   * transaction that changed rows and of each statement such a transaction is running (both in
   * whole seconds); then a second less, for a transaction's first statement, which starts just
   * before the transaction (a binlog event carries its statement's start, in whole seconds).
   * Then the binlog's end, read after: a transaction not in the binlog yet is still open, or
   * starts later. If the user lacks {@code PROCESS}, which {@code INNODB_TRX} needs, two seconds
   * before the statement's start instead.
   */
  @Override
  public LogBound readLogBound(Connection connection) throws SQLException {
    String zone = queryString(connection, "SELECT @@session.time_zone");
    // INNODB_TRX shows trx_started in the server's system time zone, not the session's
    setTimeZone(connection, "SYSTEM");
    double[] seconds = {0, Double.NaN};
    String caveat = null;
    try {
      forEachRow(
          connection,
          "SELECT @@timestamp, MIN(LEAST(UNIX_TIMESTAMP(t.trx_started),"
              + " IF(p.COMMAND IN ('Query', 'Execute'), @@timestamp - p.TIME, @@timestamp)))"
              + " FROM information_schema.INNODB_TRX t LEFT JOIN information_schema.PROCESSLIST p"
              + " ON p.ID = t.trx_mysql_thread_id WHERE t.trx_autocommit_non_locking = 0"
              + " AND (t.trx_rows_modified > 0 OR p.COMMAND IN ('Query', 'Execute'))",
          rs -> {
            seconds[0] = rs.getDouble(1);
            double oldest = rs.getDouble(2);
            seconds[1] = rs.wasNull() ? Double.NaN : oldest;
          });
    } catch (SQLException e) {
      if (e.getErrorCode() != SPECIFIC_ACCESS_DENIED) {
        throw e;
      }
      seconds[0] = queryDouble(connection, "SELECT @@timestamp");
      seconds[1] = seconds[0] - 1;
      caveat = "the CDC watermark allows 2 s for transactions in progress: user "
          + queryString(connection, "SELECT CURRENT_USER()") + " lacks the PROCESS privilege"
          + " that information_schema.INNODB_TRX needs, and a change of a longer transaction is"
          + " timestamped with the watermark. GRANT PROCESS ON *.* to it makes it exact";
    } finally {
      setTimeZone(connection, zone);
    }
    // PROCESSLIST.TIME is whole seconds elapsed: a statement started up to a second earlier
    double earliest = Double.isNaN(seconds[1]) ? seconds[0] : Math.min(seconds[0], seconds[1] - 1);
    long wholeSeconds = (long) Math.floor(earliest) - 1;
    return new LogBound(
        Instant.ofEpochSecond(wholeSeconds), binlogOrder(currentLogPosition(connection)), caveat);
  }

  private static double queryDouble(Connection connection, String sql) throws SQLException {
    double[] value = {0};
    forEachRow(connection, sql, rs -> value[0] = rs.getDouble(1));
    return value[0];
  }

  private static void setTimeZone(Connection connection, String zone) throws SQLException {
    try (PreparedStatement statement = connection.prepareStatement("SET time_zone = ?")) {
      statement.setString(1, zone);
      statement.execute();
    }
  }

  /** The binlog position of the connector offset's {@code file} and {@code pos}. */
  @Override
  public long logReceived(
      Connection connection, ChangeCaptureSettings settings, Map<String, ?> offset) {
    if (!(offset.get("file") instanceof String file) || !(offset.get("pos") instanceof Number pos)
        || file.isEmpty()) {
      return -1;
    }
    return binlogOrder(file + ":" + pos.longValue());
  }

  /**
   * A binlog {@code file:pos} as one number in the binlog's order: the file's sequence number (its
   * name's extension), then the position (below 2^32, binlog positions are 4 bytes); -1 if the
   * file has no number.
   */
  static long binlogOrder(String position) {
    int colon = position.lastIndexOf(':');
    String file = position.substring(0, colon);
    String sequence = file.substring(file.lastIndexOf('.') + 1);
    if (sequence.isEmpty() || !sequence.chars().allMatch(Character::isDigit)) {
      return -1;
    }
    return (Long.parseLong(sequence) << 32) | Long.parseLong(position.substring(colon + 1));
  }

  /** {@code file:offset[;gtids=...][;event=n][;row=n]}, or just a GTID list. */
  private static final Pattern POSITION =
      Pattern.compile("([^:;]+):(\\d+)((?:;(?:gtids|event|row)=[^;]*)*)");

  private static final Pattern GTIDS = Pattern.compile("\\d+-\\d+-\\d+(,\\d+-\\d+-\\d+)*");

  @Override
  public void checkPosition(String position) {
    if (!GTIDS.matcher(position).matches() && !POSITION.matcher(position).matches()) {
      throw new IllegalArgumentException(
          "CdcOptions.withStartPosition(\"" + position + "\"): expected a binlog position"
              + " such as mysql-bin.000003:4711, a MariaDB GTID list such as 0-1-17217, or a"
              + " position of the output");
    }
  }

  /** MySQL Connector/J for {@code jdbc:mysql:} URLs, MariaDB Connector/J for the others. */
  @Override
  public Library jdbcDriver() {
    return mysqlDriver
        ? Library.jdbcDriver("com.mysql.cj.jdbc.Driver", "com.mysql", "mysql-connector-j")
        : Library.jdbcDriver(
            "org.mariadb.jdbc.Driver", "org.mariadb.jdbc", "mariadb-java-client");
  }

  @Override
  public Library changeConnector() {
    return Library.debeziumConnector(
        changeTaskClass(),
        mysqlDriver ? "debezium-connector-mysql" : "debezium-connector-mariadb");
  }

  /** MariaDB's connector for {@code jdbc:mariadb:} URLs, MySQL's for {@code jdbc:mysql:}. */
  @Override
  public String changeTaskClass() {
    return mysqlDriver
        ? "io.debezium.connector.mysql.MySqlConnectorTask"
        : "io.debezium.connector.mariadb.MariaDbConnectorTask";
  }

  @Override
  public Map<String, String> changeTaskProperties(
      String jdbcUrl, String redactedUrl, ChangeCaptureSettings settings) {
    ChangeCaptureSettings.Endpoint endpoint =
        ChangeCaptureSettings.endpoint(jdbcUrl, 3306, redactedUrl);
    Map<String, String> properties =
        changeProperties(
            mysqlDriver
                ? "io.debezium.connector.mysql.MySqlConnector"
                : "io.debezium.connector.mariadb.MariaDbConnector",
            settings);
    // the session keeps the server's time zone (the driver's default would set the JVM's, which
    // fails on servers without time zone tables)
    properties.put("database.timezone", "disable");
    properties.put("database.hostname", endpoint.host());
    properties.put("database.port", String.valueOf(endpoint.port()));
    properties.put("database.server.id", String.valueOf(settings.serverId()));
    properties.putAll(tlsProperties(jdbcUrl));
    properties.put("database.include.list", quotedList(settings.namespaces()));
    rebuildSchemaHistoryAtStart(properties);
    properties.put("schema.history.internal.store.only.captured.databases.ddl", "true");
    properties.put("snapshot.locking.mode", "none");
    // a binlog connection lost without an error (a server restart) is noticed by the client's
    // keep-alive check: after 10 s instead of Debezium's default minute of silence (the fault
    // suite's server-restart scenario). A reader blocked longer (a full queue) reconnects too,
    // which may repeat changes of the transaction it was in: at-least-once, as documented.
    properties.put("connect.keep.alive.interval.ms", "10000");
    properties.put("bigint.unsigned.handling.mode", "precise");
    emitTruncatesAndDeclaredTypes(properties);
    return properties;
  }

  /** MySQL Connector/J's {@code sslMode} values, as the MySQL connector names them. */
  private static final List<String> MYSQL_SSL_MODES =
      List.of("disabled", "preferred", "required", "verify_ca", "verify_identity");

  /** MariaDB Connector/J's {@code sslMode} values, as the MariaDB connector names them. */
  private static final List<String> MARIADB_SSL_MODES =
      List.of("disable", "trust", "verify-ca", "verify-full");

  /**
   * The binlog connection's TLS settings from the JDBC URL's, as its driver reads them: MySQL
   * Connector/J's {@code sslMode}, else {@code useSSL}, {@code requireSSL} and {@code
   * verifyServerCertificate} (default {@code preferred}), and its key stores; MariaDB
   * Connector/J's {@code sslMode}, else {@code useSsl} with {@code trustServerCertificate} or
   * {@code disableSslHostnameVerification} (default {@code disable}), and its key stores.
   *
   * @throws IllegalArgumentException if {@code sslMode} is not a value the driver knows
   */
  Map<String, String> tlsProperties(String jdbcUrl) {
    Map<String, String> parameters = JdbcUrlParameters.of(jdbcUrl);
    String given = parameters.get("sslMode");
    String mode = given == null ? null : given.toLowerCase(java.util.Locale.ROOT);
    List<String> modes = mysqlDriver ? MYSQL_SSL_MODES : MARIADB_SSL_MODES;
    if (mode != null) {
      mode = mysqlDriver ? mode.replace('-', '_') : mode.replace('_', '-');
      if (!modes.contains(mode)) {
        throw new IllegalArgumentException(
            "The JDBC URL's sslMode=" + given + " is none of " + modes);
      }
    } else if (mysqlDriver) {
      if (JdbcUrlParameters.isFalse(parameters, "useSSL")) {
        mode = "disabled";
      } else if (JdbcUrlParameters.isTrue(parameters, "requireSSL")) {
        mode = JdbcUrlParameters.isTrue(parameters, "verifyServerCertificate")
            ? "verify_ca" : "required";
      } else {
        mode = "preferred";
      }
    } else if (JdbcUrlParameters.isTrue(parameters, "useSsl")) {
      if (JdbcUrlParameters.isTrue(parameters, "trustServerCertificate")) {
        mode = "trust";
      } else if (JdbcUrlParameters.isTrue(parameters, "disableSslHostnameVerification")) {
        mode = "verify-ca";
      } else {
        mode = "verify-full";
      }
    } else {
      mode = "disable";
    }
    Map<String, String> properties = new HashMap<>();
    properties.put("database.ssl.mode", mode);
    JdbcUrlParameters.copy(
        parameters,
        mysqlDriver
            ? Map.of(
                "trustCertificateKeyStoreUrl", "database.ssl.truststore",
                "trustCertificateKeyStorePassword", "database.ssl.truststore.password",
                "clientCertificateKeyStoreUrl", "database.ssl.keystore",
                "clientCertificateKeyStorePassword", "database.ssl.keystore.password")
            : Map.of(
                "trustStore", "database.ssl.truststore",
                "trustStorePassword", "database.ssl.truststore.password",
                "keyStore", "database.ssl.keystore",
                "keyStorePassword", "database.ssl.keystore.password"),
        properties);
    return properties;
  }

  @Override
  public String logReaderKey(String jdbcUrl, String redactedUrl, ChangeCaptureSettings settings) {
    ChangeCaptureSettings.Endpoint endpoint =
        ChangeCaptureSettings.endpoint(jdbcUrl, 3306, redactedUrl);
    return logReaderName(settings) + " at " + endpoint.host() + ":" + endpoint.port();
  }

  @Override
  public String logReaderName(ChangeCaptureSettings settings) {
    return "server id " + settings.serverId();
  }

  @Override
  public String logReaderOption() {
    return "CdcOptions.withServerId";
  }

  /**
   * Not visible: neither MariaDB nor MySQL shows the server id of a binlog reader that does not
   * register as a replica, as the log reader does not.
   */
  @Override
  public void checkLogReaderFree(Connection connection, ChangeCaptureSettings settings) {}

  /** The server ends the older of two binlog connections of one server id without an error. */
  @Override
  public boolean isLogReaderBusy(Throwable error) {
    return false;
  }

  @Override
  public Map<String, Object> prepareChangeCapture(
      Connection connection, ChangeCaptureSettings settings, String startPosition)
      throws SQLException {
    checkChangeCaptureSetup(connection);
    boolean mariaDb = queryString(connection, "SELECT VERSION()").contains("MariaDB");
    Map<String, Object> offset = new HashMap<>();
    if (startPosition == null) {
      String[] position = currentLogPosition(connection).split(":");
      offset.put("file", position[0]);
      offset.put("pos", Long.parseLong(position[1]));
      if (mariaDb) {
        offset.put("gtids", queryString(connection, "SELECT @@GLOBAL.gtid_binlog_pos"));
      }
      return offset;
    }
    if (mariaDb && GTIDS.matcher(startPosition).matches()) {
      offset.put("file", "");
      offset.put("pos", 0L);
      offset.put("gtids", startPosition);
      return offset;
    }
    Matcher matcher = POSITION.matcher(startPosition);
    if (!matcher.matches()) {
      throw new IllegalArgumentException(
          "CdcOptions.withStartPosition(\"" + startPosition + "\"): expected a binlog position"
              + " such as mysql-bin.000003:4711, a MariaDB GTID list such as 0-1-17217, or a"
              + " position of the output");
    }
    offset.put("file", matcher.group(1));
    offset.put("pos", Long.parseLong(matcher.group(2)));
    for (String part : matcher.group(3).split(";")) {
      if (!part.isEmpty()) {
        String[] entry = part.split("=", 2);
        offset.put(entry[0], entry[0].equals("gtids") ? entry[1] : (Object) Long.parseLong(entry[1]));
      }
    }
    if (mariaDb && !offset.containsKey("gtids")) {
      offset.put("gtids", gtidsAt(connection, startPosition, matcher));
    }
    return offset;
  }

  /** A MariaDB {@code file:pos} start position (without GTIDs) must be in the server's binlog. */
  @Override
  public void checkChangeCaptureOf(
      Connection connection, TableMetadata table, ChangeCaptureSettings settings,
      String startPosition)
      throws SQLException {
    if (startPosition == null || GTIDS.matcher(startPosition).matches()) {
      return;
    }
    Matcher matcher = POSITION.matcher(startPosition);
    if (matcher.matches() && !matcher.group(3).contains(";gtids=")
        && queryString(connection, "SELECT VERSION()").contains("MariaDB")) {
      gtidsAt(connection, startPosition, matcher);
    }
  }

  /**
   * The GTID list of a binlog {@code file:pos} ({@link #POSITION} matched), which Debezium's
   * MariaDB connector starts from.
   *
   * @throws IllegalArgumentException if the server's binlog has no such position
   */
  private static String gtidsAt(Connection connection, String startPosition, Matcher position)
      throws SQLException {
    String gtids =
        queryString(connection, "SELECT BINLOG_GTID_POS(?, ?)", position.group(1),
            position.group(2));
    if (gtids == null) {
      throw new IllegalArgumentException(
          "CdcOptions.withStartPosition(\"" + startPosition + "\"): the server has no such"
              + " binlog position (purged, or never written). Give a position of this server's"
              + " binlog (SHOW BINARY LOGS lists its files), or leave withStartPosition out to"
              + " start at the log's end");
    }
    return gtids;
  }

  /**
   * The number ending the binlog file's name (8 hex digits), the position in it (16), then the
   * event and row counts Debezium records, each plus one and {@code 0} where absent (8 each): 40
   * hex digits. The file's base name is left out: it is one server's log.
   */
  @Override
  public String orderKey(String position) {
    Matcher matcher = POSITION.matcher(position);
    if (!matcher.matches()) {
      throw new IllegalArgumentException("not a binlog position: " + position);
    }
    long fileNumber = fileNumber(matcher.group(1));
    long event = 0;
    long row = 0;
    for (String part : matcher.group(3).split(";")) {
      if (part.startsWith("event=")) {
        event = Long.parseLong(part.substring(6)) + 1;
      } else if (part.startsWith("row=")) {
        row = Long.parseLong(part.substring(4)) + 1;
      }
    }
    return OrderKeys.hex8(fileNumber, "file number", position)
        + OrderKeys.hex16(Long.parseLong(matcher.group(2)))
        + OrderKeys.hex8(event, "event count", position)
        + OrderKeys.hex8(row, "row count", position);
  }

  /** From the offset's file name and numbers where it has them; else by the text. */
  @Override
  public String orderKeyOf(String position, Map<String, ?> offset, Map<String, ?> streamStart) {
    if (!(offset.get("file") instanceof String file) || !(offset.get("pos") instanceof Number pos)
        || !isCount(offset.get("event")) || !isCount(offset.get("row"))) {
      return orderKey(position);
    }
    return OrderKeys.hex8(fileNumber(file), "file number", position)
        + OrderKeys.hex16(pos.longValue())
        + OrderKeys.hex8(countOf(offset.get("event")), "event count", position)
        + OrderKeys.hex8(countOf(offset.get("row")), "row count", position);
  }

  /** The number ending a binlog file's name ({@code mysql-bin.000042}: 42), 0 if none. */
  private static long fileNumber(String file) {
    int digits = file.length();
    while (digits > 0 && Character.isDigit(file.charAt(digits - 1))) {
      digits--;
    }
    return digits == file.length() ? 0 : Long.parseLong(file.substring(digits));
  }

  private static boolean isCount(Object value) {
    return value == null || value instanceof Number;
  }

  /** An event or row count of the order key: the offset's plus one, 0 where absent. */
  private static long countOf(Object value) {
    return value == null ? 0 : ((Number) value).longValue() + 1;
  }

  /** {@code file:pos}, then {@code ;gtids=}, {@code ;event=}, {@code ;row=} where present. */
  @Override
  public String positionOf(Map<String, ?> offset) {
    StringBuilder position =
        new StringBuilder().append(offset.get("file")).append(':').append(offset.get("pos"));
    for (String key : List.of("gtids", "event", "row")) {
      if (offset.get(key) != null) {
        position.append(';').append(key).append('=').append(offset.get(key));
      }
    }
    return position.toString();
  }

  /**
   * Adds MySQL/MariaDB's codes: too many connections (1040; a user's own limit, {@code
   * max_user_connections} or {@code MAX_USER_CONNECTIONS}: 1203, 1226), server shutdown (1053),
   * connection killed (1927), server gone or connection lost (2006, 2013) are {@link
   * FailureKind#CONNECTION};
   * lock wait timeout (1205), deadlock (1213) and interrupted queries (1317) are {@link
   * FailureKind#TRANSIENT}.
   */
  @Override
  public FailureKind classifyState(String sqlState, int vendorCode) {
    return switch (vendorCode) {
      case 1040, 1053, 1203, 1226, 1927, 2006, 2013 -> FailureKind.CONNECTION;
      case 1205, 1213, 1317 -> FailureKind.TRANSIENT;
      default -> super.classifyState(sqlState, vendorCode);
    };
  }

  /** The binlog names a table by its database; there is no schema. */
  @Override
  public List<String> changeSource(Connection connection, TableId table) {
    return java.util.Arrays.asList(table.namespace(), null, table.name());
  }

  @Override
  public boolean supportsConsistentReads() {
    return true;
  }

  /**
   * {@code START TRANSACTION WITH CONSISTENT SNAPSHOT}; MariaDB reports the binlog position that
   * snapshot corresponds to ({@code binlog_snapshot_file}, {@code binlog_snapshot_position}),
   * which is the token. MySQL has no such status.
   */
  @Override
  public String beginConsistentRead(Connection connection) throws SQLException {
    connection.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
    connection.setAutoCommit(false);
    String file = null;
    String position = null;
    try (Statement statement = connection.createStatement()) {
      statement.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT");
      try (ResultSet rs = statement.executeQuery("SHOW SESSION STATUS LIKE 'binlog_snapshot_%'")) {
        while (rs.next()) {
          if (rs.getString(1).equalsIgnoreCase("binlog_snapshot_file")) {
            file = rs.getString(2);
          } else if (rs.getString(1).equalsIgnoreCase("binlog_snapshot_position")) {
            position = rs.getString(2);
          }
        }
      }
    }
    if (file == null || file.isEmpty() || position == null) {
      throw new IllegalStateException(
          "snapshot then CDC needs MariaDB with its binary log on: the server reports no"
              + " binlog_snapshot_file for a consistent snapshot (MySQL does not support this;"
              + " read MySQL tables with withCdc(...) alone)");
    }
    return file + ":" + position;
  }

  /** MySQL servers are refused by their version, before the consistent read is tried. */
  @Override
  public void checkConsistentReads(Connection connection) throws SQLException {
    requireConsistentReadServer(queryString(connection, "SELECT VERSION()"));
    beginConsistentRead(connection);
    connection.rollback();
  }

  /**
   * The check of {@link #checkConsistentReads} by the server's {@code VERSION()}: MariaDB reports
   * the binlog position of a consistent snapshot, MySQL (and its forks, such as Percona Server)
   * does not.
   *
   * @throws IllegalStateException for a server that is not MariaDB
   */
  public static void requireConsistentReadServer(String version) {
    if (!version.toLowerCase(java.util.Locale.ROOT).contains("mariadb")) {
      throw new IllegalStateException(
          "snapshot then CDC needs MariaDB, but the server is MySQL " + version + ", which"
              + " reports no binlog position for a consistent snapshot (binlog_snapshot_file)."
              + " Read MySQL tables with withSnapshot(...) and withCdc(...) as two reads");
    }
  }

  @Override
  public ChangeVisibility changeVisibility(String token) {
    return new BinlogSnapshotVisibility(token);
  }

  /** The snapshot's binlog position, which the stream's changes of later transactions follow. */
  @Override
  public String snapshotPosition(String token, String streamStart) {
    return token;
  }

  @Override
  public long estimateRowCount(Connection connection, TableId table) throws SQLException {
    return queryLong(
        connection,
        "SELECT table_rows FROM information_schema.tables"
            + " WHERE table_schema = ? AND table_name = ?",
        -1,
        table.namespace(),
        table.name());
  }

  @Override
  public void bindValue(PreparedStatement statement, int index, Object value)
      throws SQLException {
    if (value instanceof UUID uuid) {
      statement.setString(index, uuid.toString());
    } else if (value instanceof Instant instant) {
      // the session is in UTC (connectionInitSql): its date-time is the instant, whatever the JVM
      statement.setObject(index, LocalDateTime.ofInstant(instant, ZoneOffset.UTC));
    } else {
      super.bindValue(statement, index, value);
    }
  }
}
