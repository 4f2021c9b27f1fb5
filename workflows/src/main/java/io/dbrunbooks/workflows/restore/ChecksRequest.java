package io.dbrunbooks.workflows.restore;

import java.util.List;

public record ChecksRequest(String target, RestoreEnvironment environment, List<SmokeQuery> smokeQueries) {}
