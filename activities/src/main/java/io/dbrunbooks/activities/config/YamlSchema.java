package io.dbrunbooks.activities.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.ApplyDefaultsStrategy;
import com.networknt.schema.JsonNodePath;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.PathType;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * A JSON Schema (draft 07) published in {@code docs/} and enforced on a {@link YamlTree}: editors
 * with a YAML language server validate and complete the file with the same schema the worker checks.
 *
 * <p>The schema's own {@code errorMessage} on a property (which editors show too) says what is
 * expected; the refusal adds what was written, at the key's line and column. Unknown and missing
 * keys are worded here. Of several problems the first in the file is reported. Defaults written in
 * the schema are filled into the tree, so the schema is also where defaults are documented.
 */
final class YamlSchema {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final JsonNode document;
  private final JsonSchema schema;

  private YamlSchema(JsonNode document, JsonSchema schema) {
    this.document = document;
    this.schema = schema;
  }

  /** The schema {@code name} (e.g. {@code targets.schema.json}) from the classpath, beside this class. */
  static YamlSchema named(String name) {
    try (InputStream in = YamlSchema.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("schema " + name + " is not on the classpath (it is copied from docs/ by the build)");
      }
      JsonNode document = JSON.readTree(in);
      SchemaValidatorsConfig config = SchemaValidatorsConfig.builder()
          .pathType(PathType.JSON_POINTER)
          .applyDefaultsStrategy(new ApplyDefaultsStrategy(true, false, false))
          .build();
      return new YamlSchema(document, JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V7).getSchema(document, config));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Fills the schema's defaults into {@code tree}'s document and checks it.
   *
   * @throws ConfigException at the first problem in the file
   */
  void check(YamlTree tree) {
    Set<ValidationMessage> problems = schema.walk(tree.root(), true).getValidationMessages();
    // A misspelt key is also a missing one: say the first, which explains the second.
    boolean unknownKeys = problems.stream().anyMatch(m -> m.getType().equals("additionalProperties"));
    problems.stream()
        .filter(m -> !unknownKeys || m.getType().equals("additionalProperties"))
        .map(m -> refusal(tree, m))
        .min(Comparator.comparingInt(ConfigException::line).thenComparingInt(ConfigException::column))
        .ifPresent(e -> {
          throw e;
        });
  }

  private ConfigException refusal(YamlTree tree, ValidationMessage m) {
    String at = pointer(m.getInstanceLocation());
    JsonNode keywordParent = schemaNodeHolding(m);
    return switch (m.getType()) {
      case "additionalProperties" -> {
        String key = YamlTree.pointer(at, m.getProperty());
        yield tree.error(key, "unknown key \"" + m.getProperty() + "\"; expected one of " + String.join(", ", propertyNames(keywordParent)));
      }
      case "required" -> {
        String key = YamlTree.pointer(at, m.getProperty());
        yield tree.writtenEmpty(key)
            ? tree.error(key, "required field has no value")
            : new ConfigException(tree.file(), tree.locate(at).line(), tree.locate(at).column(), YamlTree.dotted(key),
                "required field is missing");
      }
      case "propertyNames" -> {
        // A key breaking the schema's rule for names (a backup class, say): point at that key.
        JsonNode names = keywordParent == null ? null : keywordParent.get("propertyNames");
        String rule = names != null && names.has("errorMessage") ? names.get("errorMessage").asText() : m.getMessage();
        String key = m.getProperty() != null ? YamlTree.pointer(at, m.getProperty()) : at;
        yield tree.error(key, rule + ", got \"" + (m.getProperty() != null ? m.getProperty() : "?") + "\"");
      }
      case "uniqueItems" -> {
        List<String> seen = new java.util.ArrayList<>();
        JsonNode list = m.getInstanceNode();
        for (int i = 0; i < list.size(); i++) {
          if (seen.contains(list.get(i).toString())) {
            yield tree.error(at + "/" + i, describe(list.get(i)) + " is listed twice");
          }
          seen.add(list.get(i).toString());
        }
        yield tree.error(at, m.getMessage());
      }
      default -> {
        yield tree.error(at, expected(m) + ", got " + describe(m.getInstanceNode()));
      }
    };
  }

  /** The schema object whose keyword failed, found by the keyword's location in the schema document. */
  private JsonNode schemaNodeHolding(ValidationMessage m) {
    List<JsonNode> path = schemaPath(m);
    return path.size() < 2 ? null : path.get(path.size() - 2);
  }

  /**
   * The {@code errorMessage} of the schema object whose keyword failed, or of the nearest object
   * around it within the same property ({@code then}, {@code else}, {@code not}, {@code allOf} and
   * the like describe one value; {@code properties} or {@code items} lead to another).
   */
  private String expected(ValidationMessage m) {
    JsonNodePath keyword = m.getSchemaLocation().getFragment();
    List<JsonNode> path = schemaPath(m);
    for (int i = path.size() - 2; i >= 0; i--) {
      JsonNode message = path.get(i).get("errorMessage");
      if (message != null && message.isObject()) {
        // One message per keyword, e.g. { "type": "expected a mapping", "maxProperties": "expected exactly one of ..." }
        message = message.has(m.getType()) ? message.get(m.getType()) : message.get("default");
      }
      if (message != null && message.isTextual()) {
        return message.asText();
      }
      // path.get(i) was reached through segment i - 1 of the keyword's location.
      String into = i < 1 ? "" : String.valueOf(keyword.getElement(i - 1));
      String above = i < 2 ? "" : String.valueOf(keyword.getElement(i - 2));
      if (!(Set.of("then", "else", "not").contains(into) || Set.of("allOf", "anyOf", "oneOf").contains(above))) {
        break;
      }
    }
    return m.getMessage();
  }

  /** The schema document's nodes from the root to the failed keyword's value. */
  private List<JsonNode> schemaPath(ValidationMessage m) {
    JsonNodePath keyword = m.getSchemaLocation().getFragment();
    List<JsonNode> nodes = new java.util.ArrayList<>();
    JsonNode node = document;
    nodes.add(node);
    for (int i = 0; i < keyword.getNameCount() && node != null; i++) {
      Object segment = keyword.getElement(i);
      node = segment instanceof Integer index ? node.get(index) : node.get(segment.toString());
      if (node != null) {
        nodes.add(node);
      }
    }
    return nodes;
  }

  private static List<String> propertyNames(JsonNode schemaObject) {
    Set<String> names = new TreeSet<>();
    if (schemaObject != null && schemaObject.has("properties")) {
      schemaObject.get("properties").fieldNames().forEachRemaining(names::add);
    }
    return List.copyOf(names);
  }

  private static String pointer(JsonNodePath path) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < path.getNameCount(); i++) {
      Object segment = path.getElement(i);
      b.append(segment instanceof Integer index ? "/" + index : YamlTree.pointer("", segment.toString()));
    }
    return b.toString();
  }

  /** What was written, as a person would recognise it. */
  static String describe(JsonNode n) {
    if (n == null || n.isNull() || n.isMissingNode()) {
      return "nothing";
    }
    if (n.isObject()) {
      return "a mapping";
    }
    if (n.isArray()) {
      return "a list";
    }
    if (n.isTextual()) {
      return "\"" + n.asText() + "\"";
    }
    return n.isBigDecimal() ? n.decimalValue().toPlainString() : n.asText();
  }
}
