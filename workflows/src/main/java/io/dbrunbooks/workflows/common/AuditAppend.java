package io.dbrunbooks.workflows.common;

/**
 * Append {@code event} as entry {@code sequence} (1-based) of the audit chain {@code chain}.
 *
 * <p>The workflow owns the sequence numbers, so a retried append targets the same slot: the
 * registry accepts an identical rewrite and refuses a different one.
 *
 * @param chain registry path of the chain, e.g. {@code orders/backups/orders-20261121T104107Z-3fa2c1}
 */
public record AuditAppend(String target, String chain, long sequence, AuditEvent event) {}
