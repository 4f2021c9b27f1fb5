package io.dbrunbooks.activities.switchover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.dbrunbooks.activities.config.PostgresConnection;
import io.dbrunbooks.activities.config.TargetConfig;
import io.dbrunbooks.activities.evidence.CanonicalJson;
import io.dbrunbooks.activities.evidence.FileEvidenceRegistry;
import io.dbrunbooks.activities.evidence.Jws;
import io.dbrunbooks.activities.keys.LocalKeyring;
import io.dbrunbooks.workflows.restore.BackendRef;
import io.dbrunbooks.workflows.restore.BlueGreenState;
import io.dbrunbooks.workflows.restore.BlueServer;
import io.dbrunbooks.workflows.restore.SwitchoverOutcome;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where backups and the WAL archiver connect after promote restores, read from real sealed
 * switchover manifests in a file evidence registry, signed by a real keyring.
 */
class PromotionsTest {
  @TempDir Path tmp;
  private FileEvidenceRegistry registry;
  private LocalKeyring keys;
  private final TargetConfig orders = target("db1.internal", 5432);

  @BeforeEach
  void setUp() throws Exception {
    registry = new FileEvidenceRegistry(tmp.resolve("evidence"));
    keys = LocalKeyring.create(tmp.resolve("keyring.json"));
  }

  @Test
  void withoutPromotionsTheTargetsFileIsUsedAsWritten() throws Exception {
    seal("r1", SwitchoverOutcome.ROLLED_BACK, "db1.internal:5432", 54321, "2026-11-20T10:00:00Z");
    seal("r2", SwitchoverOutcome.ABORTED, "db1.internal:5432", 54322, "2026-11-20T11:00:00Z");

    assertSame(orders, serving(orders), "rolled back and aborted switchovers left the traffic where it was");
  }

  @Test
  void aPromotionSendsTheTargetsConnectionToGreenKeepingItsRoleAndDatabase() throws Exception {
    seal("r1", SwitchoverOutcome.PROMOTED, "db1.internal:5432", 54321, "2026-11-20T10:00:00Z");

    TargetConfig t = serving(orders);

    assertEquals(new PostgresConnection("10.0.0.7", 54321, "orders", "backup", null, "prefer"), t.connection());
    assertEquals(orders.walArchive(), t.walArchive());
  }

  @Test
  void aGreenOnLoopbackIsReachedWithoutTls() throws Exception {
    seal("r1", SwitchoverOutcome.PROMOTED, "db1.internal:5432", 54321, "2026-11-20T10:00:00Z", "127.0.0.1");
    TargetConfig requiring = new TargetConfig("orders", "postgres",
        new PostgresConnection("db1.internal", 5432, "orders", "backup", null, "verify-full"), null, null, null, 0, null, 0, null, null);

    assertEquals(new PostgresConnection("127.0.0.1", 54321, "orders", "backup", null, "disable"), serving(requiring).connection(),
        "restored clusters run without TLS and listen on 127.0.0.1 only");
  }

  @Test
  void anotherTargetsManifestCopiedUnderThisOneIsNotFollowed() throws Exception {
    Map<String, Object> theirs = manifest("r9", SwitchoverOutcome.PROMOTED, "db1.internal:5432", 6543, "2026-11-20T10:00:00Z",
        "10.0.0.9");
    theirs.put("target", "payments");
    put("r9", theirs, keys);
    put("r8", manifest("r7", SwitchoverOutcome.PROMOTED, "db1.internal:5432", 6544, "2026-11-20T11:00:00Z", "10.0.0.9"), keys);

    assertSame(orders, serving(orders), "a signed manifest counts only at its own target's and restore's path");
  }

  @Test
  void promotionsAreFollowedInTheOrderTheyWereSealed() throws Exception {
    seal("r2", SwitchoverOutcome.PROMOTED, "10.0.0.7:54321", 54399, "2026-11-21T09:00:00Z"); // the second restore, from the first green
    seal("r1", SwitchoverOutcome.PROMOTED, "db1.internal:5432", 54321, "2026-11-20T10:00:00Z");

    assertEquals(54399, serving(orders).connection().port());
    assertEquals(54399, serving(target("10.0.0.7", 54321)).connection().port(),
        "a targets file updated to the first green still follows the second promotion");
    TargetConfig elsewhere = target("db9.internal", 5432);
    assertSame(elsewhere, serving(elsewhere), "a targets file naming another server is used as written");
  }

  @Test
  void aPromotionBackToAnEarlierAddressEndsThere() throws Exception {
    seal("r1", SwitchoverOutcome.PROMOTED, "db1.internal:5432", 54321, "2026-11-20T10:00:00Z");
    seal("r2", SwitchoverOutcome.PROMOTED, "10.0.0.7:54321", 5432, "2026-11-21T09:00:00Z", "db1.internal");

    TargetConfig t = serving(orders);

    assertEquals("db1.internal:5432", t.connection().host() + ":" + t.connection().port());
  }

  @Test
  void aManifestThatDoesNotVerifyIsNotFollowed() throws Exception {
    LocalKeyring stranger = LocalKeyring.create(tmp.resolve("other-keyring.json"));
    put("r1", manifest("r1", SwitchoverOutcome.PROMOTED, "db1.internal:5432", 54321, "2026-11-20T10:00:00Z", "10.0.0.7"), stranger);
    Map<String, Object> forged = manifest("r2", SwitchoverOutcome.PROMOTED, "db1.internal:5432", 6666, "2026-11-20T11:00:00Z", "evil.example");
    String good = Jws.sign(CanonicalJson.bytes(manifest("r2", SwitchoverOutcome.ROLLED_BACK, "db1.internal:5432", 6666, "2026-11-20T11:00:00Z",
        "evil.example")), keys);
    String[] parts = good.split("\\.");
    String tampered = parts[0] + "." + java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(CanonicalJson.bytes(forged))
        + "." + parts[2];
    registry.putOnce("orders/restores/r2/switchover-manifest.jws", tampered.getBytes(StandardCharsets.US_ASCII));

    assertSame(orders, serving(orders), "neither an unknown signer's manifest nor an edited one moves the target");
    assertEquals(List.of(), Promotions.read(registry, keys::verificationKey, "orders"));
  }

  private TargetConfig serving(TargetConfig t) throws Exception {
    return Promotions.serving(t, Promotions.read(registry, keys::verificationKey, "orders"));
  }

  private void seal(String restoreId, SwitchoverOutcome outcome, String from, int greenPort, String sealedAt) throws Exception {
    seal(restoreId, outcome, from, greenPort, sealedAt, "10.0.0.7");
  }

  private void seal(String restoreId, SwitchoverOutcome outcome, String from, int greenPort, String sealedAt, String greenHost)
      throws Exception {
    put(restoreId, manifest(restoreId, outcome, from, greenPort, sealedAt, greenHost), keys);
  }

  private void put(String restoreId, Map<String, Object> manifest, LocalKeyring signer) throws Exception {
    registry.putOnce("orders/restores/" + restoreId + "/switchover-manifest.jws",
        Jws.sign(CanonicalJson.bytes(manifest), signer).getBytes(StandardCharsets.US_ASCII));
  }

  /** The fields the restore workflow's switchover manifest carries, with the state the guardrails recorded. */
  private static Map<String, Object> manifest(String restoreId, SwitchoverOutcome outcome, String from, int greenPort, String sealedAt,
      String greenHost) {
    BlueGreenState state = new BlueGreenState("127.0.0.1:6432", "orders", new BackendRef("10.0.0.5", 5432, "orders"),
        new BackendRef(greenHost, greenPort, "orders"), "transaction", 3, 0,
        new BlueServer("/var/lib/postgresql/15/main", "7312", 1, "0/5A00200", "orders", 5432, "15.8"), "orders-restore-1",
        "0/5B00000", from);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("schema", "db-runbooks/switchover-manifest/v1");
    m.put("restoreId", restoreId);
    m.put("target", "orders");
    m.put("outcome", outcome);
    m.put("state", CanonicalJson.mapper().convertValue(state, Map.class));
    m.put("sealedAt", Instant.parse(sealedAt).toString());
    return m;
  }

  private static TargetConfig target(String host, int port) {
    return new TargetConfig("orders", "postgres", new PostgresConnection(host, port, "orders", "backup", null, "prefer"), null,
        null, null, 0, null, 0, null, null);
  }
}
