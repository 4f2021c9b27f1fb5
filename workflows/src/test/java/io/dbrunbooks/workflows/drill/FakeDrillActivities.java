package io.dbrunbooks.workflows.drill;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** In-memory drill steps: a fixed moment of loss, a list of backups, a smoke command that passes or not. */
public class FakeDrillActivities implements DrillActivities {
  public final List<String> calls = new CopyOnWriteArrayList<>();
  public volatile LossMoment loss =
      new LossMoment("2026-11-21T10:41:00.412Z", "0/5A00200", 1, "0/5A00100", "0/5A00180", null);
  public volatile DrillObjectives objectives = new DrillObjectives("production", 4 * 3600, 3600, "default for production");
  public volatile List<BackupCandidate> backups = List.of(
      new BackupCandidate("orders-20261121T090000Z-abc123", "2026-11-21T09:02:00Z", "2026-11-21T09:01:00Z", "0/2000100", 1));
  public volatile int smokeExit;
  public volatile SmokeCommandRequest smokeRequest;

  @Override
  public LossMoment markLoss(LossRequest request) {
    calls.add("markLoss");
    return loss;
  }

  /** Where the archive ends now: by default past the loss marker. */
  public volatile String archiveEnd = "0/5A00200";

  @Override
  public String archivedEnd(ArchiveEndRequest request) {
    calls.add("archivedEnd");
    return archiveEnd;
  }

  @Override
  public DrillCandidates candidates(String target) {
    calls.add("candidates");
    return new DrillCandidates(objectives, backups, List.of());
  }

  @Override
  public SmokeCommandOutcome runSmokeCommand(SmokeCommandRequest request) {
    calls.add("smoke");
    smokeRequest = request;
    return new SmokeCommandOutcome(request.command().command(), smokeExit, false, 0.2,
        List.of(smokeExit == 0 ? "ok: 42 orders" : "FAIL: table orders is empty"), List.of("PGHOST=127.0.0.1"));
  }
}
