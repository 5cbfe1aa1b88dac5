package io.heliosdb.beam.dialect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The Debezium settings a user may not pass through, against what each dialect sets. */
class OwnedChangePropertiesTest {

  /** Every key any dialect sets, with TLS parameters in the URLs so that those are set too. */
  static Set<String> keysTheDialectsSet() {
    ChangeCaptureSettings settings = ChangeCaptureDialectTest.TABLES;
    Set<String> keys = new TreeSet<>();
    keys.addAll(new PostgresDialect().changeTaskProperties(
        "jdbc:postgresql://db/app?sslmode=verify-full&sslrootcert=/ca.pem&sslcert=/c.pem"
            + "&sslkey=/k.pem&sslpassword=x&sslfactory=F", "r", settings).keySet());
    keys.addAll(new MySqlDialect(false).changeTaskProperties(
        "jdbc:mariadb://db/app?sslMode=verify-full&trustStore=/t&trustStorePassword=x"
            + "&keyStore=/k&keyStorePassword=x", "r", settings).keySet());
    keys.addAll(new MySqlDialect(true).changeTaskProperties(
        "jdbc:mysql://db/app?sslMode=VERIFY_CA&trustCertificateKeyStoreUrl=file:/t"
            + "&trustCertificateKeyStorePassword=x&clientCertificateKeyStoreUrl=file:/k"
            + "&clientCertificateKeyStorePassword=x", "r", settings).keySet());
    keys.addAll(new OracleDialect().changeTaskProperties(
        "jdbc:oracle:thin:@//db:1521/freepdb1", "r", settings).keySet());
    // set by the log reader itself (CdcSpec) with the credentials and its batch size
    keys.addAll(Set.of("database.user", "database.password", "max.batch.size"));
    return keys;
  }

  @Test
  void everyKeyADialectSetsIsRefusedWithAReason() {
    Set<String> keys = keysTheDialectsSet();
    assertThat(keys).hasSizeGreaterThan(30).contains("database.ssl.truststore", "slot.name");
    assertThat(keys).allSatisfy(key -> assertThat(OwnedChangeProperties.reason(key))
        .as("the reason HeliosDbIO owns %s", key).isNotBlank());
  }

  @Test
  void refusesNamingTheKeyAndTheOptionToUse() {
    assertThatThrownBy(() -> OwnedChangeProperties.check("CdcOptions.withDebeziumProperties",
            Map.of("slot.name", "other")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("CdcOptions.withDebeziumProperties: 'slot.name' is set by HeliosDbIO and"
            + " cannot be passed through: set it with CdcOptions.withSlotName");
    assertThatThrownBy(() -> OwnedChangeProperties.check("o",
            Map.of("offset.storage", "org.apache.kafka.connect.storage.FileOffsetBackingStore")))
        .hasMessageContaining("'offset.storage'")
        .hasMessageContaining("positions are kept in the pipeline's state");
    assertThatThrownBy(() -> OwnedChangeProperties.check("o", Map.of("transforms", "unwrap")))
        .hasMessageContaining("not applied: the log reader runs without Kafka Connect");
    assertThatThrownBy(() -> OwnedChangeProperties.check("o", Map.of("snapshot.mode", "always")))
        .hasMessageContaining("reads snapshots itself");
  }

  @Test
  void passesSettingsTheSourceDoesNotOwn() {
    Map<String, String> free = Map.of(
        "column.mask.with.6.chars", "public.t.secret",
        "column.mask.hash.SHA-256.with.salt.x", "public.t.email",
        "heartbeat.action.query", "UPDATE heartbeat SET at = now()",
        "database.initial.statements", "SET lock_timeout = '5s'",
        "max.queue.size", "16384",
        "event.processing.failure.handling.mode", "fail");
    OwnedChangeProperties.check("o", free);
    assertThat(free.keySet()).allSatisfy(key ->
        assertThat(OwnedChangeProperties.reason(key)).as(key).isNull());
  }
}
