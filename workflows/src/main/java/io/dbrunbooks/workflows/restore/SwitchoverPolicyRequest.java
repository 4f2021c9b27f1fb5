package io.dbrunbooks.workflows.restore;

public record SwitchoverPolicyRequest(String target) {}
