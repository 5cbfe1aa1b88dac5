package io.heliosdb.beam.retry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.heliosdb.beam.HeliosDbException;
import io.heliosdb.beam.dialect.FailureKind;
import io.heliosdb.beam.dialect.MySqlDialect;
import io.heliosdb.beam.dialect.PostgresDialect;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RetrierTest {
  private static final SQLException LOST = new SQLException("connection lost", "08006");
  private static final SQLException DEADLOCK = new SQLException("deadlock detected", "40P01");
  private static final SQLException NO_TABLE = new SQLException("no such table", "42P01");

  private final AtomicLong now = new AtomicLong(1_000_000);

  private Retrier retrier(long connectionMillis, int readRetries) {
    return new Retrier(
        new RetryPolicy(connectionMillis, readRetries, 5_000), new PostgresDialect(), "t",
        now::get);
  }

  @Test
  void connectionFailuresBackOffExponentiallyWithJitterUpToSixtySeconds() {
    for (int failure = 1; failure <= 12; failure++) {
      long base = Math.min(60_000, 1_000L << (failure - 1));
      assertThat(Retrier.backoff(failure)).isBetween((long) (base * 0.8), (long) (base * 1.2));
    }
  }

  @Test
  void connectionFailuresAreRetriedUntilTheRetryTimeIsSpent() {
    Retrier retrier = retrier(10_000, 3);
    long waited = 0;
    int retries = 0;
    try {
      while (true) {
        long delay = retrier.delayAfter(LOST, "reading");
        waited += delay;
        now.addAndGet(delay);
        retries++;
      }
    } catch (HeliosDbException e) {
      assertThat(e).hasMessageContaining("connection failure")
          .hasMessageContaining("SQLState 08006")
          .hasMessageContaining("withConnectionRetryTime");
    }
    assertThat(retries).isBetween(3, 4); // about 1 + 2 + 4 s, never past 10 s
    assertThat(waited).isLessThanOrEqualTo(10_000);
  }

  @Test
  void readFailuresAreRetriedTheConfiguredNumberOfTimesFiveSecondsApart() {
    Retrier retrier = retrier(60_000, 2);
    assertThat(retrier.delayAfter(DEADLOCK, "reading")).isEqualTo(5_000);
    assertThat(retrier.delayAfter(DEADLOCK, "reading")).isEqualTo(5_000);
    assertThatThrownBy(() -> retrier.delayAfter(DEADLOCK, "reading"))
        .hasMessageContaining("transient failure")
        .hasMessageContaining("2 retries");
    retrier.succeeded(); // progress: a new count
    assertThat(retrier.delayAfter(DEADLOCK, "reading")).isEqualTo(5_000);
    assertThat(retrier.retries()).isEqualTo(3);
  }

  @Test
  void permanentFailuresFailAtOnceNamingTheCause() {
    assertThatThrownBy(() -> retrier(60_000, 3).delayAfter(NO_TABLE, "snapshot read of t"))
        .isInstanceOf(HeliosDbException.class)
        .hasMessageContaining("[t] snapshot read of t failed (permanent failure, SQLState 42P01")
        .hasMessageContaining("no such table")
        .hasCause(NO_TABLE);
  }

  /**
   * A pool timeout or Debezium's generic error says nothing of the cause: the retry's warning and
   * the final error add what the database answered (found by the fault suite).
   */
  @Test
  void messagesNameTheDatabasesAnswerBehindAWrappingError() {
    SQLException refused = new SQLException("FATAL: too many connections for role \"r\"",
        "53300");
    SQLException poolTimeout = new SQLException("Cannot get a connection to db: heliosdb-1 -"
        + " Connection is not available, request timed out after 30000ms", "53300", 0,
        new SQLTransientConnectionException("heliosdb-1 - Connection is not available", "53300",
            refused));
    assertThat(HeliosDbException.describe(poolTimeout)).isEqualTo(poolTimeout.getMessage()
        + " (cause: FATAL: too many connections for role \"r\")");
    RuntimeException debezium = new RuntimeException(
        "An exception occurred in the change event producer. This connector will be stopped.",
        new RuntimeException(new SQLException("Database connection failed when reading from"
            + " copy", "08006", new java.io.IOException("Connection reset"))));
    assertThat(HeliosDbException.describe(debezium)).endsWith(
        "(cause: Database connection failed when reading from copy)");
    assertThat(HeliosDbException.describe(new RuntimeException("outer", new java.io.IOException("reset"))))
        .isEqualTo("outer (cause: reset)");
    assertThat(HeliosDbException.describe(LOST)).isEqualTo("connection lost");
    SQLException lost = new SQLException("the connection was lost: connection lost", "08006",
        LOST);
    assertThat(HeliosDbException.describe(lost)).isEqualTo(lost.getMessage()); // said already
    assertThatThrownBy(() -> retrier(0, 3).delayAfter(poolTimeout, "planning"))
        .hasMessageContaining("(cause: FATAL: too many connections for role");
  }

  @Test
  void callRunsWorkAgainAfterRetriableFailures() {
    Retrier retrier =
        new Retrier(new RetryPolicy(60_000, 3, 0), new PostgresDialect(), "t", now::get);
    int[] attempts = {0};
    String result = retrier.call("planning", () -> {
      if (attempts[0]++ < 2) {
        throw DEADLOCK;
      }
      return "done";
    });
    assertThat(result).isEqualTo("done");
    assertThat(attempts[0]).isEqualTo(3);
  }

  @Test
  void dialectsClassifyBySqlStateVendorCodeAndCauses() {
    PostgresDialect postgres = new PostgresDialect();
    assertThat(postgres.classify(new SQLException("x", "57P01"))).isEqualTo(FailureKind.CONNECTION);
    assertThat(postgres.classify(new SQLException("x", "53300"))).isEqualTo(FailureKind.CONNECTION);
    assertThat(postgres.classify(new SQLException("x", "08001"))).isEqualTo(FailureKind.CONNECTION);
    assertThat(postgres.classify(new SQLException("x", "40001"))).isEqualTo(FailureKind.TRANSIENT);
    assertThat(postgres.classify(new SQLException("x", "28P01"))).isEqualTo(FailureKind.PERMANENT);
    assertThat(postgres.classify(new SQLException("x", "42501"))).isEqualTo(FailureKind.PERMANENT);
    assertThat(postgres.classify(new SQLException("x"))).isEqualTo(FailureKind.PERMANENT);
    assertThat(postgres.classify(new SQLException("wrapped", null, 0,
        new SQLTransientConnectionException("pool timed out")))).isEqualTo(FailureKind.CONNECTION);
    assertThat(postgres.classify(new SQLTransientConnectionException("pool timed out", "08001",
        new SQLException("password authentication failed", "28P01"))))
        .isEqualTo(FailureKind.PERMANENT);
    MySqlDialect mariaDb = new MySqlDialect(false);
    assertThat(mariaDb.classify(new SQLException("killed", "70100", 1927)))
        .isEqualTo(FailureKind.CONNECTION);
    assertThat(mariaDb.classify(new SQLException("too many", "HY000", 1040)))
        .isEqualTo(FailureKind.CONNECTION);
    // a user's connection limit, as PostgreSQL's 53300 for a role's (found by the fault suite)
    assertThat(mariaDb.classify(new SQLException("User 'r' has exceeded the"
        + " 'max_user_connections' resource (current value: 2)", "42000", 1226)))
        .isEqualTo(FailureKind.CONNECTION);
    assertThat(mariaDb.classify(new SQLException("User r already has more than"
        + " 'max_user_connections' active connections", "42000", 1203)))
        .isEqualTo(FailureKind.CONNECTION);
    assertThat(mariaDb.classify(new SQLException("deadlock", "40001", 1213)))
        .isEqualTo(FailureKind.TRANSIENT);
    assertThat(mariaDb.classify(new SQLException("lock wait", "HY000", 1205)))
        .isEqualTo(FailureKind.TRANSIENT);
    assertThat(mariaDb.classify(new SQLException("denied", "28000", 1045)))
        .isEqualTo(FailureKind.PERMANENT);
    assertThat(mariaDb.classify(new SQLException("no table", "42S02", 1146)))
        .isEqualTo(FailureKind.PERMANENT);
    assertThat(mariaDb.classify(new SQLException("purged binlog", "HY000", 1236)))
        .isEqualTo(FailureKind.PERMANENT);
  }
}
