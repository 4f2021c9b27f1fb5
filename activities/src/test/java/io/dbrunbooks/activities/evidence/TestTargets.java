package io.dbrunbooks.activities.evidence;

import io.dbrunbooks.activities.config.KeySourceConfig;
import io.dbrunbooks.activities.config.NotifierConfig;
import io.dbrunbooks.activities.config.RegistryConfig;
import io.dbrunbooks.activities.config.StoreConfig;
import io.dbrunbooks.activities.config.TargetConfig;
import io.dbrunbooks.activities.config.TargetsConfig;
import java.nio.file.Path;
import java.util.Map;

/** A one-target configuration ("orders") rooted in a test directory. */
final class TestTargets {
  private TestTargets() {}

  static TargetsConfig orders(Path dir, String webhook) {
    TargetConfig orders = new TargetConfig("orders", "postgres", null,
        new StoreConfig("file:" + dir.resolve("store")),
        new RegistryConfig("file:" + dir.resolve("evidence")),
        new KeySourceConfig(dir.resolve("keyring.json").toString()),
        30, new NotifierConfig(webhook));
    return new TargetsConfig(dir.resolve("targets.yaml"), Map.of("orders", orders));
  }
}
