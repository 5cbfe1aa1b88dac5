package io.heliosdb.beam.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.stream.Collectors;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.transforms.SchemaTransformProvider;
import org.junit.jupiter.api.Test;

/**
 * The schema transforms' configurations: field names, discovery, and the errors of bad
 * configurations, raised when the transform is built (no database is contacted).
 */
class SchemaTransformConfigurationTest {
  private static final String URL = "jdbc:postgresql://127.0.0.1:5432/heliosdb";
  private static final String SECRET = "stx-s3cret-pw";

  private static final List<String> SHARED_FIELDS = List.of(
      "jdbc_url", "username", "password", "mode", "parallelism", "chunk_size", "fetch_size",
      "tracking_column", "poll_interval_seconds", "commit_delay_seconds", "slot_name",
      "publication_name", "server_id", "start_position", "heartbeat_seconds",
      "unknown_types_as_string", "millisecond_timestamps");

  static ConfigRows table() {
    return ConfigRows.read().set("jdbc_url", URL).set("table", "public.orders");
  }

  static ConfigRows tables() {
    return ConfigRows.readTables().set("jdbc_url", URL).set("namespace", "public");
  }

  static void assertRefused(ConfigRows config, String message) {
    assertThatThrownBy(config::transform)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(message);
  }

  @Test
  void configurationFieldsAreSnakeCaseAndDescribed() {
    Schema read = new HeliosDbReadSchemaTransformProvider().configurationSchema();
    assertThat(read.getFieldNames())
        .containsExactlyInAnyOrderElementsOf(concat(SHARED_FIELDS, "table", "split_column", "columns"));
    Schema tables = new HeliosDbReadTablesSchemaTransformProvider().configurationSchema();
    assertThat(tables.getFieldNames()).containsExactlyInAnyOrderElementsOf(
        concat(SHARED_FIELDS, "tables", "table_pattern", "namespace"));
    assertThat(tables.getField("tables").getType().getTypeName())
        .isEqualTo(Schema.TypeName.ARRAY);
    for (Schema schema : List.of(read, tables)) {
      assertThat(schema.getFields()).allSatisfy(field -> {
        assertThat(field.getDescription()).as(field.getName()).isNotBlank();
        assertThat(field.getType().getNullable()).as(field.getName()).isTrue();
      });
    }
  }

  private static List<String> concat(List<String> shared, String... more) {
    return java.util.stream.Stream.concat(shared.stream(), java.util.Arrays.stream(more))
        .toList();
  }

  @Test
  void serviceLoaderFindsBothProvidersByIdentifier() {
    Map<String, SchemaTransformProvider> providers =
        ServiceLoader.load(SchemaTransformProvider.class).stream()
            .map(ServiceLoader.Provider::get)
            .collect(Collectors.toMap(SchemaTransformProvider::identifier, p -> p));
    SchemaTransformProvider read = providers.get("beam:schematransform:io.heliosdb:read:v1");
    SchemaTransformProvider tables =
        providers.get("beam:schematransform:io.heliosdb:read_tables:v1");
    assertThat(read).isInstanceOf(HeliosDbReadSchemaTransformProvider.class);
    assertThat(tables).isInstanceOf(HeliosDbReadTablesSchemaTransformProvider.class);
    assertThat(read.inputCollectionNames()).isEmpty();
    assertThat(read.outputCollectionNames()).containsExactly("output");
    assertThat(tables.inputCollectionNames()).isEmpty();
    assertThat(read.description()).contains("snapshot_then_cdc", "output");
    assertThat(tables.description()).contains("namespace.table");
  }

  @Test
  void requiredFieldsAreNamed() {
    assertRefused(ConfigRows.read().set("table", "t"), "jdbc_url is required");
    assertRefused(ConfigRows.read().set("jdbc_url", URL), "table is required");
    assertRefused(ConfigRows.readTables().set("namespace", "public"), "jdbc_url is required");
    assertRefused(table().set("mode", "incremental"),
        "tracking_column is required by mode incremental");
  }

  @Test
  void unknownModeListsTheModes() {
    assertRefused(table().set("mode", "stream"),
        "mode 'stream' is none of [snapshot, incremental, cdc, snapshot_then_cdc]");
    assertRefused(table().set("mode", "SNAPSHOT"), "mode 'SNAPSHOT' is none of");
  }

  @Test
  void fieldsOfAnotherModeAreRefused() {
    assertRefused(table().set("tracking_column", "updated_at"),
        "tracking_column applies only to mode incremental, not to mode snapshot");
    assertRefused(table().set("mode", "cdc").set("chunk_size", 10),
        "chunk_size applies only to mode snapshot or snapshot_then_cdc, not to mode cdc");
    assertRefused(table().set("mode", "cdc").set("parallelism", 2),
        "parallelism applies only to mode snapshot or snapshot_then_cdc");
    assertRefused(table().set("mode", "cdc").set("fetch_size", 2),
        "fetch_size applies only to mode snapshot or incremental or snapshot_then_cdc");
    assertRefused(table().set("slot_name", "s"),
        "slot_name applies only to mode cdc or snapshot_then_cdc, not to mode snapshot");
    assertRefused(table().set("mode", "snapshot_then_cdc").set("start_position", "0/0"),
        "start_position applies only to mode cdc, not to mode snapshot_then_cdc");
    assertRefused(table().set("mode", "incremental").set("tracking_column", "t")
        .set("split_column", "id"),
        "split_column applies only to mode snapshot or snapshot_then_cdc");
    assertRefused(table().set("mode", "incremental").set("tracking_column", "t")
        .set("heartbeat_seconds", 5L),
        "heartbeat_seconds applies only to mode cdc or snapshot_then_cdc");
    assertRefused(table().set("mode", "cdc").set("columns", List.of("id")),
        "columns applies only to mode snapshot or incremental, not to mode cdc");
    assertRefused(table().set("columns", List.of("id", "id")),
        "columns: withColumns([id, id]): column id is named twice");
    assertRefused(table().set("poll_interval_seconds", 5L),
        "poll_interval_seconds applies only to mode incremental");
  }

  @Test
  void outOfRangeValuesNameTheirField() {
    assertRefused(table().set("parallelism", 0), "parallelism: ");
    assertRefused(table().set("chunk_size", 0), "chunk_size: ");
    assertRefused(table().set("fetch_size", 0), "fetch_size: ");
    assertRefused(table().set("mode", "incremental").set("tracking_column", "t")
        .set("poll_interval_seconds", 0L), "poll_interval_seconds: ");
    assertRefused(table().set("mode", "incremental").set("tracking_column", "t")
        .set("commit_delay_seconds", -1L), "commit_delay_seconds: ");
    assertRefused(table().set("mode", "cdc").set("slot_name", "Bad-Slot"), "slot_name: ");
    assertRefused(table().set("mode", "cdc").set("publication_name", "Bad Pub"),
        "publication_name: ");
    assertRefused(table().set("mode", "cdc").set("server_id", 0L), "server_id: ");
    assertRefused(table().set("mode", "cdc").set("heartbeat_seconds", 0L), "heartbeat_seconds: ");
    assertRefused(table().set("jdbc_url", "ftp://host/db"), "jdbc_url: ");
  }

  @Test
  void readTablesNeedsExactlyOneSelection() {
    assertRefused(ConfigRows.readTables().set("jdbc_url", URL),
        "exactly one of tables, table_pattern and namespace is required");
    assertRefused(tables().set("tables", List.of("a")),
        "exactly one of tables, table_pattern and namespace is required, not tables and"
            + " namespace");
  }

  @Test
  void readTablesChecksTheFieldsOfItsModeAsReadDoes() {
    assertRefused(tables().set("mode", "stream"), "mode 'stream' is none of");
    assertRefused(tables().set("mode", "incremental"),
        "tracking_column is required by mode incremental");
    assertRefused(tables().set("mode", "incremental").set("tracking_column", "t")
        .set("parallelism", 2), "parallelism applies only to mode snapshot");
    assertRefused(tables().set("mode", "cdc").set("chunk_size", 5),
        "chunk_size applies only to mode snapshot or snapshot_then_cdc, not to mode cdc");
    assertRefused(tables().set("mode", "snapshot_then_cdc").set("start_position", "0/0"),
        "start_position applies only to mode cdc");
    assertRefused(tables().set("slot_name", "s"), "slot_name applies only to mode cdc");
    assertRefused(tables().set("mode", "cdc").set("slot_name", "Bad-Slot"), "slot_name: ");
  }

  @Test
  void validConfigurationsBuildWithoutConnecting() {
    assertThat(table().set("parallelism", 2).set("chunk_size", 100).set("fetch_size", 50)
        .set("split_column", "id").set("unknown_types_as_string", true).transform()).isNotNull();
    assertThat(table().set("mode", "incremental").set("tracking_column", "updated_at")
        .set("poll_interval_seconds", 1L).set("commit_delay_seconds", 0L).transform())
        .isNotNull();
    assertThat(table().set("mode", "cdc").set("slot_name", "stx_slot")
        .set("publication_name", "stx_pub").set("server_id", 5L).set("start_position", "0/0")
        .set("heartbeat_seconds", 1L).transform()).isNotNull();
    assertThat(table().set("mode", "snapshot_then_cdc").set("slot_name", "stx_slot")
        .set("parallelism", 2).transform()).isNotNull();
    assertThat(tables().set("mode", "incremental").set("tracking_column", "t").transform())
        .isNotNull();
    assertThat(tables().set("mode", "cdc").set("slot_name", "stx_tables").set("server_id", 7L)
        .set("start_position", "0/0").set("heartbeat_seconds", 1L).transform()).isNotNull();
    assertThat(tables().set("mode", "snapshot_then_cdc").set("parallelism", 2)
        .set("chunk_size", 10).transform()).isNotNull();
    assertThat(ConfigRows.readTables().set("jdbc_url", URL).set("table_pattern", "public\\..*")
        .transform()).isNotNull();
  }

  @Test
  void thePasswordIsInNoMessageAndNoConfigurationText() {
    String urlWithPassword = "postgresql://reader:" + SECRET + "@127.0.0.1:5432/heliosdb";
    for (ConfigRows config : List.of(
        table().set("password", SECRET).set("mode", "nope"),
        table().set("password", SECRET).set("parallelism", 0),
        table().set("jdbc_url", "ftp://reader:" + SECRET + "@host/db"),
        table().set("jdbc_url", urlWithPassword).set("tracking_column", "t"))) {
      assertThatThrownBy(config::transform).satisfies(e -> {
        assertThat(e.getMessage()).doesNotContain(SECRET);
        if (e.getCause() != null) {
          assertThat(e.getCause().getMessage()).doesNotContain(SECRET);
        }
      });
    }
    HeliosDbReadConfiguration configuration = HeliosDbReadConfiguration.builder()
        .setJdbcUrl(urlWithPassword).setPassword(SECRET).setTable("t").build();
    assertThat(configuration.toString()).doesNotContain(SECRET).contains("password=***");
    HeliosDbReadTablesConfiguration tablesConfiguration = HeliosDbReadTablesConfiguration
        .builder().setJdbcUrl(urlWithPassword).setPassword(SECRET).setNamespace("public").build();
    assertThat(tablesConfiguration.toString()).doesNotContain(SECRET).contains("namespace=public");
  }

  @Test
  void millisecondTimestampsReachTheReadAndTheReadOfTables() {
    HeliosDbReadConfiguration table = HeliosDbReadConfiguration.builder()
        .setJdbcUrl(URL).setTable("public.orders").setMillisecondTimestamps(true).build();
    assertThat(displayed(ConfiguredRead.of(table, List.of()).toRead()))
        .containsEntry("millisecondTimestamps", true);
    HeliosDbReadTablesConfiguration tables = HeliosDbReadTablesConfiguration.builder()
        .setJdbcUrl(URL).setTables(List.of("public.orders")).setMillisecondTimestamps(true)
        .build();
    assertThat(displayed(ConfiguredRead.of(tables, List.of()).toReadTables()))
        .containsEntry("millisecondTimestamps", true);
    assertThat(displayed(ConfiguredRead.of(
            HeliosDbReadConfiguration.builder().setJdbcUrl(URL).setTable("public.orders").build(),
            List.of()).toRead()))
        .containsEntry("millisecondTimestamps", false);
  }

  private static java.util.Map<String, Object> displayed(
      org.apache.beam.sdk.transforms.display.HasDisplayData transform) {
    java.util.Map<String, Object> items = new java.util.HashMap<>();
    for (org.apache.beam.sdk.transforms.display.DisplayData.Item item
        : org.apache.beam.sdk.transforms.display.DisplayData.from(transform).items()) {
      items.put(item.getKey(), item.getValue());
    }
    return items;
  }
}
