package io.dbrunbooks.workflows.drill;

/** @param drillId names the restore point written on the source, {@code drill-<drillId>} */
public record LossRequest(String target, String drillId) {}
