package io.dbrunbooks.activities.keys;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.Signature;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalKeyringTest {

  @TempDir Path dir;

  @Test
  void createdKeyringIsOwnerOnlyAndLoadsBack() throws Exception {
    Path file = dir.resolve("keys/keyring.json");
    LocalKeyring created = LocalKeyring.create(file);

    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    assertTrue(created.activeKekId().matches("local:kek-\\d{4}-\\d{2}-\\d{2}-[0-9a-f]{6}"), created.activeKekId());
    assertTrue(created.signingKeyId().matches("local:sign-\\d{4}-\\d{2}-\\d{2}-[0-9a-f]{6}"), created.signingKeyId());
    LocalKeyring loaded = LocalKeyring.load(file);
    assertEquals(created.activeKekId(), loaded.activeKekId());
    assertEquals(created.publicKeys(), loaded.publicKeys());
    // No key material in toString: it ends up in logs.
    assertFalse(loaded.toString().contains(Files.readString(file).split("\"key\" : \"")[1].substring(0, 20)));
  }

  @Test
  void refusesToOverwriteAnExistingKeyring() throws Exception {
    Path file = dir.resolve("keyring.json");
    LocalKeyring.create(file);
    String before = Files.readString(file);

    KeyringException e = assertThrows(KeyringException.class, () -> LocalKeyring.create(file));
    assertTrue(e.getMessage().contains("refusing to overwrite"), e.getMessage());
    assertEquals(before, Files.readString(file));
  }

  @Test
  void wrapsAndUnwrapsDataKeysAcrossKekRotation() throws Exception {
    Path file = dir.resolve("keyring.json");
    LocalKeyring k1 = LocalKeyring.create(file);
    DataKey old = k1.newDataKey();
    byte[] oldPlain = old.plaintext().clone();
    assertEquals(32, oldPlain.length);
    assertEquals(k1.activeKekId(), old.wrappingKeyId());
    assertFalse(old.toString().contains(java.util.HexFormat.of().formatHex(oldPlain)));

    LocalKeyring k2 = k1.rotateKek();
    assertNotEquals(k1.activeKekId(), k2.activeKekId());
    LocalKeyring reloaded = LocalKeyring.load(file);
    assertEquals(2, reloaded.kekIds().size());
    assertArrayEquals(oldPlain, reloaded.unwrap(old.wrappingKeyId(), old.wrapped()));
    DataKey fresh = reloaded.newDataKey();
    assertEquals(k2.activeKekId(), fresh.wrappingKeyId());
    assertArrayEquals(fresh.plaintext(), reloaded.unwrap(fresh.wrappingKeyId(), fresh.wrapped()));
  }

  @Test
  void unknownOrWrongKeyIsANamedError() throws Exception {
    Path file = dir.resolve("keyring.json");
    LocalKeyring k = LocalKeyring.create(file);
    DataKey dk = k.newDataKey();

    KeyringException unknown = assertThrows(KeyringException.class, () -> k.unwrap("local:kek-1999-01-01-000000", dk.wrapped()));
    assertTrue(unknown.getMessage().contains("local:kek-1999-01-01-000000"), unknown.getMessage());
    assertTrue(unknown.getMessage().contains(file.toString()), unknown.getMessage());

    byte[] damaged = dk.wrapped();
    damaged[5] ^= 1;
    KeyringException integrity = assertThrows(KeyringException.class, () -> k.unwrap(dk.wrappingKeyId(), damaged));
    assertTrue(integrity.getMessage().contains("does not unwrap"), integrity.getMessage());

    KeyringException sign = assertThrows(KeyringException.class, () -> k.verificationKey("local:sign-nope"));
    assertTrue(sign.getMessage().contains("local:sign-nope") && sign.getMessage().contains(file.toString()), sign.getMessage());
  }

  @Test
  void signaturesVerifyWithExportedPublicKeysAfterRotation() throws Exception {
    Path file = dir.resolve("keyring.json");
    LocalKeyring k1 = LocalKeyring.create(file);
    byte[] data = "header.payload".getBytes(StandardCharsets.US_ASCII);
    byte[] sig1 = k1.sign(data);
    assertEquals("EdDSA", k1.signingAlgorithm());
    assertEquals(64, sig1.length);
    LocalKeyring k2 = k1.rotateSigningKey();

    // An auditor holding only the exported public keys verifies both generations.
    Path pub = dir.resolve("public-keys.json");
    k2.publicKeySet().writeTo(pub);
    PublicKeySet offline = PublicKeySet.load(pub);
    assertTrue(verify(offline.find(k1.signingKeyId()), data, sig1));
    assertTrue(verify(offline.find(k2.signingKeyId()), data, k2.sign(data)));
    assertFalse(verify(offline.find(k2.signingKeyId()), data, sig1));
    assertFalse(Files.readString(pub).contains("private"));
  }

  @Test
  void loadRefusesAKeyringOthersCanRead() throws Exception {
    Path file = dir.resolve("keyring.json");
    LocalKeyring.create(file);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));

    KeyringException e = assertThrows(KeyringException.class, () -> LocalKeyring.load(file));
    assertTrue(e.getMessage().contains("rw-r--r--") && e.getMessage().contains("chmod 600 " + file), e.getMessage());
  }

  @Test
  void loadNamesMissingFilesAndBrokenFields() throws Exception {
    Path missing = dir.resolve("nope.json");
    KeyringException e1 = assertThrows(KeyringException.class, () -> LocalKeyring.load(missing));
    assertTrue(e1.getMessage().contains(missing + " does not exist"), e1.getMessage());

    Path file = dir.resolve("keyring.json");
    LocalKeyring k = LocalKeyring.create(file);
    String json = Files.readString(file);

    Files.writeString(file, json.replace("\"activeKek\"", "\"activeKEK\""));
    KeyringException e2 = assertThrows(KeyringException.class, () -> LocalKeyring.load(file));
    assertTrue(e2.getMessage().contains("field 'activeKek' is missing"), e2.getMessage());

    Files.writeString(file, json.replaceFirst("\"key\" : \"[^\"]+\"", "\"key\" : \"AAAA\""));
    KeyringException e3 = assertThrows(KeyringException.class, () -> LocalKeyring.load(file));
    assertTrue(e3.getMessage().contains("field 'keks." + k.activeKekId() + ".key' must be a 256-bit AES key"), e3.getMessage());

    Files.writeString(file, "{\"format\": ");
    KeyringException e4 = assertThrows(KeyringException.class, () -> LocalKeyring.load(file));
    assertTrue(e4.getMessage().contains("is not valid JSON at line"), e4.getMessage());
  }

  private static boolean verify(java.security.PublicKey key, byte[] data, byte[] sig) throws Exception {
    Signature s = Signature.getInstance("Ed25519");
    s.initVerify(key);
    s.update(data);
    return s.verify(sig);
  }
}
