package io.dbrunbooks.activities.pgbouncer;

import java.util.List;

/**
 * What a switch did.
 *
 * @param from where the alias pointed before, as PgBouncer reported it
 * @param changed false when the alias already pointed at {@code to}, unpaused: nothing was done
 * @param steps pause, repoint, reload, resume, verify in that order (empty when nothing changed)
 * @param pausedMillis from sending PAUSE to RESUME returning: how long new transactions were held
 */
public record SwitchReport(String database, Backend from, Backend to, boolean changed, List<SwitchStep> steps, long pausedMillis) {}
