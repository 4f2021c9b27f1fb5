package io.dbrunbooks.workflows.schedule;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What a Temporal Schedule passes to {@link ScheduledRunWorkflow} on every start.
 *
 * @param schedule the entry id in the schedules file, e.g. {@code orders-daily}; the runbook's
 *     operator becomes {@code schedule:<schedule>}
 * @param target the target the runbook runs on
 * @param runbook which runbook: backup, retention, drill or freshness
 * @param input the runbook's request without {@code target} and {@code operator} (those come from
 *     here), e.g. {@code {"method": "physical", "backupClass": "daily"}}; absent means {@code {}}
 */
public record ScheduledRunRequest(String schedule, String target, ScheduledRunbook runbook, JsonNode input) {}
