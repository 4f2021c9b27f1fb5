package io.dbrunbooks.activities.config;

/**
 * Who hears about runs. A log line is always written; with {@code webhook} set, a JSON POST too.
 *
 * @param webhook http(s) URL, or null for log only
 */
public record NotifierConfig(String webhook) {}
