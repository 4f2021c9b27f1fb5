package io.dbrunbooks.workflows.common;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.TreeSet;

/**
 * Strict decoding of runbook input: JSON types must match (no {@code "yes"} for a boolean, no
 * {@code "5"} for a number, no number for an enum), enum values are the documented lower-case
 * words, and an unknown field is refused rather than ignored: a misspelt {@code "dryrun"} must not
 * quietly start a real restore. A field left out, or given as {@code null}, takes its default.
 *
 * <p>Pure computation over an already parsed tree, so it is safe in workflow code.
 */
final class InputBinding {
  private static final ObjectMapper STRICT = strictMapper();

  private InputBinding() {}

  static <T> T bind(JsonNode json, Class<T> type, String example) {
    if (!json.isObject()) {
      throw InputChecks.invalid(
          "input must be a JSON object, got " + kind(json) + ": pass " + example);
    }
    try {
      return STRICT.treeToValue(json, type);
    } catch (UnrecognizedPropertyException e) {
      String field = path(e);
      TreeSet<String> known = new TreeSet<>();
      for (Object id : e.getKnownPropertyIds()) {
        known.add(name(String.valueOf(id)));
      }
      throw InputChecks.invalid(
          "unknown field '" + field + "'; the known fields" + where(e) + " are " + String.join(", ", known)
              + " (unknown fields are refused, so that a misspelt one is not silently ignored)");
    } catch (MismatchedInputException e) {
      throw InputChecks.invalid(mismatch(e, json));
    } catch (JsonMappingException e) {
      throw InputChecks.invalid("field '" + path(e) + "' could not be read: " + InputChecks.printable(e.getOriginalMessage()));
    } catch (IllegalArgumentException e) {
      throw InputChecks.invalid("input could not be read: " + InputChecks.printable(e.getMessage()));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw InputChecks.invalid("input could not be read: " + InputChecks.printable(e.getOriginalMessage()));
    }
  }

  private static String mismatch(MismatchedInputException e, JsonNode root) {
    String field = path(e);
    Class<?> target = e.getTargetType();
    JsonNode given = at(root, e.getPath());
    String got = given == null ? (e instanceof InvalidFormatException f ? InputChecks.shown(String.valueOf(f.getValue())) : "something else")
        : describe(given);
    if (target != null && target.isEnum()) {
      return "field '" + field + "' must be one of " + String.join(", ", enumWords(target)) + ", got " + got;
    }
    return "field '" + field + "' must be " + expected(target) + ", got " + got;
  }

  /** The words an enum is written as in JSON: its {@code @JsonProperty} names. */
  static List<String> enumWords(Class<?> type) {
    List<String> words = new ArrayList<>();
    for (Object constant : type.getEnumConstants()) {
      String name = ((Enum<?>) constant).name();
      String word = name;
      try {
        JsonProperty p = type.getField(name).getAnnotation(JsonProperty.class);
        if (p != null && !p.value().isEmpty()) {
          word = p.value();
        }
      } catch (NoSuchFieldException e) {
        // an enum constant is always a field
      }
      words.add(word);
    }
    return words;
  }

  private static String expected(Class<?> type) {
    if (type == null) {
      return "of another type";
    }
    if (type == boolean.class || type == Boolean.class) {
      return "true or false";
    }
    if (type == long.class || type == Long.class || type == int.class || type == Integer.class) {
      return "a whole number";
    }
    if (type == String.class) {
      return "a string";
    }
    if (Collection.class.isAssignableFrom(type) || type.isArray()) {
      return "a JSON array";
    }
    return "a JSON object";
  }

  private static String describe(JsonNode node) {
    String text = node.isTextual() ? quote(node.textValue()) : node.toString();
    String kind = kind(node);
    if (text.length() > 60) {
      text = text.substring(0, 57) + "...";
    }
    return kind + " " + InputChecks.printable(text);
  }

  private static String kind(JsonNode node) {
    if (node.isTextual()) {
      return "the string";
    }
    if (node.isNumber()) {
      return "the number";
    }
    if (node.isBoolean()) {
      return "the boolean";
    }
    if (node.isArray()) {
      return "an array";
    }
    if (node.isObject()) {
      return "an object";
    }
    return "null";
  }

  private static String quote(String s) {
    return "'" + s + "'";
  }

  /** {@code recoveryTarget.kind}, {@code smokeQueries[1].sql}. */
  private static String path(JsonMappingException e) {
    StringBuilder b = new StringBuilder();
    for (JsonMappingException.Reference r : e.getPath()) {
      if (r.getFieldName() != null) {
        if (b.length() > 0) {
          b.append('.');
        }
        b.append(name(r.getFieldName()));
      } else if (r.getIndex() >= 0) {
        b.append('[').append(r.getIndex()).append(']');
      }
    }
    return b.length() == 0 ? "(input)" : b.toString();
  }

  /** " of recoveryTarget" for a nested object, "" at the top. */
  private static String where(JsonMappingException e) {
    List<JsonMappingException.Reference> refs = e.getPath();
    if (refs.size() <= 1) {
      return "";
    }
    StringBuilder b = new StringBuilder();
    for (JsonMappingException.Reference r : refs.subList(0, refs.size() - 1)) {
      if (r.getFieldName() != null) {
        b.append(b.length() > 0 ? "." : "").append(name(r.getFieldName()));
      } else if (r.getIndex() >= 0) {
        b.append('[').append(r.getIndex()).append(']');
      }
    }
    return " of " + b;
  }

  /** A field name as typed, printable and at most 60 characters: it may be anything the input held. */
  private static String name(String field) {
    String p = InputChecks.printable(field);
    return p.length() <= 60 ? p : p.substring(0, 57) + "...";
  }

  private static JsonNode at(JsonNode root, List<JsonMappingException.Reference> refs) {
    JsonNode n = root;
    for (JsonMappingException.Reference r : refs) {
      if (n == null) {
        return null;
      }
      n = r.getFieldName() != null ? n.get(r.getFieldName()) : n.get(r.getIndex());
    }
    return n;
  }

  private static ObjectMapper strictMapper() {
    JsonMapper m = JsonMapper.builder()
        .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
        .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
        .disable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
        .disable(DeserializationFeature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
        .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
        .build();
    // A number or boolean is not a string; an empty string is not a list, an object or an enum value.
    m.coercionConfigFor(LogicalType.Textual)
        .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
        .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
        .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
    for (LogicalType t : new LogicalType[] {LogicalType.Collection, LogicalType.POJO, LogicalType.Enum, LogicalType.Boolean, LogicalType.Integer}) {
      m.coercionConfigFor(t).setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail);
    }
    m.coercionConfigFor(LogicalType.Boolean).setCoercion(CoercionInputShape.Integer, CoercionAction.Fail);
    return m;
  }
}
