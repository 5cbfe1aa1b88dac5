package io.heliosdb.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.heliosdb.beam.schemas.HeliosDbReadSchemaTransformProvider;
import io.heliosdb.beam.schemas.HeliosDbReadTablesSchemaTransformProvider;
import io.heliosdb.beam.testing.TestDatabase;
import io.heliosdb.beam.testing.TestDatabases;
import java.util.List;
import java.util.Map;
import org.apache.beam.model.expansion.v1.ExpansionApi;
import org.apache.beam.model.expansion.v1.ExpansionServiceGrpc;
import org.apache.beam.model.pipeline.v1.ExternalTransforms.SchemaTransformPayload;
import org.apache.beam.model.pipeline.v1.RunnerApi;
import org.apache.beam.model.pipeline.v1.SchemaApi;
import org.apache.beam.sdk.coders.RowCoder;
import org.apache.beam.sdk.expansion.service.ExpansionServer;
import org.apache.beam.sdk.expansion.service.ExpansionService;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.SchemaTranslation;
import org.apache.beam.sdk.schemas.transforms.SchemaTransformProvider;
import org.apache.beam.sdk.util.CoderUtils;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.vendor.grpc.v1p69p0.com.google.protobuf.ByteString;
import org.apache.beam.vendor.grpc.v1p69p0.io.grpc.ManagedChannel;
import org.apache.beam.vendor.grpc.v1p69p0.io.grpc.ManagedChannelBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ArgumentsSource;

/**
 * HeliosDbIO's schema transforms through Beam's expansion service over gRPC, as Beam YAML and the
 * Python SDK call it: discovery lists them, and an expansion request with a configuration row
 * returns the read and its output collections with the table's schema.
 */
@ExtendWith(TestDatabases.class)
class ExpansionServiceIT {
  static final String SCHEMA_TRANSFORM_URN = "beam:expansion:payload:schematransform:v1";

  private static ExpansionServer server;
  private static ManagedChannel channel;
  private static ExpansionServiceGrpc.ExpansionServiceBlockingStub expansion;

  @BeforeAll
  static void startExpansionService() throws Exception {
    server = ExpansionServer.create(new ExpansionService(), "localhost", 0);
    channel = ManagedChannelBuilder.forAddress("localhost", server.getPort()).usePlaintext()
        .build();
    expansion = ExpansionServiceGrpc.newBlockingStub(channel);
  }

  @AfterAll
  static void stopExpansionService() throws Exception {
    channel.shutdownNow();
    server.close();
  }

  /** An expansion request as an SDK sends it: every configuration field, unset ones null. */
  static ExpansionApi.ExpansionRequest request(
      SchemaTransformProvider provider, Map<String, Object> fields) throws Exception {
    Schema schema = provider.configurationSchema();
    Row config = Row.withSchema(schema).withFieldValues(fields).build();
    SchemaTransformPayload payload = SchemaTransformPayload.newBuilder()
        .setIdentifier(provider.identifier())
        .setConfigurationSchema(SchemaTranslation.schemaToProto(schema, true))
        .setConfigurationRow(ByteString.copyFrom(
            CoderUtils.encodeToByteArray(RowCoder.of(schema), config)))
        .build();
    return ExpansionApi.ExpansionRequest.newBuilder()
        .setComponents(RunnerApi.Components.getDefaultInstance())
        .setNamespace("stx")
        .setTransform(RunnerApi.PTransform.newBuilder()
            .setUniqueName("ReadFromHeliosDb")
            .setSpec(RunnerApi.FunctionSpec.newBuilder()
                .setUrn(SCHEMA_TRANSFORM_URN)
                .setPayload(payload.toByteString())))
        .build();
  }

  /** The field names of the schema of an output collection of an expansion. */
  static List<String> outputFields(ExpansionApi.ExpansionResponse response, String output)
      throws Exception {
    RunnerApi.Components components = response.getComponents();
    String pcollection = response.getTransform().getOutputsMap().get(output);
    RunnerApi.Coder coder = components.getCodersOrThrow(
        components.getPcollectionsOrThrow(pcollection).getCoderId());
    assertThat(coder.getSpec().getUrn()).isEqualTo("beam:coder:row:v1");
    Schema schema = SchemaTranslation.schemaFromProto(
        SchemaApi.Schema.parseFrom(coder.getSpec().getPayload()));
    return schema.getFieldNames();
  }

  @Test
  void discoveryListsBothIdentifiersWithTheirConfigurationSchemas() throws Exception {
    ExpansionApi.DiscoverSchemaTransformResponse response = expansion.discoverSchemaTransform(
        ExpansionApi.DiscoverSchemaTransformRequest.getDefaultInstance());
    assertThat(response.getError()).isEmpty();
    ExpansionApi.SchemaTransformConfig read = response.getSchemaTransformConfigsOrThrow(
        HeliosDbReadSchemaTransformProvider.IDENTIFIER);
    ExpansionApi.SchemaTransformConfig tables = response.getSchemaTransformConfigsOrThrow(
        HeliosDbReadTablesSchemaTransformProvider.IDENTIFIER);
    assertThat(read.getOutputPcollectionNamesList()).containsExactly("output");
    assertThat(read.getInputPcollectionNamesList()).isEmpty();
    assertThat(SchemaTranslation.schemaFromProto(read.getConfigSchema()).getFieldNames())
        .contains("jdbc_url", "table", "mode", "tracking_column", "slot_name");
    assertThat(SchemaTranslation.schemaFromProto(tables.getConfigSchema()).getFieldNames())
        .contains("jdbc_url", "tables", "table_pattern", "namespace", "mode");
    assertThat(read.getDescription()).contains("snapshot_then_cdc");
  }

  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void expandsAReadIntoItsOutputWithTheTableSchema(TestDatabase db) throws Exception {
    String table = TestDatabase.uniqueName("stx_exp");
    db.execute("CREATE TABLE " + table + " (id BIGINT PRIMARY KEY, name VARCHAR(20))");
    try {
      ExpansionApi.ExpansionResponse response = expansion.expand(request(
          new HeliosDbReadSchemaTransformProvider(),
          Map.of("jdbc_url", db.url(), "username", db.user(), "password", db.password(),
              "table", table, "mode", "snapshot", "parallelism", 2)));
      assertThat(response.getError()).isEmpty();
      assertThat(response.getTransform().getUniqueName()).endsWith("ReadFromHeliosDb");
      assertThat(response.getTransform().getSubtransformsList()).isNotEmpty();
      assertThat(response.getTransform().getOutputsMap()).containsOnlyKeys("output");
      assertThat(outputFields(response, "output")).containsExactly("id", "name");
    } finally {
      db.dropQuietly(table);
    }
  }

  @ParameterizedTest
  @ArgumentsSource(TestDatabases.class)
  void expandsAReadOfTablesIntoOneOutputPerTable(TestDatabase db) throws Exception {
    String base = TestDatabase.uniqueName("stx_expt");
    db.execute("CREATE TABLE " + base + "_a (id BIGINT PRIMARY KEY, a VARCHAR(20))",
        "CREATE TABLE " + base + "_b (id BIGINT PRIMARY KEY, b INT)");
    try {
      ExpansionApi.ExpansionResponse response = expansion.expand(request(
          new HeliosDbReadTablesSchemaTransformProvider(),
          Map.of("jdbc_url", db.url(), "username", db.user(), "password", db.password(),
              "tables", List.of(base + "_a", base + "_b"))));
      assertThat(response.getError()).isEmpty();
      Map<String, String> outputs = response.getTransform().getOutputsMap();
      assertThat(outputs).hasSize(2);
      String first = outputs.keySet().stream().filter(n -> n.endsWith("." + base + "_a"))
          .findFirst().orElseThrow();
      String second = outputs.keySet().stream().filter(n -> n.endsWith("." + base + "_b"))
          .findFirst().orElseThrow();
      assertThat(outputFields(response, first)).containsExactly("id", "a");
      assertThat(outputFields(response, second)).containsExactly("id", "b");
    } finally {
      db.dropQuietly(base + "_a");
      db.dropQuietly(base + "_b");
    }
  }

  @Test
  void aBadConfigurationComesBackAsAnErrorNamingTheField() throws Exception {
    ExpansionApi.ExpansionResponse response = expansion.expand(request(
        new HeliosDbReadSchemaTransformProvider(),
        Map.of("jdbc_url", "jdbc:postgresql://127.0.0.1:5432/heliosdb", "password", "stx-pw-9",
            "table", "t", "tracking_column", "updated_at")));
    assertThat(response.getError())
        .contains("tracking_column applies only to mode incremental")
        .doesNotContain("stx-pw-9");
  }
}
