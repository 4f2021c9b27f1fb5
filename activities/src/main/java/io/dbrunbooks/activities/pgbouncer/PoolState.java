package io.dbrunbooks.activities.pgbouncer;

import java.util.List;

/**
 * One PgBouncer alias as its admin console and its databases file show it, recorded before a
 * switch (blue's state) and read to decide what a re-run still has to do.
 *
 * @param running where PgBouncer sends new server connections now ({@code SHOW DATABASES})
 * @param configured what the databases file says; differs from {@code running} until a RELOAD
 * @param clientsActive clients linked to a server connection or idle between transactions ({@code SHOW POOLS cl_active})
 * @param clientsWaiting clients queued for a server connection (during a PAUSE, everyone who sent a query)
 * @param serversActive server connections inside a transaction
 * @param serversIdle server connections open but not in a transaction (idle, used, tested, login)
 * @param servers distinct {@code addr:port} of the open server connections ({@code SHOW SERVERS})
 * @param poolMode the alias's pool mode (its own, else PgBouncer's default): a switch refuses {@code session}
 * @param serverLoginRetrySeconds PgBouncer's {@code server_login_retry} (see {@link PgBouncerSwitch})
 */
public record PoolState(
    String database,
    Backend running,
    Backend configured,
    boolean paused,
    boolean disabled,
    int clientsActive,
    int clientsWaiting,
    int serversActive,
    int serversIdle,
    List<String> servers,
    String poolMode,
    double serverLoginRetrySeconds) {}
