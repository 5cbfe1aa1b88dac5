package io.heliosdb.beam;

import static io.heliosdb.beam.BadInputIT.buildsWithoutSideEffects;
import static io.heliosdb.beam.BadInputIT.failsAtConstruction;

import io.heliosdb.beam.testing.TestDatabase;
import io.heliosdb.beam.testing.TestDatabases;
import java.util.List;
import java.util.function.Function;
import org.apache.beam.sdk.Pipeline;
import org.assertj.core.api.SoftAssertions;
import org.joda.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ArgumentsSource;

/**
 * Every combination of options that cannot run, against real PostgreSQL and MariaDB servers: each
 * must fail when the pipeline is built, with a message naming the option and the table or
 * database, and leave no slot or publication behind. Refusals that need a MySQL server (there is
 * none here) are decided from the server's version: {@code ConsistentReadServerTest}.
 */
class RefusedCombinationsIT {

  /** The tables a combination reads: keyed by a BIGINT, without a key, keyed by a string. */
  record Tables(String keyed, String keyless, String stringKeyed, String slot) {}

  /**
   * A combination and how it is refused.
   *
   * @param postgresOnly whether only PostgreSQL refuses it (MariaDB runs it)
   */
  record Refused(
      String combination,
      boolean postgresOnly,
      Function<Tables, String> table,
      Function<HeliosDbIO.Read, HeliosDbIO.Read> options,
      Class<? extends Throwable> type,
      List<String> message) {}

  private static CdcOptions cdc(Tables tables) {
    return CdcOptions.create().withSlotName(tables.slot())
        .withHeartbeatInterval(Duration.standardSeconds(1));
  }

  private static final String THEN_CDC = "HeliosDbIO.read().withSnapshot(...).withCdc(...): ";

  /** The table: combination, database, table read, options, error and what its message says. */
  static List<Refused> combinations(Tables t) {
    SnapshotOptions snapshot = SnapshotOptions.byPrimaryKey();
    IncrementalOptions incremental = IncrementalOptions.trackingColumn("updated_at");
    return List.of(
        new Refused("incremental and CDC", false, Tables::keyed,
            r -> r.withIncremental(incremental).withCdc(cdc(t)), IllegalArgumentException.class,
            List.of("HeliosDbIO.read(): withIncremental(...) and withCdc(...) are two read modes;"
                + " use one")),
        new Refused("incremental with a snapshot", false, Tables::keyed,
            r -> r.withIncremental(incremental).withSnapshot(snapshot),
            IllegalArgumentException.class,
            List.of("withSnapshot(...) does not apply to withIncremental(...)", "remove withSnapshot")),
        new Refused("incremental with a split column", false, Tables::keyed,
            r -> r.withIncremental(incremental).withSplitColumn("id"),
            IllegalArgumentException.class,
            List.of("withSplitColumn(...) does not apply to withIncremental(...)")),
        new Refused("incremental on a table without a key", false, Tables::keyless,
            r -> r.withIncremental(incremental), IllegalArgumentException.class,
            List.of("withIncremental(...): table ", " has no primary key")),
        new Refused("snapshot then CDC on a table without a key", false, Tables::keyless,
            r -> r.withSnapshot(snapshot).withCdc(cdc(t)), IllegalArgumentException.class,
            List.of(THEN_CDC + "table ", " has no primary key", "add a primary key")),
        new Refused("snapshot then CDC split by a column other than the key", false,
            Tables::keyed, r -> r.withSnapshot(snapshot).withCdc(cdc(t)).withSplitColumn("v"),
            IllegalArgumentException.class,
            List.of(THEN_CDC + "withSplitColumn(\"v\") is not the primary key [id]")),
        new Refused("snapshot then CDC from a start position", false, Tables::keyed,
            r -> r.withSnapshot(snapshot).withCdc(cdc(t).withStartPosition("0/16B3748")),
            IllegalArgumentException.class,
            List.of(THEN_CDC + "CdcOptions.withStartPosition(...) cannot follow a snapshot")),
        new Refused("snapshot then CDC on a string key", false, Tables::stringKeyed,
            r -> r.withSnapshot(snapshot).withCdc(cdc(t)), IllegalArgumentException.class,
            List.of(THEN_CDC + "the primary key of ", "[code (STRING", "cannot reproduce")),
        new Refused("CDC without withUsername (the user in the URL's query)", false,
            Tables::keyed, r -> r.withCdc(cdc(t)), IllegalArgumentException.class,
            List.of("needs the database user from ConnectionConfiguration.withUsername(...)")),
        new Refused("snapshot then CDC without withUsername", false, Tables::keyed,
            r -> r.withSnapshot(snapshot).withCdc(cdc(t)), IllegalArgumentException.class,
            List.of("needs the database user from ConnectionConfiguration.withUsername(...)")),
        new Refused("CDC on a table without a key or replica identity", true, Tables::keyless,
            r -> r.withCdc(cdc(t)), IllegalStateException.class,
            List.of("CDC of table public.", " needs a replica identity, which it lacks")));
  }

  /** Reads as the test's user, or with the user only in the URL's query string. */
  private static HeliosDbIO.Read read(TestDatabase db, String table, boolean userInUrl) {
    ConnectionConfiguration connection =
        userInUrl
            ? ConnectionConfiguration.create(db.url() + (db.url().contains("?") ? "&" : "?")
                + "user=" + db.user())
            : db.connectionConfiguration();
    return HeliosDbIO.read().withConnection(connection).withTable(table);
  }

  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void everyCombinationThatCannotRunFailsWhenThePipelineIsBuilt(TestDatabase db)
      throws Exception {
    Tables tables =
        new Tables(
            BadInputIT.createTable(db, "refused", true, ""),
            BadInputIT.createTable(db, "refused_nokey", false, ""),
            TestDatabase.uniqueName("refused_str"),
            TestDatabase.uniqueName("refused_s"));
    db.execute("CREATE TABLE " + tables.stringKeyed() + " (code VARCHAR(20) PRIMARY KEY, v INT)");
    SoftAssertions softly = new SoftAssertions();
    try {
      for (Refused refused : combinations(tables)) {
        if (refused.postgresOnly() && !db.isPostgres()) {
          continue;
        }
        boolean userInUrl = refused.combination().contains("withUsername");
        HeliosDbIO.Read read =
            refused.options().apply(read(db, refused.table().apply(tables), userInUrl));
        softly.check(() -> {
          var error = failsAtConstruction(db, read, refused.type()).as(refused.combination());
          for (String part : refused.message()) {
            error.hasMessageContaining(part);
          }
        });
      }
      // the combinations that run still build, without creating anything
      buildsWithoutSideEffects(db, read(db, tables.keyed(), false)
          .withSnapshot(SnapshotOptions.byPrimaryKey()).withCdc(cdc(tables)));
      buildsWithoutSideEffects(db, read(db, tables.keyed(), false).withCdc(cdc(tables)));
    } finally {
      db.dropQuietly(tables.keyed());
      db.dropQuietly(tables.keyless());
      db.dropQuietly(tables.stringKeyed());
    }
    softly.assertAll();
  }

  /**
   * Snapshot then CDC on Oracle is refused by the URL alone, before connecting: the server need
   * not be reachable.
   */
  @org.junit.jupiter.api.Test
  void snapshotThenCdcOnOracleIsRefusedBeforeConnecting() {
    HeliosDbIO.Read read =
        HeliosDbIO.read()
            .withConnection(
                ConnectionConfiguration.create("jdbc:oracle:thin:@//127.0.0.1:1/NOSUCH")
                    .withUsername("reader"))
            .withTable("orders")
            .withSnapshot(SnapshotOptions.byPrimaryKey())
            .withCdc(CdcOptions.create());
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> Pipeline.create().apply(read))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(THEN_CDC + "snapshot then CDC is supported on PostgreSQL and MariaDB, not on"
            + " oracle; use withCdc(...) alone, after a snapshot read");
  }
}
