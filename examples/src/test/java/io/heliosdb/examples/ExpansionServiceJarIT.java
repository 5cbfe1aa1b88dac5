package io.heliosdb.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.heliosdb.beam.schemas.HeliosDbReadSchemaTransformProvider;
import io.heliosdb.beam.schemas.HeliosDbReadTablesSchemaTransformProvider;
import io.heliosdb.beam.testing.DatabaseKind;
import io.heliosdb.beam.testing.TestDatabase;
import io.heliosdb.beam.testing.TestDatabases;
import java.io.File;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.apache.beam.model.expansion.v1.ExpansionApi;
import org.apache.beam.model.expansion.v1.ExpansionServiceGrpc;
import org.apache.beam.vendor.grpc.v1p69p0.io.grpc.ManagedChannel;
import org.apache.beam.vendor.grpc.v1p69p0.io.grpc.ManagedChannelBuilder;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The expansion service jar of the {@code expansion-service} profile, started as {@code java -jar
 * <jar> <port>}: it lists both schema transforms and expands a read of a PostgreSQL table. Runs
 * in that profile, which builds the jar; skipped otherwise.
 */
@ExtendWith(TestDatabases.class)
class ExpansionServiceJarIT {
  @Test
  void theJarServesDiscoveryAndExpansion(@TestDatabases.Use(DatabaseKind.POSTGRES) TestDatabase db)
      throws Exception {
    String jar = System.getProperty("expansion.service.jar");
    Assumptions.assumeTrue(jar != null,
        "runs in the expansion-service profile (mvn -pl heliosdb-io,examples"
            + " -Pexpansion-service verify), which builds the jar");
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process service = new ProcessBuilder(java.toString(), "-jar", jar, String.valueOf(port))
        .redirectErrorStream(true)
        .redirectOutput(new File(jar + ".log"))
        .start();
    ManagedChannel channel =
        ManagedChannelBuilder.forAddress("localhost", port).usePlaintext().build();
    String table = TestDatabase.uniqueName("stx_jar");
    db.execute("CREATE TABLE " + table + " (id BIGINT PRIMARY KEY, amount NUMERIC(10, 2))");
    try {
      ExpansionServiceGrpc.ExpansionServiceBlockingStub expansion =
          ExpansionServiceGrpc.newBlockingStub(channel);
      ExpansionApi.DiscoverSchemaTransformResponse discovered =
          await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(
              () -> expansion.discoverSchemaTransform(
                  ExpansionApi.DiscoverSchemaTransformRequest.getDefaultInstance()),
              response -> true);
      assertThat(discovered.getSchemaTransformConfigsMap()).containsKeys(
          HeliosDbReadSchemaTransformProvider.IDENTIFIER,
          HeliosDbReadTablesSchemaTransformProvider.IDENTIFIER);
      ExpansionApi.ExpansionResponse response = expansion.expand(ExpansionServiceIT.request(
          new HeliosDbReadSchemaTransformProvider(),
          Map.of("jdbc_url", db.url(), "username", db.user(), "table", table)));
      assertThat(response.getError()).isEmpty();
      assertThat(ExpansionServiceIT.outputFields(response, "output"))
          .containsExactly("id", "amount");
    } finally {
      channel.shutdownNow();
      service.destroy();
      db.dropQuietly(table);
    }
  }
}
