package io.dbrunbooks.activities.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where a secret comes from: an environment variable or a file (trailing newline dropped). Exactly
 * one is set. {@link #toString()} names the source, never the value.
 */
public record SecretRef(String env, String file) {

  public static SecretRef none() {
    return new SecretRef(null, null);
  }

  public boolean isSet() {
    return env != null || file != null;
  }

  /** Reads the secret now; null when no source is configured (trust or peer authentication). */
  public String resolve() throws IOException {
    if (env != null) {
      String v = System.getenv(env);
      if (v == null) {
        throw new IOException("environment variable " + env + " is not set");
      }
      return v;
    }
    if (file != null) {
      String v = Files.readString(Path.of(file), StandardCharsets.UTF_8);
      return v.endsWith("\n") ? v.substring(0, v.length() - 1) : v;
    }
    return null;
  }

  @Override
  public String toString() {
    return env != null ? "env:" + env : file != null ? "file:" + file : "none";
  }
}
