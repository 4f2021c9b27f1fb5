package io.dbrunbooks.starter.schedules;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.Reader;
import java.util.HashMap;
import java.util.Map;

/**
 * A YAML document read into a JSON tree, with the line and column of every value, so that a
 * problem found on the tree (by the JSON Schema, by binding) is reported where the person typed it.
 * Paths read like the messages: {@code schedules[2].calendar.hour}; the root is {@code ""}.
 */
final class LocatedYaml {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  final JsonNode tree;
  private final Map<String, JsonLocation> values = new HashMap<>();
  private final Map<String, JsonLocation> keys = new HashMap<>();

  private LocatedYaml(JsonParser parser) throws IOException {
    JsonToken first = parser.nextToken();
    tree = first == null ? NODES.nullNode() : read(parser, "");
  }

  static LocatedYaml read(Reader yaml) throws IOException {
    YAMLFactory factory = YAMLFactory.builder().enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
    try (JsonParser parser = factory.createParser(yaml)) {
      return new LocatedYaml(parser);
    }
  }

  /** Where the value at {@code path} starts; for a path that does not exist, its nearest parent. */
  JsonLocation at(String path) {
    for (String p = path; ; p = parent(p)) {
      JsonLocation l = values.get(p);
      if (l != null || p.isEmpty()) {
        return l == null ? JsonLocation.NA : l;
      }
    }
  }

  /** Where the key of the field at {@code path} is written (for "unknown field" problems), else the value. */
  JsonLocation keyAt(String path) {
    JsonLocation l = keys.get(path);
    return l != null ? l : at(path);
  }

  static String child(String path, String field) {
    return path.isEmpty() ? field : path + "." + field;
  }

  static String child(String path, int index) {
    return path + "[" + index + "]";
  }

  private static String parent(String path) {
    int cut = Math.max(path.lastIndexOf('.'), path.lastIndexOf('['));
    return cut < 0 ? "" : path.substring(0, cut);
  }

  private JsonNode read(JsonParser p, String path) throws IOException {
    values.put(path, p.currentTokenLocation());
    switch (p.currentToken()) {
      case START_OBJECT -> {
        ObjectNode o = NODES.objectNode();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String name = p.currentName();
          String at = child(path, name);
          keys.put(at, p.currentTokenLocation());
          p.nextToken();
          o.set(name, read(p, at));
        }
        return o;
      }
      case START_ARRAY -> {
        ArrayNode a = NODES.arrayNode();
        int i = 0;
        while (p.nextToken() != JsonToken.END_ARRAY) {
          a.add(read(p, child(path, i++)));
        }
        return a;
      }
      case VALUE_STRING -> {
        return NODES.textNode(p.getText());
      }
      case VALUE_NUMBER_INT -> {
        return NODES.numberNode(p.getBigIntegerValue());
      }
      case VALUE_NUMBER_FLOAT -> {
        return NODES.numberNode(p.getDecimalValue());
      }
      case VALUE_TRUE -> {
        return NODES.booleanNode(true);
      }
      case VALUE_FALSE -> {
        return NODES.booleanNode(false);
      }
      default -> {
        return NODES.nullNode();
      }
    }
  }
}
