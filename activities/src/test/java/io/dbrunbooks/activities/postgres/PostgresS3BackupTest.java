package io.dbrunbooks.activities.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dbrunbooks.activities.aws.MotoServer;
import io.dbrunbooks.activities.config.PostgresConnection;
import io.dbrunbooks.activities.config.TargetResources;
import io.dbrunbooks.activities.config.TargetsConfig;
import io.dbrunbooks.activities.config.TargetsConfigLoader;
import io.dbrunbooks.activities.evidence.EvidenceActivitiesImpl;
import io.dbrunbooks.activities.evidence.EvidenceVerifier;
import io.dbrunbooks.activities.keys.KeySource;
import io.dbrunbooks.workflows.backup.BackupActivities;
import io.dbrunbooks.workflows.backup.BackupArtifact;
import io.dbrunbooks.workflows.backup.BackupMethod;
import io.dbrunbooks.workflows.backup.TakeBackupRequest;
import io.dbrunbooks.workflows.backup.VerificationReport;
import io.dbrunbooks.workflows.backup.VerifyRequest;
import io.dbrunbooks.workflows.common.AuditAppend;
import io.dbrunbooks.workflows.common.AuditEvent;
import io.dbrunbooks.workflows.common.AuditRecord;
import io.dbrunbooks.workflows.common.EvidenceActivities;
import io.dbrunbooks.workflows.common.SealRequest;
import io.dbrunbooks.workflows.common.SealedManifest;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.testing.TestActivityEnvironment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * A physical backup of a real throwaway cluster into S3, its data key from KMS, its manifest sealed
 * with a KMS signature into an Object Lock registry: everything wired from a targets file through
 * TargetResources, the way the worker does it.
 */
class PostgresS3BackupTest {
  static final String DB = "orders";
  static final String ID = "s3-phys-1";
  @TempDir static Path tmp;
  static MotoServer moto;
  static LocalCluster cluster;
  static TargetResources resources;
  static String storeBucket;
  static String registryBucket;
  static String signingKeyArn;

  @BeforeAll
  static void start() throws Exception {
    moto = MotoServer.start(tmp.resolve("moto"));
    storeBucket = moto.bucket("backups", false);
    registryBucket = moto.bucket("evidence", true);
    String wrappingKey = moto.wrappingKey().keyId();
    signingKeyArn = moto.signingKey().arn();

    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwx--x--x"));
    cluster = LocalCluster.start(tmp.resolve("pg"));
    cluster.createDatabase(DB);
    cluster.sql(DB, "CREATE TABLE orders (id serial PRIMARY KEY, total numeric(10,2))",
        "INSERT INTO orders (total) SELECT g * 1.5 FROM generate_series(1, 20000) g");

    PostgresConnection c = cluster.connection(DB);
    Path targets = Files.writeString(tmp.resolve("targets.yaml"), """
        targets:
          orders:
            engine: postgres
            connection: { host: %s, port: %d, database: %s, user: %s, password: { file: %s }, sslmode: disable }
            backupStore: { uri: s3://%s/prod, endpoint: %s, region: us-east-1, pathStyle: true }
            evidence: { uri: s3://%s/prod, retentionDays: 7, endpoint: %s, region: us-east-1, pathStyle: true }
            keys: { kms: { keyId: %s, signingKeyId: %s, endpoint: %s, region: us-east-1 } }
        """.formatted(c.host(), c.port(), c.database(), c.user(), c.password().file(),
        storeBucket, moto.endpointUrl(), registryBucket, moto.endpointUrl(), wrappingKey, signingKeyArn, moto.endpointUrl()));
    TargetsConfig config = TargetsConfigLoader.load(targets);
    resources = new TargetResources(config);
  }

  @AfterAll
  static void stop() throws Exception {
    if (resources != null) {
      resources.close();
    }
    if (cluster != null) {
      cluster.close();
    }
    if (moto != null) {
      moto.close();
    }
  }

  @Test
  void backupToS3SealedWithKmsVerifiesAndAFlippedByteIsNamed() throws Exception {
    TestActivityEnvironment env = TestActivityEnvironment.newInstance();
    try {
      TargetsConfig config = resources.config();
      env.registerActivitiesImplementations(
          new PostgresBackupActivities(config, resources::store, resources::keys),
          new EvidenceActivitiesImpl(config, resources::evidence, resources::keys));
      ActivityOptions once = ActivityOptions.newBuilder().setStartToCloseTimeout(Duration.ofMinutes(5))
          .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build()).build();
      BackupActivities backup = env.newActivityStub(BackupActivities.class, once);
      EvidenceActivities evidence = env.newActivityStub(EvidenceActivities.class, once);

      BackupArtifact a = backup.takeBackup(new TakeBackupRequest("orders", ID, BackupMethod.PHYSICAL));
      assertEquals("s3://" + storeBucket + "/prod/orders/" + ID + "/base.tar.zst.aes", a.location());
      assertTrue(a.wrappingKeyId().startsWith("arn:aws:kms:"), a.wrappingKeyId());
      VerificationReport v = backup.verifyBackup(new VerifyRequest("orders", a));
      assertTrue(v.checks().stream().anyMatch(c -> c.contains("backup successfully verified")), v.checks().toString());

      String chain = EvidenceVerifier.chainOf("orders", ID);
      AuditRecord head = null;
      for (String action : List.of("backup.taken", "backup.verified")) {
        head = evidence.appendAudit(new AuditAppend("orders", chain, head == null ? 1 : head.sequence() + 1,
            new AuditEvent("2026-11-21T10:41:07Z", action, "target/orders/backup/" + ID, "alice", "succeeded", Map.of())));
      }
      SealedManifest sealed = evidence.sealManifest(new SealRequest("orders", chain + "/manifest", Map.of(
          "backupId", ID,
          "target", "orders",
          "auditHead", Map.of("sequence", head.sequence(), "hash", head.hash()),
          "keys", Map.of("dataKeyWrappingKeyId", a.wrappingKeyId()),
          "artifacts", List.of(Map.of("key", a.key(), "sha256", a.sha256(), "storedBytes", a.storedBytes())))));
      assertEquals("s3://" + registryBucket + "/prod/" + chain + "/manifest.jws", sealed.location());
      assertEquals(signingKeyArn, sealed.signingKeyId());
      assertEquals("ES256", sealed.algorithm());

      KeySource keys = resources.keys("orders");
      EvidenceVerifier verifier = new EvidenceVerifier(resources.evidence("orders"), resources.store("orders"), keys::verificationKey);
      EvidenceVerifier.Report good = verifier.verify("orders", ID);
      assertTrue(good.ok(), good.toString());

      // The sealed manifest outlives any attempt to delete it.
      String manifestKey = "prod/" + chain + "/manifest.jws";
      String version = moto.s3().headObject(r -> r.bucket(registryBucket).key(manifestKey)).versionId();
      S3Exception refused = org.junit.jupiter.api.Assertions.assertThrows(S3Exception.class,
          () -> moto.s3().deleteObject(r -> r.bucket(registryBucket).key(manifestKey).versionId(version)));
      assertEquals(403, refused.statusCode());

      // The store bucket has no Object Lock: overwrite the artifact with one byte flipped.
      String artifactKey = "prod/" + a.key();
      byte[] bytes = moto.s3().getObjectAsBytes(r -> r.bucket(storeBucket).key(artifactKey)).asByteArray();
      bytes[bytes.length / 2] ^= 0x01;
      moto.s3().putObject(r -> r.bucket(storeBucket).key(artifactKey), RequestBody.fromBytes(bytes));
      EvidenceVerifier.Report bad = verifier.verify("orders", ID);
      assertFalse(bad.ok());
      assertEquals(List.of("artifact " + a.key()), bad.failures().stream().map(EvidenceVerifier.Check::name).toList(), bad.toString());
    } finally {
      env.close();
    }
  }
}
