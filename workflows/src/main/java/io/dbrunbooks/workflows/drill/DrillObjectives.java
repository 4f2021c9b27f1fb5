package io.dbrunbooks.workflows.drill;

/**
 * The recovery objectives a drill is judged against, from the worker's targets file.
 *
 * @param environment the target's environment, e.g. {@code production}
 * @param source where the figures come from, e.g. {@code default for production} or {@code targets.orders.drill}
 */
public record DrillObjectives(String environment, double rtoSeconds, double rpoSeconds, String source) {}
