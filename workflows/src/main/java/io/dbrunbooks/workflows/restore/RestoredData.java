package io.dbrunbooks.workflows.restore;

import java.util.List;

/**
 * The base backup as unpacked into the data directory, and the recovery configuration written.
 *
 * @param sourceBytes tar bytes unpacked (matched against the backup's recorded size and SHA-256)
 * @param restoreCommand the {@code restore_command} configured (no secrets: it names the targets file)
 * @param checks one human line per check that passed
 */
public record RestoredData(long storedBytes, long sourceBytes, int entries, String restoreCommand, List<String> checks) {}
