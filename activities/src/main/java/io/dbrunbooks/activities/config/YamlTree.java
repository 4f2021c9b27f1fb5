package io.dbrunbooks.activities.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * A YAML configuration file read into a Jackson tree that remembers where each key was written, so
 * that a problem found later (by the JSON Schema or by a check of meaning) can be reported as
 * {@code file:line:column: field.path: problem}. Jackson's own trees forget positions.
 *
 * <p>Two things a plain parse would let through are refused here: a key written twice (YAML
 * parsers keep the last one silently) and a second document. A key written with no value
 * ({@code retention:}) is left out of the tree, as if absent, and remembered: a schema that needs
 * the field then reports "has no value" at that key rather than "missing".
 */
final class YamlTree {
  private static final YAMLFactory YAML = new YAMLMapper().getFactory();

  /** A 1-based position in the file. */
  record Loc(int line, int column) {
    static Loc of(JsonLocation l) {
      return new Loc(l.getLineNr(), l.getColumnNr());
    }
  }

  private final Path file;
  private final JsonNode root;
  /** Position of each key by its JSON pointer ({@code /targets/orders/port}); "" is the file's start. */
  private final Map<String, Loc> keys = new HashMap<>();
  /** JSON pointers of keys written with no value, left out of the tree. */
  private final Set<String> empty = new HashSet<>();

  private YamlTree(Path file, JsonParser p) throws IOException {
    this.file = file;
    keys.put("", new Loc(1, 1));
    JsonToken t = p.nextToken();
    this.root = t == null || t == JsonToken.VALUE_NULL ? null : read(p, t, "");
    if (p.nextToken() != null) {
      throw error("", Loc.of(p.currentTokenLocation()), "only one YAML document is allowed in this file");
    }
  }

  /**
   * @throws ConfigException when the file is missing, unreadable, not YAML, has a duplicate key or
   *     more than one document
   */
  static YamlTree read(Path file) {
    try (JsonParser p = YAML.createParser(Files.newBufferedReader(file, StandardCharsets.UTF_8))) {
      return new YamlTree(file, p);
    } catch (JsonProcessingException e) {
      Loc loc = e.getLocation() == null ? new Loc(1, 1) : Loc.of(e.getLocation());
      throw new ConfigException(file, loc.line(), loc.column(), "", "invalid YAML: " + e.getOriginalMessage());
    } catch (NoSuchFileException e) {
      throw new ConfigException(file, "no such file", e);
    } catch (IOException e) {
      throw new ConfigException(file, "cannot read: " + e, e);
    }
  }

  /** The document, or null for an empty file. */
  JsonNode root() {
    return root;
  }

  Path file() {
    return file;
  }

  /** Whether the key at {@code pointer} was written with no value. */
  boolean writtenEmpty(String pointer) {
    return empty.contains(pointer);
  }

  /**
   * Where the key at {@code pointer} was written; for a pointer into a list item or a key that is
   * not there, the nearest enclosing key.
   */
  Loc locate(String pointer) {
    for (String p = pointer; ; p = p.substring(0, Math.max(0, p.lastIndexOf('/')))) {
      Loc loc = keys.get(p);
      if (loc != null) {
        return loc;
      }
    }
  }

  /** A problem at the key {@code pointer}, named by its dotted path. */
  ConfigException error(String pointer, String problem) {
    return error(pointer, locate(pointer), problem);
  }

  private ConfigException error(String pointer, Loc loc, String problem) {
    return new ConfigException(file, loc.line(), loc.column(), dotted(pointer), problem);
  }

  /** {@code /targets/orders/approvers/0} as {@code targets.orders.approvers[0]}. */
  static String dotted(String pointer) {
    StringBuilder b = new StringBuilder();
    for (String segment : pointer.isEmpty() ? new String[0] : pointer.substring(1).split("/", -1)) {
      String name = segment.replace("~1", "/").replace("~0", "~");
      if (!name.isEmpty() && name.chars().allMatch(Character::isDigit)) {
        b.append('[').append(name).append(']');
      } else {
        b.append(b.length() == 0 ? "" : ".").append(name);
      }
    }
    return b.toString();
  }

  static String pointer(String parent, String key) {
    return parent + "/" + key.replace("~", "~0").replace("/", "~1");
  }

  private JsonNode read(JsonParser p, JsonToken t, String at) throws IOException {
    JsonNodeFactory nodes = JsonNodeFactory.instance;
    switch (t) {
      case START_OBJECT -> {
        ObjectNode object = nodes.objectNode();
        Set<String> seen = new HashSet<>();
        for (JsonToken k = p.nextToken(); k != JsonToken.END_OBJECT; k = p.nextToken()) {
          String key = p.currentName();
          String keyPointer = pointer(at, key);
          Loc keyLoc = Loc.of(p.currentTokenLocation());
          JsonToken v = p.nextToken();
          JsonNode value = v == JsonToken.VALUE_NULL ? null : read(p, v, keyPointer);
          if (!seen.add(key)) {
            throw error(keyPointer, keyLoc, "duplicate key \"" + key + "\" (first at line " + keys.get(keyPointer).line() + ")");
          }
          keys.put(keyPointer, keyLoc);
          if (value == null) {
            empty.add(keyPointer);
          } else {
            object.set(key, value);
          }
        }
        return object;
      }
      case START_ARRAY -> {
        ArrayNode array = nodes.arrayNode();
        for (JsonToken i = p.nextToken(); i != JsonToken.END_ARRAY; i = p.nextToken()) {
          array.add(i == JsonToken.VALUE_NULL ? nodes.nullNode() : read(p, i, at + "/" + array.size()));
        }
        return array;
      }
      case VALUE_STRING -> {
        return nodes.textNode(p.getText());
      }
      case VALUE_NUMBER_INT -> {
        return nodes.numberNode(p.getBigIntegerValue());
      }
      case VALUE_NUMBER_FLOAT -> {
        return nodes.numberNode(p.getDecimalValue());
      }
      case VALUE_TRUE, VALUE_FALSE -> {
        return nodes.booleanNode(t == JsonToken.VALUE_TRUE);
      }
      default -> throw error(at, "unexpected " + t);
    }
  }
}
