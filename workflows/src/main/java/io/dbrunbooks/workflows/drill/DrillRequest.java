package io.dbrunbooks.workflows.drill;

import io.dbrunbooks.workflows.restore.SmokeQuery;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Input of {@link RestoreDrillWorkflow}. Names only, as for every runbook.
 *
 * @param target name of a target in the worker's targets file
 * @param scenario the incident rehearsed; default {@code complete-failure}
 * @param select {@code newest} (default) or {@code random} sealed physical backup
 * @param windowDays with {@code random}: only backups sealed within this many days (default 7)
 * @param recovery {@code latest} (default; RPO is measured) or {@code random}
 * @param smokeQueries run on the restored copy in the restore's checks; an error fails the drill
 * @param smokeCommand the application's own check; optional
 * @param operator who asked (a person, or the schedule); required
 * @param ticket change reference for the evidence; optional
 */
public record DrillRequest(
    String target,
    DrillScenario scenario,
    BackupSelection select,
    Integer windowDays,
    DrillRecovery recovery,
    List<SmokeQuery> smokeQueries,
    SmokeCommand smokeCommand,
    String operator,
    String ticket) {
  public static final int DEFAULT_WINDOW_DAYS = 7;

  public DrillRequest {
    smokeQueries = smokeQueries == null ? List.of() : Collections.unmodifiableList(new ArrayList<>(smokeQueries));
  }

  public DrillScenario scenarioOrDefault() {
    return scenario == null ? DrillScenario.COMPLETE_FAILURE : scenario;
  }

  public BackupSelection selectOrDefault() {
    return select == null ? BackupSelection.NEWEST : select;
  }

  public int windowDaysOrDefault() {
    return windowDays == null ? DEFAULT_WINDOW_DAYS : windowDays;
  }

  public DrillRecovery recoveryOrDefault() {
    return recovery == null ? DrillRecovery.LATEST : recovery;
  }
}
