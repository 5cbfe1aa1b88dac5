package io.heliosdb.beam.dialect;

import io.heliosdb.beam.schema.ColumnInfo;
import io.heliosdb.beam.schema.ColumnMapping;
import io.heliosdb.beam.schema.Mappings;
import io.heliosdb.beam.schema.TableId;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Oracle Database through ojdbc11. Integral {@code NUMBER(p,0)} columns map to the smallest Beam
 * integer that holds them; {@code DATE} carries a time of day, so it maps to a date-time.
 */
public final class OracleDialect extends CatalogDialect {
  private static final long serialVersionUID = 1L;

  public OracleDialect() {
    super('"');
  }

  @Override
  public String name() {
    return "oracle";
  }

  @Override
  String foldUnquoted(String identifier) {
    return identifier.toUpperCase(Locale.ROOT);
  }

  @Override
  String currentNamespace(Connection connection) throws SQLException {
    return connection.getSchema();
  }

  /** Tables of {@code ALL_TABLES}, without nested, secondary and Oracle-maintained ones. */
  @Override
  String listTablesSql(boolean oneNamespace) {
    return "SELECT t.owner, t.table_name FROM all_tables t"
        + " JOIN all_users u ON u.username = t.owner"
        + " WHERE t.nested = 'NO' AND t.secondary = 'N'"
        + (oneNamespace ? " AND t.owner = ?" : " AND u.oracle_maintained = 'N'")
        + " ORDER BY t.owner, t.table_name";
  }

  @Override
  public Optional<ColumnMapping> mapColumn(ColumnInfo column) {
    String type = column.typeName().replaceAll("\\(\\d+\\)", "");
    if (type.startsWith("timestamp")) {
      return Optional.of(
          type.contains("time zone") ? Mappings.INSTANT_FROM_OFFSET : Mappings.LOCAL_DATE_TIME);
    }
    ColumnMapping mapping =
        switch (type) {
          case "number" -> number(column.precision(), column.scale());
          case "float" -> Mappings.DECIMAL;
          case "binary_float" -> Mappings.FLOAT;
          case "binary_double" -> Mappings.DOUBLE;
          case "char", "nchar", "varchar2", "nvarchar2", "clob", "nclob", "long", "rowid" ->
              Mappings.STRING;
          case "blob", "raw", "long raw" -> Mappings.BYTES;
          case "date" -> Mappings.LOCAL_DATE_TIME;
          default -> null;
        };
    return mapping != null ? Optional.of(mapping) : Mappings.forJdbcType(column.jdbcType());
  }

  /** NUMBER(p,0) to the smallest integer type that holds p digits; anything else to DECIMAL. */
  static ColumnMapping number(int precision, int scale) {
    if (scale != 0 || precision <= 0) {
      return Mappings.DECIMAL;
    }
    if (precision <= 2) {
      return Mappings.BYTE;
    }
    if (precision <= 4) {
      return Mappings.INT16;
    }
    if (precision <= 9) {
      return Mappings.INT32;
    }
    return precision <= 18 ? Mappings.INT64 : Mappings.DECIMAL;
  }

  @Override
  public String limitClause() {
    return "FETCH FIRST ? ROWS ONLY";
  }

  @Override
  public void configureStreaming(Connection connection, Statement statement, int fetchSize)
      throws SQLException {
    statement.setFetchSize(fetchSize);
  }

  @Override
  public String commitCutoffQuery(ColumnInfo trackingColumn) {
    String delay = " - NUMTODSINTERVAL(? / 1000000, 'SECOND')";
    String typed =
        trackingColumn.typeName().contains("time zone")
            ? "SYSTIMESTAMP" + delay
            : "LOCALTIMESTAMP" + delay;
    return "SELECT " + typed + ", SYS_EXTRACT_UTC(SYSTIMESTAMP" + delay + ") FROM DUAL";
  }

  @Override
  public String utcNowExpression() {
    return "SYS_EXTRACT_UTC(SYSTIMESTAMP)";
  }

  @Override
  public void checkChangeCaptureSetup(Connection connection) throws SQLException {
    String[] settings = new String[2];
    forEachRow(
        connection,
        "SELECT log_mode, supplemental_log_data_min FROM v$database",
        rs -> {
          settings[0] = rs.getString(1);
          settings[1] = rs.getString(2);
        });
    if (!"ARCHIVELOG".equals(settings[0])) {
      throw new IllegalStateException(
          "CDC on Oracle (LogMiner) needs ARCHIVELOG mode, but the database runs in "
              + settings[0] + ": SHUTDOWN IMMEDIATE; STARTUP MOUNT; ALTER DATABASE ARCHIVELOG;"
              + " ALTER DATABASE OPEN");
    }
    if (!"YES".equals(settings[1]) && !"IMPLICIT".equals(settings[1])) {
      throw new IllegalStateException(
          "CDC on Oracle (LogMiner) needs minimal supplemental logging: run ALTER DATABASE ADD"
              + " SUPPLEMENTAL LOG DATA, and for each captured table ALTER TABLE ... ADD"
              + " SUPPLEMENTAL LOG DATA (ALL) COLUMNS");
    }
  }

  /** The current system change number (SCN). */
  @Override
  public String currentLogPosition(Connection connection) throws SQLException {
    return queryString(connection, "SELECT CAST(current_scn AS VARCHAR2(40)) FROM v$database");
  }

  @Override
  public Library jdbcDriver() {
    return Library.jdbcDriver("oracle.jdbc.OracleDriver", "com.oracle.database.jdbc", "ojdbc11");
  }

  @Override
  public Library changeConnector() {
    return Library.debeziumConnector(changeTaskClass(), "debezium-connector-oracle");
  }

  @Override
  public String changeTaskClass() {
    return "io.debezium.connector.oracle.OracleConnectorTask";
  }

  /**
   * LogMiner with the online catalog (the table's current dictionary; no schema history kept),
   * reading the database of the JDBC URL.
   */
  @Override
  public Map<String, String> changeTaskProperties(
      String jdbcUrl, String redactedUrl, ChangeCaptureSettings settings) {
    Map<String, String> properties =
        changeProperties("io.debezium.connector.oracle.OracleConnector", settings);
    properties.put("database.url", jdbcUrl);
    properties.put("database.dbname", databaseName(jdbcUrl, redactedUrl));
    properties.put("database.connection.adapter", "logminer");
    properties.put("log.mining.strategy", "online_catalog");
    properties.put("schema.include.list", quotedList(settings.namespaces()));
    rebuildSchemaHistoryAtStart(properties);
    return properties;
  }

  /** The service or SID at the end of a thin URL ({@code @//host:1521/FREEPDB1}, {@code @host:1521:XE}). */
  static String databaseName(String jdbcUrl, String redactedUrl) {
    java.util.regex.Matcher matcher =
        java.util.regex.Pattern.compile("@(?://)?[^/:]+(?::\\d+)?[/:]([A-Za-z0-9_.$#]+)")
            .matcher(jdbcUrl);
    if (!matcher.find()) {
      throw new IllegalArgumentException(
          "CDC on Oracle needs a thin URL naming the database, such as"
              + " jdbc:oracle:thin:@//host:1521/FREEPDB1, not " + redactedUrl);
    }
    return matcher.group(1).toUpperCase(Locale.ROOT);
  }

  @Override
  public Map<String, Object> prepareChangeCapture(
      Connection connection, ChangeCaptureSettings settings, String startPosition)
      throws SQLException {
    checkChangeCaptureSetup(connection);
    String scn = startPosition != null ? parseScn(startPosition) : currentLogPosition(connection);
    return Map.of("scn", scn);
  }

  @Override
  public void checkPosition(String position) {
    parseScn(position);
  }

  private static String parseScn(String position) {
    String scn = position.contains("@") ? position.substring(0, position.indexOf('@')) : position;
    if (!scn.matches("\\d{1,38}")) {
      throw new IllegalArgumentException(
          "CdcOptions.withStartPosition(\"" + position + "\"): expected an Oracle SCN such as"
              + " 2489311, or a position of the output");
    }
    return scn;
  }

  private static final java.util.regex.Pattern ORDERED_POSITION =
      java.util.regex.Pattern.compile("(\\d{1,19})(?:@(\\d{1,19}))?");

  /**
   * The commit SCN (a bare SCN's own), {@code 0} for a bare SCN or {@code 1} for a change, then
   * the SCN: 33 hex digits; null where the commit part is not one SCN.
   */
  @Override
  public @org.checkerframework.checker.nullness.qual.Nullable String orderKey(String position) {
    java.util.regex.Matcher matcher = ORDERED_POSITION.matcher(position);
    if (!matcher.matches()) {
      return null;
    }
    long scn = Long.parseUnsignedLong(matcher.group(1));
    boolean change = matcher.group(2) != null;
    long commit = change ? Long.parseUnsignedLong(matcher.group(2)) : scn;
    return OrderKeys.hex16(commit) + (change ? "1" : "0") + OrderKeys.hex16(scn);
  }

  /** The change's system change number, then {@code @} and its commit SCN where known. */
  @Override
  public String positionOf(Map<String, ?> offset) {
    Object commit = offset.get("commit_scn");
    return offset.get("scn") + (commit == null ? "" : "@" + commit);
  }

  @Override
  public long estimateRowCount(Connection connection, TableId table) throws SQLException {
    return queryLong(
        connection,
        "SELECT num_rows FROM all_tables WHERE owner = ? AND table_name = ?",
        -1,
        table.namespace(),
        table.name());
  }
}
