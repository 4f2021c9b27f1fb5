package io.dbrunbooks.workflows.common;

/**
 * Where an audit entry landed and its place in the hash chain.
 *
 * @param hash hex SHA-256 over the stored entry, which itself contains {@code previousHash}
 */
public record AuditRecord(String chain, long sequence, String previousHash, String hash) {}
