package io.dbrunbooks.starter.schedules;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonNodePath;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import io.dbrunbooks.workflows.backup.BackupRequest;
import io.dbrunbooks.workflows.backup.BackupWorkflow;
import io.dbrunbooks.workflows.common.RunbookInput;
import io.dbrunbooks.workflows.retention.RetentionRequest;
import io.dbrunbooks.workflows.retention.RetentionWorkflow;
import io.dbrunbooks.workflows.schedule.ScheduledRunWorkflowImpl;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a schedules file: YAML into a located tree, checked against {@code schedules.schema.json}
 * (the schema published in {@code docs/}, packaged into the CLI), bound to {@link ScheduleEntry}
 * records by Jackson, then the checks a schema cannot express (unique ids, calendar values, time
 * zones, the runbook's own input record). Every problem is reported as
 * {@code file:line:column: field.path: problem}.
 */
public final class SchedulesFileLoader {
  static final Duration MIN_CATCHUP_WINDOW = Duration.ofSeconds(10);
  static final Duration MAX_CATCHUP_WINDOW = Duration.ofDays(1);

  private static final JsonNode SCHEMA_JSON = schemaJson();
  private static final JsonSchema SCHEMA = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012)
      .getSchema(SCHEMA_JSON, SchemaValidatorsConfig.builder().errorMessageKeyword("errorMessage").build());
  private static final ObjectMapper BIND = JsonMapper.builder().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();
  private static final Pattern NAMED_FIELD = Pattern.compile("^(?:unknown )?field '([^']+)'");

  private final Path file;
  private LocatedYaml yaml;
  private final TreeMap<Long, List<String>> problems = new TreeMap<>();

  private SchedulesFileLoader(Path file) {
    this.file = file;
  }

  /** The schedules in {@code file}, or a {@link SchedulesFileException} listing every problem. */
  public static SchedulesFile load(Path file) {
    return new SchedulesFileLoader(file).load();
  }

  private record Root(List<ScheduleEntry> schedules) {}

  private SchedulesFile load() {
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      yaml = LocatedYaml.read(r);
    } catch (JsonProcessingException e) {
      JsonLocation l = e.getLocation();
      throw new SchedulesFileException(file, List.of(file + ":" + (l == null ? 0 : l.getLineNr()) + ":"
          + (l == null ? 0 : l.getColumnNr()) + ": not valid YAML: " + e.getOriginalMessage()));
    } catch (IOException e) {
      throw new io.dbrunbooks.activities.config.ConfigException(file, "cannot read the schedules file: " + e, e);
    }
    if (!yaml.tree.isObject()) {
      throw new SchedulesFileException(file, List.of(file + ":1:1: the file must be a mapping with a 'schedules:' list"));
    }
    for (ValidationMessage m : SCHEMA.validate(yaml.tree)) {
      schemaProblem(m);
    }
    failIfAny();
    List<ScheduleEntry> entries;
    try {
      entries = BIND.treeToValue(yaml.tree, Root.class).schedules();
    } catch (JsonProcessingException e) {
      // The schema admits only what binds; this is a gap between the two, reported as such.
      throw new SchedulesFileException(file, List.of(file + ": " + e.getOriginalMessage()));
    }
    Map<String, Integer> ids = new HashMap<>();
    for (int i = 0; i < entries.size(); i++) {
      check(entries.get(i), "schedules[" + i + "]", ids, i);
    }
    failIfAny();
    return new SchedulesFile(file, List.copyOf(entries), path -> {
      String place = place(yaml.at(path));
      return place.substring(0, place.length() - 2);
    });
  }

  private void check(ScheduleEntry e, String at, Map<String, Integer> ids, int index) {
    Integer first = ids.putIfAbsent(e.id(), index);
    if (first != null) {
      problem(at + ".id", "id '" + e.id() + "' is already used by schedules[" + first + "]: each entry is one Temporal Schedule");
    }
    JsonNode calendars = yaml.tree.at("/schedules/" + index + "/calendar");
    for (int c = 0; e.calendar() != null && c < e.calendar().size(); c++) {
      String cal = calendars.isArray() ? LocatedYaml.child(at + ".calendar", c) : at + ".calendar";
      for (CalendarField f : CalendarField.values()) {
        String text = f.of(e.calendar().get(c));
        if (text != null) {
          try {
            f.parse(text);
          } catch (IllegalArgumentException bad) {
            problem(cal + "." + f.field, bad.getMessage());
          }
        }
      }
    }
    if (e.timeZone() != null) {
      try {
        ZoneId.of(e.timeZone());
      } catch (DateTimeException bad) {
        problem(at + ".timeZone", "'" + e.timeZone() + "' is not an IANA time zone such as UTC or Europe/Berlin");
      }
    }
    if (e.catchupWindow() != null) {
      Duration d = Durations.parse(e.catchupWindow());
      if (d.compareTo(MIN_CATCHUP_WINDOW) < 0 || d.compareTo(MAX_CATCHUP_WINDOW) > 0) {
        problem(at + ".catchupWindow", "must be from 10s (Temporal's least) to 1d: a start missed for longer is better"
            + " left to the next one, got " + e.catchupWindow());
      }
    }
    checkInput(e, at);
  }

  /** Binds the input as the runbook will, so a typo fails here rather than at 02:00. */
  private void checkInput(ScheduleEntry e, String at) {
    Class<?> type = switch (e.runbook()) {
      case BACKUP -> BackupRequest.class;
      case RETENTION -> RetentionRequest.class;
      default -> null; // drill and freshness requests check themselves when the run starts
    };
    if (type == null) {
      return;
    }
    ObjectNode request = e.input() == null ? BIND.createObjectNode() : e.input().deepCopy();
    request.put("target", e.target());
    request.put("operator", ScheduledRunWorkflowImpl.operator(e.id()));
    try {
      RunbookInput<?> input = BIND.treeToValue(request, RunbookInput.class);
      bind(input, type, e.runbook() == io.dbrunbooks.workflows.schedule.ScheduledRunbook.BACKUP
          ? BackupWorkflow.EXAMPLE_INPUT : RetentionWorkflow.EXAMPLE_INPUT);
    } catch (ApplicationFailure refused) {
      String message = refused.getOriginalMessage();
      Matcher named = NAMED_FIELD.matcher(message);
      problem(named.find() ? at + ".input." + named.group(1) : at + ".input", message);
    } catch (JsonProcessingException impossible) {
      throw new IllegalStateException(impossible);
    }
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static void bind(RunbookInput input, Class type, String example) {
    RunbookInput.bind(input, type, example);
  }

  private void schemaProblem(ValidationMessage m) {
    String at = path(m.getInstanceLocation());
    // getMessage() starts with the validator's own path ("$.schedules[0].runbook: "), except for
    // the schema's errorMessage sentences; getError() would cut those at their first colon.
    String text = m.getMessage();
    String own = m.getInstanceLocation() + ": ";
    if (text.startsWith(own)) {
      text = text.substring(own.length());
    }
    if ("additionalProperties".equals(m.getType()) && m.getProperty() != null) {
      String field = LocatedYaml.child(at, m.getProperty());
      add(yaml.keyAt(field), field + ": unknown field; " + known(m));
      return;
    }
    add(yaml.at(at), (at.isEmpty() ? "" : at + ": ") + text);
  }

  /** "the known fields are a, b, c", from the schema object whose additionalProperties refused. */
  private static String known(ValidationMessage m) {
    JsonNodePath at = m.getSchemaLocation().getFragment();
    StringBuilder pointer = new StringBuilder();
    for (int i = 0; i < at.getNameCount() - 1; i++) {
      pointer.append('/').append(at.getElement(i));
    }
    List<String> names = new ArrayList<>();
    SCHEMA_JSON.at(pointer + "/properties").fieldNames().forEachRemaining(names::add);
    return names.isEmpty() ? "no further fields are allowed here" : "the known fields are " + String.join(", ", names);
  }

  private void problem(String path, String text) {
    add(yaml.at(path), path + ": " + text);
  }

  private void add(JsonLocation l, String text) {
    long key = (long) l.getLineNr() << 20 | l.getColumnNr();
    List<String> here = problems.computeIfAbsent(key, k -> new ArrayList<>());
    String line = place(l) + text;
    if (!here.contains(line)) {
      here.add(line);
    }
  }

  private String place(JsonLocation l) {
    return file + ":" + Math.max(l.getLineNr(), 0) + ":" + Math.max(l.getColumnNr(), 0) + ": ";
  }

  private void failIfAny() {
    if (!problems.isEmpty()) {
      throw new SchedulesFileException(file, problems.values().stream().flatMap(List::stream).toList());
    }
  }

  /** {@code schedules[0].calendar.hour} from the validator's instance location. */
  private static String path(JsonNodePath p) {
    String s = "";
    for (int i = 0; i < p.getNameCount(); i++) {
      Object e = p.getElement(i);
      s = e instanceof Integer n ? LocatedYaml.child(s, n) : LocatedYaml.child(s, String.valueOf(e));
    }
    return s;
  }

  private static JsonNode schemaJson() {
    try (InputStream in = SchedulesFileLoader.class.getResourceAsStream("schedules.schema.json")) {
      if (in == null) {
        throw new IllegalStateException("schedules.schema.json is not packaged beside " + SchedulesFileLoader.class.getName());
      }
      return new ObjectMapper().readTree(in);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read the packaged schedules.schema.json", e);
    }
  }
}
