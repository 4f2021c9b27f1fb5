package io.dbrunbooks.workflows.drill;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/** The restore drill's own steps; the restore itself is {@code PointInTimeRestoreWorkflow}'s. */
@ActivityInterface
public interface DrillActivities {

  /**
   * Records the simulated moment of loss: reads the WAL archive's end, then the source's clock and
   * WAL position in one statement, then writes the restore point {@code drill-<id>} on the source.
   */
  @ActivityMethod(name = "MarkDrillLoss")
  LossMoment markLoss(LossRequest request);

  /** End (exclusive) of the WAL archived on the timeline, now; null when nothing is. Reads only. */
  @ActivityMethod(name = "DrillArchiveEnd")
  String archivedEnd(ArchiveEndRequest request);

  /** The target's recovery objectives and the sealed physical backups present in its store. Reads only. */
  @ActivityMethod(name = "ListDrillCandidates")
  DrillCandidates candidates(String target);

  /** Runs the application's smoke command against the restored copy; a failing program is reported, not thrown. */
  @ActivityMethod(name = "RunDrillSmokeCommand")
  SmokeCommandOutcome runSmokeCommand(SmokeCommandRequest request);
}
