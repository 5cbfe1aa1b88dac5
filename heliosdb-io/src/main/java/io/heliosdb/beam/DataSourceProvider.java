package io.heliosdb.beam;

import java.io.Serializable;
import javax.sql.DataSource;

/**
 * Creates the {@link DataSource} HeliosDbIO opens its JDBC connections from, where they are
 * opened: this object is serialized with the pipeline and called on the workers (and, while the
 * pipeline is built, where it is built). See {@link
 * ConnectionConfiguration#withDataSourceProvider}.
 *
 * <p>For connections a JDBC URL cannot describe: the Cloud SQL Java connector's socket factory
 * and IAM logins, the AWS JDBC wrapper's IAM authentication, TLS from a key store built in code.
 *
 * <pre>{@code
 * ConnectionConfiguration.create("jdbc:postgresql://10.0.0.5:5432/shop")
 *     .withDataSourceProvider(() -> {
 *       PGSimpleDataSource source = new PGSimpleDataSource();
 *       source.setURL("jdbc:postgresql:///shop?cloudSqlInstance=proj:region:db"
 *           + "&socketFactory=com.google.cloud.sql.postgres.SocketFactory"
 *           + "&enableIamAuth=true&sslmode=disable");
 *       source.setUser("reader@proj.iam");
 *       return source;
 *     });
 * }</pre>
 */
@FunctionalInterface
public interface DataSourceProvider extends Serializable {

  /**
   * A data source whose {@code getConnection()} opens a connection with its own credentials.
   * Called once for each pool (per worker JVM and configuration) and once for each connection
   * HeliosDbIO opens outside its pool; a data source that is {@link AutoCloseable} is closed
   * with its pool, or with that connection.
   *
   * @throws Exception if it cannot be created: the connection fails, naming the provider's class
   *     and the exception
   */
  DataSource create() throws Exception;
}
