package io.dbrunbooks.workflows.drill;

import java.util.List;

/**
 * What the drill's compensation did with the restored copy.
 *
 * @param outcome {@code removed}, {@code nothing-to-remove} (the restore never provisioned, or tore itself down)
 *     or {@code failed}
 * @param removed directories removed
 * @param error why the teardown failed; null otherwise
 */
public record DrillCleanup(String restoreId, String outcome, List<String> removed, String error) {}
