package io.dbrunbooks.activities.evidence;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dbrunbooks.activities.keys.LocalKeyring;
import io.dbrunbooks.activities.keys.PublicKeySet;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JwsTest {

  @TempDir Path dir;

  @Test
  void canonicalJsonIgnoresInsertionOrder() {
    Map<String, Object> a = new LinkedHashMap<>();
    a.put("b", 1);
    a.put("a", Map.of("y", 2, "x", List.of(3, "z")));
    Map<String, Object> b = new TreeMap<>(Map.of("a", new TreeMap<>(Map.of("x", List.of(3, "z"), "y", 2)), "b", 1));
    assertEquals("{\"a\":{\"x\":[3,\"z\"],\"y\":2},\"b\":1}", new String(CanonicalJson.bytes(a), StandardCharsets.UTF_8));
    assertArrayEquals(CanonicalJson.bytes(a), CanonicalJson.bytes(b));
  }

  @Test
  void eddsaSignsDeterministicallyAndVerifies() throws Exception {
    LocalKeyring keys = LocalKeyring.create(dir.resolve("k.json"));
    byte[] payload = CanonicalJson.bytes(Map.of("backupId", "b1"));

    String jws = Jws.sign(payload, keys);
    assertEquals(jws, Jws.sign(payload, keys), "same manifest, same bytes");
    Jws.Verified v = Jws.verify(jws, keys.publicKeySet());
    assertArrayEquals(payload, v.payload());
    assertEquals(new Jws.Header("EdDSA", keys.signingKeyId(), Jws.TYPE), v.header());
    String header = new String(Base64.getUrlDecoder().decode(jws.split("\\.")[0]), StandardCharsets.UTF_8);
    assertEquals("{\"alg\":\"EdDSA\",\"kid\":\"" + keys.signingKeyId() + "\",\"typ\":\"runbooks-manifest+json\"}", header);
  }

  @Test
  void alteredPayloadFailsNamingTheKey() throws Exception {
    LocalKeyring keys = LocalKeyring.create(dir.resolve("k.json"));
    String jws = Jws.sign(CanonicalJson.bytes(Map.of("sizeBytes", 100)), keys);
    String[] p = jws.split("\\.");
    String forged = p[0] + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(CanonicalJson.bytes(Map.of("sizeBytes", 999))) + "." + p[2];

    JwsException e = assertThrows(JwsException.class, () -> Jws.verify(forged, keys.publicKeySet()));
    assertTrue(e.getMessage().contains("does not verify with key " + keys.signingKeyId()), e.getMessage());
  }

  @Test
  void es256FromAKmsStyleSignerVerifies() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair kp = g.generateKeyPair();
    Jws.Signer kms = input -> {
      try {
        Signature s = Signature.getInstance("SHA256withECDSAinP1363Format");
        s.initSign(kp.getPrivate());
        s.update(input);
        return s.sign();
      } catch (java.security.GeneralSecurityException e) {
        throw new java.io.IOException(e);
      }
    };
    String jws = Jws.sign("{}".getBytes(StandardCharsets.UTF_8), "kms:alias/runbooks", "ES256", kms);
    PublicKeySet pub = PublicKeySet.of(Map.of("kms:alias/runbooks", Base64.getEncoder().encodeToString(kp.getPublic().getEncoded())));

    assertEquals("ES256", Jws.verify(jws, pub).header().alg());
    // Algorithm confusion: the same EC key cannot be used under an EdDSA header.
    String relabelled = Jws.sign("{}".getBytes(StandardCharsets.UTF_8), "kms:alias/runbooks", "EdDSA", kms);
    JwsException e = assertThrows(JwsException.class, () -> Jws.verify(relabelled, pub));
    assertTrue(e.getMessage().contains("header says EdDSA"), e.getMessage());
  }

  @Test
  void malformedInputIsNamed() {
    assertTrue(assertThrows(JwsException.class, () -> Jws.header("a.b")).getMessage().contains("3 dot-separated parts"));
    assertTrue(assertThrows(JwsException.class, () -> Jws.header("e30.e30.e30")).getMessage().contains("'alg' and 'kid'"));
  }
}
