package io.heliosdb.beam.schemas;

import io.heliosdb.beam.testing.TestDatabase;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.beam.sdk.schemas.transforms.SchemaTransform;
import org.apache.beam.sdk.schemas.transforms.SchemaTransformProvider;
import org.apache.beam.sdk.values.Row;

/** Configuration rows built from a provider's configuration schema, as Beam YAML builds them. */
final class ConfigRows {
  private final SchemaTransformProvider provider;
  private final Map<String, Object> values = new LinkedHashMap<>();

  private ConfigRows(SchemaTransformProvider provider) {
    this.provider = provider;
  }

  static ConfigRows read() {
    return new ConfigRows(new HeliosDbReadSchemaTransformProvider());
  }

  static ConfigRows readTables() {
    return new ConfigRows(new HeliosDbReadTablesSchemaTransformProvider());
  }

  /** The connection fields of a test database. */
  ConfigRows connection(TestDatabase db) {
    return set("jdbc_url", db.url()).set("username", db.user()).set("password", db.password());
  }

  ConfigRows set(String field, Object value) {
    values.put(field, value);
    return this;
  }

  Row row() {
    return Row.withSchema(provider.configurationSchema()).withFieldValues(values).build();
  }

  /** The transform the provider builds from the row (which checks the configuration). */
  SchemaTransform transform() {
    return provider.from(row());
  }
}
