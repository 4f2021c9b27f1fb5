package io.dbrunbooks.starter.schedules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dbrunbooks.workflows.schedule.ScheduledRunbook;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The schedules file: the example in docs/ loads, and each mistake is reported where it was typed. */
class SchedulesFileLoaderTest {
  @TempDir Path tmp;

  @Test
  void theDocumentedExampleLoads() {
    SchedulesFile f = SchedulesFileLoader.load(Path.of("..", "docs", "examples", "schedules.yaml"));
    assertEquals(10, f.schedules().size());
    ScheduleEntry drill = f.schedules().stream().filter(e -> e.id().equals("orders-drill")).findFirst().orElseThrow();
    assertEquals(ScheduledRunbook.DRILL, drill.runbook());
    assertEquals("mon", drill.calendar().get(0).dayOfWeek());
    assertEquals("1-7", drill.calendar().get(0).dayOfMonth());
    ScheduleEntry sixHourly = f.schedules().get(0);
    assertEquals(List.of("0 */6 * * *"), sixHourly.cron(), "a single cron string is a list of one");
    assertEquals("hourly", sixHourly.backupClass());
    assertTrue(f.schedules().stream().anyMatch(e -> e.isPaused() && e.note().contains("CHG-1234")));
  }

  @Test
  void aMinimalEntryTakesTheDefaults() throws IOException {
    SchedulesFile f = SchedulesFileLoader.load(write("""
        schedules:
          - id: nightly
            target: orders
            runbook: backup
            calendar: { hour: 2 }
        """));
    ScheduleEntry e = f.schedules().get(0).withDefaults();
    assertEquals("UTC", e.timeZone());
    assertEquals("10m", e.catchupWindow());
    assertEquals(false, e.paused());
    assertEquals("calendar hour=2 UTC", f.schedules().get(0).specSummary());
  }

  @Test
  void everyMistakeIsReportedWithItsLineColumnAndField() throws IOException {
    Path p = write("""
        schedules:
          - id: nightly
            target: orders
            runbook: vacuum
            calendar: { hour: 2 }
          - id: weekly
            target: orders
            runbook: backup
            cron: "0 2 * * 0"
            timezone: UTC
          - id: drill
            target: orders
            runbook: drill
            calendar: { dayOfWeek: mon }
            paused: true
          - id: retention
            target: orders
            runbook: retention
            backupClass: daily
            cron: "0 3 * * *"
          - id: nothing
            target: orders
            runbook: backup
        """);
    SchedulesFileException e = assertThrows(SchedulesFileException.class, () -> SchedulesFileLoader.load(p));
    String m = e.getMessage();
    assertTrue(m.contains(p + ":4:14: schedules[0].runbook: "), m);
    assertTrue(m.contains("\"backup\", \"retention\", \"drill\", \"freshness\""), m);
    assertTrue(m.contains(p + ":10:5: schedules[1].timezone: unknown field; the known fields are id, target, runbook,"), m);
    assertTrue(m.contains(p + ":11:5: schedules[2]: a paused schedule needs a note saying why"), m);
    assertTrue(m.contains(p + ":18:14: schedules[3].runbook: backupClass is for backups only: runbook must be backup"), m);
    assertTrue(m.contains(p + ":21:5: schedules[4]: says when: give a calendar or a cron (or both)"), m);
    assertEquals(5, e.problems().size(), "one line per mistake: " + m);
    for (String line : e.problems()) {
      assertTrue(line.matches("\\Q" + p + "\\E:\\d+:\\d+: schedules\\[\\d\\]\\S*: .+"), "file:line:column: field.path: problem, got " + line);
    }
  }

  @Test
  void valuesTheSchemaCannotJudgeAreCheckedWhereTheyAre() throws IOException {
    Path p = write("""
        schedules:
          - id: nightly
            target: orders
            runbook: backup
            calendar:
              - { hour: 25 }
              - { dayOfWeek: monday-fri, month: smarch }
            timeZone: Mars/Olympus
            catchupWindow: 3d
            input: { method: logical, commitSha: 42 }
          - id: nightly
            target: orders
            runbook: retention
            cron: "0 3 * * *"
            input: { dryrun: true }
        """);
    SchedulesFileException e = assertThrows(SchedulesFileException.class, () -> SchedulesFileLoader.load(p));
    String m = e.getMessage();
    assertTrue(m.contains(p + ":6:17: schedules[0].calendar[0].hour: 25 in '25' is outside 0-23"), m);
    assertTrue(m.contains(":7:41: schedules[0].calendar[1].month: 'smarch' in 'smarch' is not a number or one of jan,"), m);
    assertTrue(m.contains(":8:15: schedules[0].timeZone: 'Mars/Olympus' is not an IANA time zone"), m);
    assertTrue(m.contains(":9:20: schedules[0].catchupWindow: must be from 10s"), m);
    assertTrue(m.contains(":10:42: schedules[0].input.commitSha: field 'commitSha' must be a string, got the number 42"), m);
    assertTrue(m.contains(":11:9: schedules[1].id: id 'nightly' is already used by schedules[0]"), m);
    assertTrue(m.contains(":15:22: schedules[1].input.dryrun: unknown field 'dryrun'"), m);
    assertTrue(!m.contains("monday-fri"), "full day names are accepted: " + m);
  }

  @Test
  void theInputOfABackupIsCheckedByTheSchemaAsAnEditorWould() throws IOException {
    Path p = write("""
        schedules:
          - id: nightly
            target: orders
            runbook: backup
            cron: "0 3 * * *"
            input: { method: incremental }
          - id: sneaky
            target: orders
            runbook: backup
            cron: "0 3 * * *"
            input: { operator: mallory }
        """);
    String m = assertThrows(SchedulesFileException.class, () -> SchedulesFileLoader.load(p)).getMessage();
    assertTrue(m.contains(p + ":6:22: schedules[0].input.method: does not have a value in the enumeration [\"physical\", \"logical\"]"), m);
    assertTrue(m.contains(p + ":11:12: schedules[1].input: target and operator come from the schedule"), m);
  }

  @Test
  void yamlThatIsNotYamlSaysWhere() throws IOException {
    Path p = write("schedules:\n  - id: a\n    id: b\n");
    SchedulesFileException e = assertThrows(SchedulesFileException.class, () -> SchedulesFileLoader.load(p));
    assertTrue(e.getMessage().startsWith(p + ":3:"), e.getMessage());
    assertTrue(e.getMessage().contains("Duplicate field 'id'"), e.getMessage());
  }

  private Path write(String yaml) throws IOException {
    Path p = tmp.resolve("schedules.yaml");
    Files.writeString(p, yaml);
    return p;
  }
}
