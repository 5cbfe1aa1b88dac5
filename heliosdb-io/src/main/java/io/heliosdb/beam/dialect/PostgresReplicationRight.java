package io.heliosdb.beam.dialect;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the login role may stream logical replication, as the CDC log reader does: a
 * superuser, a role with the {@code REPLICATION} attribute, or (Amazon RDS and Aurora, whose
 * servers grant replication through membership) a member of {@link #MANAGED_ROLES}. The role
 * checked is the session's login role ({@code session_user}), which the log reader logs in as,
 * not a role an init statement ({@code SET ROLE}) switched to.
 *
 * <p>PostgreSQL itself does not pass {@code REPLICATION} on through role membership: a member
 * of a role that has it is refused, with that explained. Cloud SQL and Azure Database for
 * PostgreSQL give the attribute itself ({@code ALTER ROLE ... WITH REPLICATION}, run by a member
 * of {@code cloudsqlsuperuser} or {@code azure_pg_admin}).
 */
final class PostgresReplicationRight {
  private static final Logger LOG = LoggerFactory.getLogger(PostgresReplicationRight.class);

  /**
   * The roles through which Amazon RDS and Aurora grant replication to their members (the roles
   * Debezium's connector accepts too), directly or through other roles.
   */
  static final List<String> MANAGED_ROLES =
      List.of("rds_replication", "rds_superuser", "rdsadmin", "rdsrepladmin");

  private PostgresReplicationRight() {}

  /**
   * @throws IllegalStateException naming the user, why it may not stream and what to run
   */
  static void check(Connection connection, Dialect dialect) throws SQLException {
    String[] answer = new String[4];
    CatalogDialect.forEachRow(
        connection,
        "SELECT r.rolname, CASE WHEN r.rolsuper OR r.rolreplication THEN 'yes' END,"
            + " (SELECT string_agg(m.rolname, ', ' ORDER BY m.rolname) FROM pg_roles m"
            + "   WHERE m.rolname = ANY (CAST(? AS text[])) AND pg_has_role(r.oid, m.oid, 'MEMBER')),"
            + " (SELECT string_agg(g.rolname, ', ' ORDER BY g.rolname) FROM pg_roles g"
            + "   WHERE (g.rolreplication OR g.rolsuper) AND g.oid <> r.oid"
            + "   AND pg_has_role(r.oid, g.oid, 'MEMBER'))"
            + " FROM pg_roles r WHERE r.rolname = session_user",
        rs -> {
          for (int i = 0; i < answer.length; i++) {
            answer[i] = rs.getString(i + 1);
          }
        },
        "{" + String.join(",", MANAGED_ROLES) + "}");
    String user = answer[0] != null ? answer[0] : connection.getMetaData().getUserName();
    if (answer[1] != null) {
      return;
    }
    if (answer[2] != null) {
      LOG.info("User {} may stream logical replication as a member of {} (Amazon RDS and Aurora"
          + " grant it through that membership)", user, answer[2]);
      return;
    }
    String grant = "Run ALTER ROLE " + dialect.quoteIdentifier(user) + " WITH REPLICATION, or"
        + " connect as a role that has it";
    if (answer[3] != null) {
      throw new IllegalStateException("CDC on PostgreSQL needs the REPLICATION privilege, which"
          + " user " + user + " lacks: it is a member of " + answer[3] + ", but PostgreSQL does"
          + " not pass REPLICATION on through role membership. " + grant + " (on Amazon RDS"
          + " and Aurora: GRANT rds_replication TO " + dialect.quoteIdentifier(user) + ")");
    }
    throw new IllegalStateException("CDC on PostgreSQL needs the REPLICATION privilege, which"
        + " user " + user + " lacks. " + grant + " (on Amazon RDS and Aurora: GRANT"
        + " rds_replication TO " + dialect.quoteIdentifier(user) + ")");
  }
}
