package io.dbrunbooks.workflows.restore;

/**
 * The isolated cluster a restore builds, on the worker's restore host.
 *
 * @param directory what the restore owns and teardown removes: {@code <restore root>/<restoreId>}
 * @param dataDirectory the cluster's data directory, inside {@code directory}
 * @param port TCP port on 127.0.0.1
 * @param clusterName {@code cluster_name} of the restored server, {@code <target>-restore-<short id>}
 */
public record RestoreEnvironment(String restoreId, String directory, String dataDirectory, int port, String clusterName) {}
