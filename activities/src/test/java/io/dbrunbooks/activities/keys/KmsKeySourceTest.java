package io.dbrunbooks.activities.keys;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dbrunbooks.activities.aws.MotoServer;
import io.dbrunbooks.activities.evidence.Jws;
import io.dbrunbooks.activities.evidence.JwsException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.kms.model.KeyMetadata;

/** Data keys and ES256 manifest signatures through KMS (moto_server). */
class KmsKeySourceTest {
  @TempDir static Path tmp;
  static MotoServer moto;
  static KeyMetadata wrapping;
  static KeyMetadata signing;
  static KmsKeySource keys;

  @BeforeAll
  static void startMoto() throws Exception {
    moto = MotoServer.start(tmp.resolve("moto"));
    wrapping = moto.wrappingKey();
    signing = moto.signingKey();
    moto.kms().createAlias(r -> r.aliasName("alias/db-runbooks-test").targetKeyId(wrapping.keyId()));
    keys = new KmsKeySource(moto.kms(), "alias/db-runbooks-test", signing.arn());
  }

  @AfterAll
  static void stopMoto() {
    if (moto != null) {
      moto.close();
    }
  }

  @Test
  void dataKeysRoundTripAndRecordTheKeyArn() throws Exception {
    DataKey k = keys.newDataKey();
    assertEquals(32, k.plaintext().length);
    assertEquals(wrapping.arn(), k.wrappingKeyId(), "the alias is resolved to the key's ARN");
    assertArrayEquals(k.plaintext(), keys.unwrap(k.wrappingKeyId(), k.wrapped()));
    assertFalse(k.toString().contains(Base64.getEncoder().encodeToString(k.plaintext())));
  }

  @Test
  void unwrappingWithAnotherKeyIsRefused() throws Exception {
    DataKey k = keys.newDataKey();
    KeyMetadata other = moto.wrappingKey();
    KeyringException e = assertThrows(KeyringException.class, () -> keys.unwrap(other.arn(), k.wrapped()));
    assertTrue(e.getMessage().contains(other.arn()), e.getMessage());
    KeyringException unknown = assertThrows(KeyringException.class, () -> keys.unwrap("local:kek-1", k.wrapped()));
    assertTrue(unknown.getMessage().contains("local:kek-1"), unknown.getMessage());
  }

  @Test
  void manifestsSignedThroughKmsVerifyAndAFlippedPayloadFails() throws Exception {
    byte[] payload = ("{\"backupId\":\"b1\",\"pad\":\"" + "x".repeat(2000) + "\"}").getBytes(StandardCharsets.UTF_8);
    String jws = Jws.sign(payload, keys);
    Jws.Verified v = Jws.verify(jws, keys::verificationKey);
    assertEquals("ES256", v.header().alg());
    assertEquals(signing.arn(), v.header().kid());
    assertArrayEquals(payload, v.payload());

    String[] parts = jws.split("\\.");
    String forged = parts[0] + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(
        new String(payload, StandardCharsets.UTF_8).replace("b1", "b2").getBytes(StandardCharsets.UTF_8)) + "." + parts[2];
    assertThrows(JwsException.class, () -> Jws.verify(forged, keys::verificationKey));
  }

  @Test
  void aManifestSignedByAnotherKmsKeyIsNotTrusted() throws Exception {
    KmsKeySource stranger = new KmsKeySource(moto.kms(), "alias/db-runbooks-test", moto.signingKey().arn());
    String forged = Jws.sign("{\"backupId\":\"b1\"}".getBytes(StandardCharsets.UTF_8), stranger);
    KeyringException e = assertThrows(KeyringException.class, () -> Jws.verify(forged, keys::verificationKey));
    assertTrue(e.getMessage().contains("is not this target's signing key"), e.getMessage());
  }

  @Test
  void aWrappingKeyIsNoVerificationKey() {
    KeyringException e = assertThrows(KeyringException.class, () -> keys.verificationKey(wrapping.arn()));
    assertTrue(e.getMessage().contains(wrapping.arn()), e.getMessage());
  }

  @Test
  void derSignaturesBecomeFixedWidth() throws Exception {
    // r with a leading sign byte (33 bytes), s short (31 bytes)
    byte[] r = new byte[33];
    r[1] = (byte) 0x80;
    byte[] s = new byte[31];
    s[0] = 0x01;
    byte[] der = new byte[2 + 2 + 33 + 2 + 31];
    der[0] = 0x30;
    der[1] = (byte) (der.length - 2);
    der[2] = 0x02;
    der[3] = 33;
    System.arraycopy(r, 0, der, 4, 33);
    der[37] = 0x02;
    der[38] = 31;
    System.arraycopy(s, 0, der, 39, 31);
    byte[] p1363 = KmsKeySource.derToP1363(der, 32);
    assertEquals(64, p1363.length);
    assertEquals((byte) 0x80, p1363[0]);
    assertEquals(0, p1363[32]);
    assertEquals(1, p1363[33]);
  }
}
