package io.heliosdb.beam.pool;

import io.heliosdb.beam.ConnectionConfiguration;
import io.heliosdb.beam.dialect.Dialects;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * The statements every new connection runs before it is used: the dialect's session settings
 * ({@code Dialect.connectionInitSql}), then the user's ({@link
 * ConnectionConfiguration#withConnectionInitSql}).
 */
final class SessionInit extends DelegatingDataSource {
  private final List<String> statements;

  private SessionInit(DataSource delegate, List<String> statements) {
    super(delegate);
    this.statements = statements;
  }

  /** {@code driver}, running the statements of {@code config} on each connection it opens. */
  static DataSource running(DataSource driver, ConnectionConfiguration config) {
    List<String> statements = statements(config);
    return statements.isEmpty() ? driver : new SessionInit(driver, statements);
  }

  /** The statements of {@code config}, in the order they run. */
  static List<String> statements(ConnectionConfiguration config) {
    List<String> statements = new ArrayList<>();
    String dialect =
        Dialects.forJdbcUrl(config.getJdbcUrl(), config.getRedactedUrl()).connectionInitSql();
    if (dialect != null) {
      statements.add(dialect);
    }
    statements.addAll(config.getConnectionInitSql());
    return List.copyOf(statements);
  }

  /**
   * Runs the statements on a new connection; closes it and fails if one fails.
   *
   * @throws SQLException the database's error, naming the statement
   */
  static Connection initialize(Connection connection, List<String> statements)
      throws SQLException {
    try (Statement statement = connection.createStatement()) {
      for (String sql : statements) {
        try {
          statement.execute(sql);
        } catch (SQLException e) {
          throw new SQLException("The connection's init statement '" + sql + "' failed: "
              + e.getMessage(), e.getSQLState(), e.getErrorCode(), e);
        }
      }
    } catch (SQLException e) {
      connection.close();
      throw e;
    }
    return connection;
  }

  @Override
  public Connection getConnection() throws SQLException {
    return initialize(delegate.getConnection(), statements);
  }

  @Override
  public Connection getConnection(String username, String password) throws SQLException {
    return initialize(delegate.getConnection(username, password), statements);
  }
}
