package io.heliosdb.beam.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.transforms.SchemaTransformProvider;
import org.apache.beam.sdk.values.Row;
import org.junit.jupiter.api.Test;

/**
 * The Beam YAML and Python examples of {@code docs/yaml-and-python.md}: every identifier they
 * name is one of the schema transforms, every configuration field they set exists in that
 * transform's configuration schema, and the transform accepts the configuration.
 */
class YamlAndPythonDocTest {
  private static final Path DOC = Path.of("..", "docs", "yaml-and-python.md");
  private static final Pattern BLOCK = Pattern.compile("```(yaml|python)\n(.*?)```", Pattern.DOTALL);
  private static final Pattern JAR = Pattern.compile("heliosdb-io-expansion-service-.+\\.jar");
  /** Arguments of SchemaAwareExternalTransform that are not configuration fields. */
  private static final List<String> TRANSFORM_ARGUMENTS =
      List.of("identifier", "expansion_service", "rearrange_based_on_discovery");

  private static final Map<String, SchemaTransformProvider> PROVIDERS = Map.of(
      HeliosDbReadSchemaTransformProvider.IDENTIFIER, new HeliosDbReadSchemaTransformProvider(),
      HeliosDbReadTablesSchemaTransformProvider.IDENTIFIER,
      new HeliosDbReadTablesSchemaTransformProvider());

  /** A use of a transform in an example: its identifier and configuration. */
  record Use(String identifier, Map<String, Object> config) {}

  static List<String> blocks(String language) throws Exception {
    Matcher matcher = BLOCK.matcher(Files.readString(DOC));
    List<String> blocks = new ArrayList<>();
    while (matcher.find()) {
      if (matcher.group(1).equals(language)) {
        blocks.add(matcher.group(2));
      }
    }
    return blocks;
  }

  @Test
  void yamlExamplesUseKnownIdentifiersAndFields() throws Exception {
    List<Use> uses = new ArrayList<>();
    for (String block : blocks("yaml")) {
      JsonNode pipeline = new YAMLMapper().readTree(block);
      Map<String, String> provided = new HashMap<>();
      for (JsonNode provider : pipeline.path("providers")) {
        assertThat(provider.path("type").asText()).isEqualTo("javaJar");
        assertThat(provider.path("config").path("jar").asText()).matches(JAR);
        provider.path("transforms").fields()
            .forEachRemaining(t -> provided.put(t.getKey(), t.getValue().asText()));
      }
      assertThat(provided).isNotEmpty();
      for (JsonNode transform : pipeline.path("pipeline").path("transforms")) {
        String identifier = provided.get(transform.path("type").asText());
        if (identifier != null) {
          Map<String, Object> config = new LinkedHashMap<>();
          transform.path("config").fields().forEachRemaining(
              field -> config.put(field.getKey(), yamlValue(field.getValue())));
          uses.add(new Use(identifier, config));
        }
      }
    }
    checkUses(uses);
  }

  private static Object yamlValue(JsonNode node) {
    if (node.isArray()) {
      List<String> values = new ArrayList<>();
      node.forEach(value -> values.add(value.asText()));
      return values;
    }
    return node.isNumber() ? node.numberValue() : node.isBoolean() ? node.booleanValue()
        : node.asText();
  }

  @Test
  void pythonExamplesUseKnownIdentifiersAndFields() throws Exception {
    List<Use> uses = new ArrayList<>();
    for (String block : blocks("python")) {
      int call = block.indexOf("SchemaAwareExternalTransform(", block.indexOf("with beam"));
      assertThat(call).as("a SchemaAwareExternalTransform call in\n" + block).isPositive();
      Map<String, String> arguments =
          keywordArguments(block.substring(block.indexOf('(', call) + 1));
      String identifier = unquote(arguments.remove("identifier"));
      assertThat(arguments).containsEntry("rearrange_based_on_discovery", "True");
      assertThat(arguments.get("expansion_service")).startsWith("JavaJarExpansionService(");
      assertThat(block).containsPattern("JAR = '" + JAR.pattern() + "'");
      Map<String, Object> config = new LinkedHashMap<>();
      arguments.forEach((name, value) -> {
        if (!TRANSFORM_ARGUMENTS.contains(name)) {
          config.put(name, pythonValue(value));
        }
      });
      uses.add(new Use(identifier, config));
    }
    checkUses(uses);
  }

  /** The keyword arguments of a call, from after its opening parenthesis. */
  static Map<String, String> keywordArguments(String text) {
    Map<String, String> arguments = new LinkedHashMap<>();
    int depth = 0;
    StringBuilder argument = new StringBuilder();
    for (char c : text.toCharArray()) {
      if (depth == 0 && (c == ',' || c == ')')) {
        String[] nameValue = argument.toString().trim().split("=", 2);
        arguments.put(nameValue[0].trim(), nameValue[1].trim());
        argument.setLength(0);
        if (c == ')') {
          return arguments;
        }
        continue;
      }
      depth += c == '(' || c == '[' ? 1 : c == ')' || c == ']' ? -1 : 0;
      argument.append(c);
    }
    throw new AssertionError("unclosed call: " + text);
  }

  private static Object pythonValue(String value) {
    if (value.startsWith("[")) {
      List<String> values = new ArrayList<>();
      for (String item : value.substring(1, value.length() - 1).split(",")) {
        values.add(unquote(item.trim()));
      }
      return values;
    }
    if (value.matches("-?\\d+")) {
      return Long.parseLong(value);
    }
    if (value.equals("True") || value.equals("False")) {
      return Boolean.valueOf(value.equals("True"));
    }
    return value.startsWith("'") ? unquote(value) : "<expression " + value + ">";
  }

  private static String unquote(String value) {
    assertThat(value).matches("'[^']*'");
    return value.substring(1, value.length() - 1);
  }

  /**
   * Every use names a known transform with fields of its schema that it accepts; together they
   * show every mode of both transforms.
   */
  private static void checkUses(List<Use> uses) {
    List<String> shown = new ArrayList<>();
    for (Use use : uses) {
      assertThat(PROVIDERS).containsKey(use.identifier());
      SchemaTransformProvider provider = PROVIDERS.get(use.identifier());
      Schema schema = provider.configurationSchema();
      assertThat(schema.getFieldNames()).as(use.identifier())
          .containsAll(use.config().keySet());
      Map<String, Object> values = new HashMap<>();
      use.config().forEach((name, value) -> values.put(name, convert(schema.getField(name), value)));
      Row row = Row.withSchema(schema).withFieldValues(values).build();
      assertThat(provider.from(row)).as(use.toString()).isNotNull();
      shown.add(use.identifier() + " " + use.config().getOrDefault("mode", "snapshot"));
    }
    String read = HeliosDbReadSchemaTransformProvider.IDENTIFIER;
    String tables = HeliosDbReadTablesSchemaTransformProvider.IDENTIFIER;
    assertThat(shown).contains(read + " snapshot", read + " incremental", read + " cdc",
        read + " snapshot_then_cdc", tables + " snapshot");
    assertThat(shown).containsAnyOf(tables + " cdc", tables + " snapshot_then_cdc");
  }

  private static Object convert(Schema.Field field, Object value) {
    switch (field.getType().getTypeName()) {
      case INT32:
        return ((Number) value).intValue();
      case INT64:
        return ((Number) value).longValue();
      default:
        return value;
    }
  }
}
