package io.dbrunbooks.activities.evidence;

import com.fasterxml.jackson.databind.JsonNode;
import io.dbrunbooks.activities.keys.KeySource;
import io.dbrunbooks.activities.keys.PublicKeyLookup;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.util.Base64;
import java.util.Map;

/**
 * Compact JWS (RFC 7515) for sealed manifests: {@code base64url(header).base64url(payload).base64url(sig)}.
 *
 * <p>The header is canonical JSON {@code {"alg","kid","typ":"runbooks-manifest+json"}}; with a
 * canonical payload and Ed25519's deterministic signatures, sealing the same manifest twice yields
 * the same bytes. Verification accepts {@code EdDSA} (Ed25519) and {@code ES256} (P-256, for KMS
 * keys), checks that the key named by {@code kid} is of the type {@code alg} says (no algorithm
 * confusion), and refuses {@code crit} headers it cannot honour.
 */
public final class Jws {

  public static final String TYPE = "runbooks-manifest+json";

  /** Produces the raw JWS signature over the signing input. */
  @FunctionalInterface
  public interface Signer {
    byte[] sign(byte[] signingInput) throws IOException;
  }

  public record Header(String alg, String kid, String typ) {}

  public record Verified(Header header, byte[] payload) {}

  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder B64D = Base64.getUrlDecoder();

  private Jws() {}

  /** Signs with the key source's active signing key. */
  public static String sign(byte[] payload, KeySource keys) throws IOException {
    return sign(payload, keys.signingKeyId(), keys.signingAlgorithm(), keys::sign);
  }

  public static String sign(byte[] payload, String kid, String alg, Signer signer) throws IOException {
    byte[] header = CanonicalJson.bytes(Map.of("alg", alg, "kid", kid, "typ", TYPE));
    String input = B64.encodeToString(header) + "." + B64.encodeToString(payload);
    return input + "." + B64.encodeToString(signer.sign(input.getBytes(StandardCharsets.US_ASCII)));
  }

  /** Parses the header without checking the signature (to find out which key to use). */
  public static Header header(String compact) throws JwsException {
    return parseHeader(parts(compact)[0]);
  }

  /** The payload without checking the signature: for reporting on a manifest that failed verification. */
  public static byte[] unverifiedPayload(String compact) throws JwsException {
    return decode(parts(compact)[1], "payload");
  }

  /**
   * Verifies the signature with the key {@code keys} returns for the header's {@code kid}.
   *
   * @throws JwsException when malformed or the signature does not verify
   * @throws IOException when the key lookup fails (e.g. unknown kid), message from the lookup
   */
  public static Verified verify(String compact, PublicKeyLookup keys) throws JwsException, IOException {
    String[] p = parts(compact);
    Header h = parseHeader(p[0]);
    PublicKey key = keys.find(h.kid());
    byte[] sig = decode(p[2], "signature");
    boolean ok;
    try {
      Signature s = Signature.getInstance(jcaAlgorithm(h, key));
      s.initVerify(key);
      s.update((p[0] + "." + p[1]).getBytes(StandardCharsets.US_ASCII));
      ok = s.verify(sig);
    } catch (GeneralSecurityException e) {
      ok = false; // e.g. a malformed ES256 signature: the same verdict as a wrong one
    }
    if (!ok) {
      throw new JwsException("signature does not verify with key " + h.kid() + " (" + h.alg()
          + "): the manifest was altered after sealing or was not signed by that key");
    }
    return new Verified(h, decode(p[1], "payload"));
  }

  private static String jcaAlgorithm(Header h, PublicKey key) throws JwsException {
    switch (h.alg()) {
      case "EdDSA":
        if (!key.getAlgorithm().equals("EdDSA") && !key.getAlgorithm().equals("Ed25519")) {
          throw new JwsException("key " + h.kid() + " is a " + key.getAlgorithm() + " key but the JWS header says EdDSA");
        }
        return "Ed25519";
      case "ES256":
        if (!(key instanceof ECPublicKey ec) || ec.getParams().getCurve().getField().getFieldSize() != 256) {
          throw new JwsException("key " + h.kid() + " is not a P-256 EC key but the JWS header says ES256");
        }
        return "SHA256withECDSAinP1363Format";
      default:
        throw new JwsException("JWS algorithm '" + h.alg() + "' is not accepted (EdDSA or ES256 only)");
    }
  }

  private static String[] parts(String compact) throws JwsException {
    String[] p = compact == null ? new String[0] : compact.strip().split("\\.", -1);
    if (p.length != 3) {
      throw new JwsException("not a compact JWS: expected 3 dot-separated parts, found " + p.length);
    }
    return p;
  }

  private static Header parseHeader(String part) throws JwsException {
    JsonNode h;
    try {
      h = CanonicalJson.mapper().readTree(decode(part, "header"));
    } catch (IOException e) {
      throw new JwsException("JWS header is not valid JSON: " + e.getMessage());
    }
    if (h == null || !h.isObject()) {
      throw new JwsException("JWS header is not a JSON object");
    }
    if (h.has("crit")) {
      throw new JwsException("JWS header has 'crit' extensions this verifier does not understand");
    }
    String typ = h.path("typ").asText(null);
    if (typ != null && !typ.equals(TYPE)) {
      throw new JwsException("JWS typ is '" + typ + "', expected '" + TYPE + "'");
    }
    if (!h.path("alg").isTextual() || !h.path("kid").isTextual()) {
      throw new JwsException("JWS header must name 'alg' and 'kid'");
    }
    return new Header(h.get("alg").asText(), h.get("kid").asText(), typ);
  }

  private static byte[] decode(String part, String what) throws JwsException {
    try {
      return B64D.decode(part);
    } catch (IllegalArgumentException e) {
      throw new JwsException("JWS " + what + " is not valid base64url");
    }
  }
}
