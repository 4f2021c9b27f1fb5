package io.dbrunbooks.activities.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dbrunbooks.activities.evidence.FileEvidenceRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads and validates the worker's targets file.
 *
 * <p>The file is YAML with camelCase keys:
 *
 * <pre>{@code
 * targets:
 *   orders:                                     # target name: [a-z0-9][a-z0-9_-]{0,62}
 *     engine: postgres                          # the only engine so far
 *     connection:
 *       host: 127.0.0.1
 *       port: 5432                              # 1-65535
 *       database: orders
 *       user: runbooks_backup
 *       password: { env: ORDERS_PGPASSWORD }    # or { file: /run/secrets/orders-pg }; omit for trust/peer auth
 *       sslmode: prefer                         # optional: disable|allow|prefer|require|verify-ca|verify-full
 *     backupStore: file:/var/lib/db-runbooks/backups     # absolute file: URI, or s3://bucket/prefix (see below)
 *     evidence: file:/var/lib/db-runbooks/evidence       # absolute file: URI, { uri: file:/..., immutable: true } (chattr +i,
 *                                                        # checked here), or an S3 Object Lock mapping (see below)
 *     keys: { keyring: /etc/db-runbooks/keyring.json }   # absolute path of a readable keyring file, or { kms: ... }
 *     maxReplicationLagSeconds: 30              # optional, >= 0, default 60
 *     maxBackupRate: 50MiB/s                    # optional: read the backup no faster (B, KiB, MiB, GiB, KB, MB, GB per s); default unlimited
 *     notifier: { webhook: https://hooks.example.com/db } # optional; omit for log only
 *     retention: { recoveryWindowDays: 7, minFullBackups: 2 } # optional; without it nothing is expired
 *                                               # optional inside it: classes: { weekly: { keepDays: 365 }, ... }
 *                                               # keeps backups of a class (backup start --class) that long
 *     restore:                                  # optional: where point-in-time restores build isolated clusters
 *       directory: /var/lib/db-runbooks/restores  # absolute path; each restore gets its own subdirectory
 *       port: 0                                 # optional: 0 (default) any free port, or a range "55432-55531"
 *     walArchive:                               # optional: the continuous WAL archiver (WalArchiveWorkflow)
 *       slot: db_runbooks_orders                # physical replication slot it owns; default db_runbooks_<target>
 *       flushIntervalSeconds: 1                 # upload the segment being filled this often, 0.1-60; default 1
 *     pgbouncer:                                # optional: the PgBouncer applications reach the target through
 *       host: 127.0.0.1                         # its listener, as the worker reaches it
 *       port: 6432
 *       sslmode: prefer                         # optional, as for connection.sslmode
 *       admin: { user: runbooks, password: { env: PGBOUNCER_ADMIN_PASSWORD } }  # in admin_users; password optional
 *       databasesFile: /etc/pgbouncer/databases.ini   # absolute; %include'd by pgbouncer.ini, rewritten by the switch
 *       database: orders                        # the alias applications connect to
 *       pauseTimeoutSeconds: 30                 # optional, > 0 and <= 120, default 30
 *       healthCheck: { user: orders_app, password: { file: /run/secrets/orders-app }, query: SELECT 1 }  # query optional
 *     switchover:                               # optional: promote restores take the traffic (needs restore, pgbouncer.healthCheck)
 *       approvers: [alice, bob]                 # at least one name
 *       approvalTimeoutMinutes: 240             # optional, > 0, default 240
 *       bakeMinutes: 30                         # optional, >= 0, default 30
 *       healthCheckIntervalSeconds: 10          # optional, whole seconds >= 1, default 10
 *       healthCheckFailures: 3                  # optional, >= 1, default 3: consecutive failed checks that roll back
 *       keepBlueDays: 7                         # optional, >= 0, default 7
 *       greenHost: 127.0.0.1                    # optional: how PgBouncer reaches restored clusters; default 127.0.0.1
 * }</pre>
 *
 * <p>AWS: S3 for the store and the registry, KMS for keys. Credentials always come from the SDK's
 * default chain (environment, profile, instance or task role), never from this file; {@code
 * endpoint}, {@code region} and {@code pathStyle} are optional everywhere (the SDK's defaults apply):
 *
 * <pre>{@code
 *     backupStore: s3://acme-db-backups/prod                 # string form: SDK defaults
 *     backupStore:                                           # mapping form
 *       uri: s3://acme-db-backups/prod
 *       endpoint: http://127.0.0.1:5000                      # optional: S3-compatible store or moto_server
 *       region: eu-west-1                                    # optional
 *       pathStyle: true                                      # optional, default false
 *     evidence:
 *       uri: s3://acme-db-evidence/prod                      # the bucket must have Object Lock enabled
 *       retentionDays: 2555                                  # required for S3, >= 1: COMPLIANCE retention of each entry
 *     keys:
 *       kms:
 *         keyId: alias/db-runbooks                           # SYMMETRIC_DEFAULT key wrapping data keys (id, ARN or alias)
 *         signingKeyId: arn:aws:kms:eu-west-1:111122223333:key/...  # ECC_NIST_P256 SIGN_VERIFY key (ES256)
 *         region: eu-west-1                                  # optional, as is endpoint
 * }</pre>
 *
 * <p>Validation is strict, because a typo in a backup configuration should stop the worker rather
 * than be silently ignored. The shape (keys, types, ranges, patterns, defaults) is the JSON Schema
 * {@code docs/targets.schema.json}, which editors use too; what a schema cannot say is checked
 * here, after it: target names, URIs, that secrets and the keyring can be read now (the worker
 * should not start and then fail its first backup), an immutable registry's attribute, a rate's
 * floor, a port range's order, and what a switchover needs besides its own block. Secret values
 * are only checked for presence, never read into a message. Values are bound to the records with
 * Jackson.
 *
 * <p>Every refusal is a {@link ConfigException} whose message reads {@code
 * file:line:column: field.path: problem}, with the position of the offending key.
 */
public final class TargetsConfigLoader {

  /** Default for {@code maxReplicationLagSeconds} (also the schema's default). */
  public static final double DEFAULT_MAX_REPLICATION_LAG_SECONDS = 60;
  /** The switch activity has 3 minutes (start-to-close) for PAUSE, the lock wait, repoint, RELOAD, RESUME and an undo. */
  public static final int MAX_PAUSE_TIMEOUT_SECONDS = 120;

  private static final Pattern TARGET_NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,62}");
  private static final Pattern PORT_RANGE = Pattern.compile("\\s*(\\d{1,5})\\s*-\\s*(\\d{1,5})\\s*");
  private static final Pattern RATE = Pattern.compile("\\s*(\\d+(?:\\.\\d+)?)\\s*(B|KiB|MiB|GiB|KB|MB|GB)/s\\s*");
  private static final Map<String, Long> RATE_UNITS = Map.of(
      "B", 1L, "KiB", 1L << 10, "MiB", 1L << 20, "GiB", 1L << 30, "KB", 1_000L, "MB", 1_000_000L, "GB", 1_000_000_000L);
  private static final ObjectMapper BIND = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  /** Loaded once: reading and compiling the schema is the slow part of a load. */
  private static final class Schema {
    static final YamlSchema TARGETS = YamlSchema.named("targets.schema.json");
  }

  private final Path file;
  private final Map<String, String> env;
  /** A worker writes evidence: check here that what the file asks of its registries can be done. */
  private final boolean forWorker;
  private YamlTree tree;

  private TargetsConfigLoader(Path file, Map<String, String> env, boolean forWorker) {
    this.file = file;
    this.env = env;
    this.forWorker = forWorker;
  }

  /**
   * Loads {@code file}, checking password environment variables against the process environment.
   *
   * @throws ConfigException naming the file, line, column and field of the first problem found
   */
  public static TargetsConfig load(Path file) {
    return load(file, System.getenv());
  }

  /**
   * As {@link #load(Path)}, checking password environment variables against {@code env} instead of
   * the process environment (for tests and for tools that validate a file for another host).
   */
  public static TargetsConfig load(Path file, Map<String, String> env) {
    return new TargetsConfigLoader(file, env, false).load();
  }

  /**
   * As {@link #load(Path, Map)} for a worker, which writes evidence: an {@code immutable: true}
   * registry is also checked by setting the attribute on a probe file in its directory. Tools that
   * only read (the CLI) load with {@link #load(Path, Map)} and need neither root nor the attribute.
   */
  public static TargetsConfig loadForWorker(Path file, Map<String, String> env) {
    return new TargetsConfigLoader(file, env, true).load();
  }

  private TargetsConfig load() {
    tree = YamlTree.read(file);
    if (tree.root() == null) {
      throw new ConfigException(file, 1, 1, "", "the file is empty: expected a 'targets:' mapping");
    }
    JsonNode targets = tree.root().path("targets");
    if (tree.writtenEmpty("/targets") || targets.isObject() && targets.isEmpty()) {
      throw tree.error("/targets", "no targets defined");
    }
    // Names first: the schema could only call a bad name an unknown key.
    for (Iterator<String> names = targets.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!TARGET_NAME.matcher(name).matches()) {
        throw tree.error(YamlTree.pointer("/targets", name),
            "target name must match [a-z0-9][a-z0-9_-]{0,62} (lower case letters, digits, '_' and '-')");
      }
    }
    Schema.TARGETS.check(tree);
    Map<String, RecoveryObjectives> environments = environmentObjectives(tree.root().path("objectives"));
    Map<String, TargetConfig> result = new LinkedHashMap<>();
    Map<String, RecoveryObjectives> objectives = new LinkedHashMap<>();
    targets.fields().forEachRemaining(t -> {
      String at = "/targets/" + t.getKey();
      result.put(t.getKey(), target(t.getKey(), t.getValue(), at));
      objectives.put(t.getKey(), targetObjectives(t.getValue(), at, environments));
    });
    return new TargetsConfig(file, result, objectives);
  }

  /** The built-in objectives per environment, overridden or extended by the file's {@code objectives:}. */
  private Map<String, RecoveryObjectives> environmentObjectives(JsonNode file) {
    Map<String, RecoveryObjectives> m = new LinkedHashMap<>();
    RecoveryObjectives.DEFAULTS.keySet().forEach(e -> m.put(e, RecoveryObjectives.defaultFor(e)));
    file.fields().forEachRemaining(e -> m.put(e.getKey(), objectives(e.getValue(), "/objectives/" + e.getKey(),
        m.get(e.getKey()), e.getKey(), "objectives." + e.getKey() + " in " + this.file.getFileName())));
    return m;
  }

  /** The target's {@code environment} (default production), with its own {@code drill:} figures over that environment's. */
  private RecoveryObjectives targetObjectives(JsonNode t, String at, Map<String, RecoveryObjectives> environments) {
    String environment = t.path("environment").asText(RecoveryObjectives.DEFAULT_ENVIRONMENT);
    RecoveryObjectives base = environments.get(environment);
    if (base == null) {
      throw tree.error(at + "/environment", "environment \"" + environment + "\" has no recovery objectives: use one of "
          + String.join(", ", new java.util.TreeSet<>(environments.keySet())) + " or add objectives." + environment
          + ": { rtoMinutes: ..., rpoSeconds: ... }");
    }
    return t.has("drill") ? objectives(t.get("drill"), at + "/drill", base, environment, YamlTree.dotted(at + "/drill")) : base;
  }

  /** {@code { rtoMinutes, rpoSeconds }}, each over {@code base} when given; both required without one. */
  private RecoveryObjectives objectives(JsonNode o, String at, RecoveryObjectives base, String environment, String source) {
    for (String figure : new String[] {"rtoMinutes", "rpoSeconds"}) {
      if (base == null && !o.has(figure)) {
        throw tree.error(at + "/" + figure, "required field is missing (a new environment needs both rtoMinutes and rpoSeconds)");
      }
    }
    return new RecoveryObjectives(environment, o.has("rtoMinutes") ? o.get("rtoMinutes").asDouble() * 60 : base.rtoSeconds(),
        o.has("rpoSeconds") ? o.get("rpoSeconds").asDouble() : base.rpoSeconds(), source);
  }

  private TargetConfig target(String name, JsonNode t, String at) {
    PostgresConnection c = bind(t.get("connection"), PostgresConnection.class);
    PostgresConnection connection = new PostgresConnection(c.host(), c.port(), c.database(), c.user(),
        secret(name, c.password(), at + "/connection/password"), c.sslmode());
    long rate = t.has("maxBackupRate") ? rate(t.get("maxBackupRate").asText(), at + "/maxBackupRate") : 0;
    NotifierConfig notifier = t.has("notifier")
        ? new NotifierConfig(httpUrl(t.get("notifier").get("webhook").asText(), at + "/notifier/webhook"))
        : new NotifierConfig(null);
    RetentionPolicy retention = t.has("retention") ? bind(t.get("retention"), RetentionPolicy.class) : null;
    RestoreConfig restore = t.has("restore") ? restore(t.get("restore"), at + "/restore") : null;
    WalArchiveConfig walArchive = t.has("walArchive")
        ? new WalArchiveConfig(text(t.get("walArchive"), "slot"),
            Duration.ofMillis(Math.round(t.get("walArchive").get("flushIntervalSeconds").asDouble() * 1000)))
        : WalArchiveConfig.DEFAULT;
    PgBouncerConfig pgbouncer = t.has("pgbouncer") ? pgbouncer(name, t.get("pgbouncer"), at + "/pgbouncer") : null;
    SwitchoverConfig switchover = null;
    if (t.has("switchover")) {
      switchover = bind(t.get("switchover"), SwitchoverConfig.class);
      // A switchover moves traffic to a restored cluster through PgBouncer and watches it there:
      // without any of these it could only fail, and better now than after hours of restore.
      String missing = restore == null ? "a restore: block (where the restored cluster is built)"
          : pgbouncer == null ? "a pgbouncer: block (the PgBouncer whose alias it moves)"
          : pgbouncer.healthCheck() == null ? "pgbouncer.healthCheck (the role that checks green through PgBouncer)"
          : null;
      if (missing != null) {
        throw tree.error(at + "/switchover", "a switchover needs " + missing + " in target " + name);
      }
    }
    return new TargetConfig(name, t.get("engine").asText(), connection, store(t.get("backupStore"), at + "/backupStore"),
        registry(t.get("evidence"), at + "/evidence"), keys(name, t.get("keys"), at + "/keys"),
        t.get("maxReplicationLagSeconds").asDouble(), notifier, rate, retention, restore, walArchive, pgbouncer, switchover,
        t.has("monitoring") ? monitoring(t.get("monitoring")) : MonitoringConfig.DEFAULT);
  }

  private PgBouncerConfig pgbouncer(String target, JsonNode b, String at) {
    PgBouncerConfig p = bind(b, PgBouncerConfig.class);
    PgBouncerConfig.Login admin =
        new PgBouncerConfig.Login(p.admin().user(), secret(target, p.admin().password(), at + "/admin/password"));
    PgBouncerConfig.HealthCheck hc = p.healthCheck() == null ? null : new PgBouncerConfig.HealthCheck(
        p.healthCheck().user(), secret(target, p.healthCheck().password(), at + "/healthCheck/password"), p.healthCheck().query());
    return new PgBouncerConfig(p.host(), p.port(), p.sslmode(), admin, absolutePath(p.databasesFile(), at + "/databasesFile").toString(),
        p.database(), p.pauseTimeoutSeconds(), hc);
  }

  /** {@code monitoring: { backupMaxAgeHours, walArchiveMaxLagMinutes }}, defaults filled in by the schema. */
  private static MonitoringConfig monitoring(JsonNode m) {
    return new MonitoringConfig(Duration.ofMillis(Math.max(1, Math.round(m.get("backupMaxAgeHours").asDouble() * 3_600_000))),
        Duration.ofMillis(Math.max(1, Math.round(m.get("walArchiveMaxLagMinutes").asDouble() * 60_000))));
  }

  /** {@code directory} (absolute) and {@code port}: 0 for any free port, or a range "from-to" within 1024-65535. */
  private RestoreConfig restore(JsonNode r, String at) {
    Path dir = absolutePath(r.get("directory").asText(), at + "/directory");
    JsonNode port = r.get("port");
    if (port.isIntegralNumber()) {
      return new RestoreConfig(dir, 0, 0); // the schema allows no other number
    }
    Matcher m = PORT_RANGE.matcher(port.asText());
    int from = m.matches() ? Integer.parseInt(m.group(1)) : -1;
    int to = m.matches() ? Integer.parseInt(m.group(2)) : -1;
    if (from < 1024 || to > 65535 || from > to) {
      throw tree.error(at + "/port", "expected 0 (any free port) or a range like \"55432-55531\" within 1024-65535, got \""
          + port.asText() + "\"");
    }
    return new RestoreConfig(dir, from, to);
  }

  /** A secret reference the worker can resolve now; {@link SecretRef#none()} when the file names none. */
  private SecretRef secret(String target, SecretRef ref, String at) {
    if (ref == null) {
      return SecretRef.none();
    }
    if (ref.env() != null) {
      if (env.get(ref.env()) == null) {
        throw tree.error(at + "/env", "target " + target + ": password secret env:" + ref.env()
            + " is not readable: environment variable " + ref.env() + " is not set");
      }
      return ref;
    }
    Path p = absolutePath(ref.file(), at + "/file");
    String why = unreadableReason(p);
    if (why != null) {
      throw tree.error(at + "/file", "target " + target + ": password secret file:" + p + " is not readable: " + why);
    }
    return new SecretRef(null, p.toString());
  }

  /** {@code file:/abs}, {@code s3://bucket/prefix}, or {@code { uri: s3://..., endpoint, region, pathStyle }}. */
  private StoreConfig store(JsonNode s, String at) {
    if (s.isObject()) {
      return new StoreConfig(s3Uri(s.get("uri").asText(), at + "/uri"), aws(s, at));
    }
    String uri = s.asText();
    return uri.startsWith("s3://") ? new StoreConfig(s3Uri(uri, at), AwsEndpoint.DEFAULT) : new StoreConfig(fileUri(uri, at));
  }

  /**
   * As {@link #store}, but an S3 registry must say how long Object Lock keeps each entry, and a
   * {@code file:} registry may be a mapping {@code { uri: file:/..., immutable: true }}, checked for a
   * worker by setting the attribute on a probe file in the directory.
   */
  private RegistryConfig registry(JsonNode r, String at) {
    if (!r.isObject()) {
      String uri = r.asText();
      if (uri.startsWith("s3://")) {
        s3Uri(uri, at);
        throw tree.error(at, "an S3 evidence registry needs a retention period: write it as a mapping "
            + "{ uri: " + uri + ", retentionDays: N } (Object Lock COMPLIANCE retention in days, >= 1)");
      }
      return new RegistryConfig(fileUri(uri, at));
    }
    String uri = r.get("uri").asText();
    if (!uri.startsWith("file:")) {
      return new RegistryConfig(s3Uri(uri, at + "/uri"), aws(r, at), r.get("retentionDays").asInt());
    }
    fileUri(uri, at + "/uri");
    boolean immutable = r.path("immutable").asBoolean(false);
    if (immutable && forWorker) {
      Path dir = Path.of(URI.create(uri));
      String why = FileEvidenceRegistry.immutableUnsupported(dir);
      if (why != null) {
        throw tree.error(at + "/immutable", "the immutable attribute (chattr +i) cannot be set in " + dir + ": " + why
            + ". It needs a worker running as root on a file system that supports it (ext4, xfs, btrfs, tmpfs);"
            + " or set immutable: false (mode 0444 only)");
      }
    }
    return new RegistryConfig(uri, null, 0, immutable);
  }

  private AwsEndpoint aws(JsonNode m, String at) {
    String endpoint = m.has("endpoint") ? httpUrl(m.get("endpoint").asText(), at + "/endpoint") : null;
    return new AwsEndpoint(endpoint, text(m, "region"), m.path("pathStyle").asBoolean(false));
  }

  private KeySourceConfig keys(String target, JsonNode k, String at) {
    if (k.has("kms")) {
      JsonNode kms = k.get("kms");
      return new KeySourceConfig(null, new KmsConfig(kms.get("keyId").asText(), kms.get("signingKeyId").asText(), aws(kms, at + "/kms")));
    }
    Path p = absolutePath(k.get("keyring").asText(), at + "/keyring");
    String why = unreadableReason(p);
    if (why != null) {
      throw tree.error(at + "/keyring", "target " + target + ": keyring " + p + " is not readable: " + why);
    }
    return new KeySourceConfig(p.toString());
  }

  // ---- values a schema cannot judge --------------------------------------------------------------

  /**
   * {@code s3://bucket} or {@code s3://bucket/prefix}, returned without a trailing slash. The prefix
   * must not hold empty, '.' or '..' segments: keys are built by joining it with '/'.
   */
  private String s3Uri(String s, String at) {
    String rest = s.startsWith("s3://") ? s.substring("s3://".length()).replaceAll("/+$", "") : null;
    int slash = rest == null ? -1 : rest.indexOf('/');
    String bucket = rest == null ? "" : slash < 0 ? rest : rest.substring(0, slash);
    boolean ok = bucket.matches("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]") && !bucket.contains("..");
    if (ok && slash >= 0) {
      for (String seg : rest.substring(slash + 1).split("/", -1)) {
        ok &= !(seg.isEmpty() || seg.equals(".") || seg.equals("..") || seg.contains("\\") || seg.indexOf('\0') >= 0);
      }
    }
    if (!ok) {
      throw tree.error(at, "expected s3://bucket/prefix (a bucket name of 3-63 lower-case letters, digits, '.' and '-', "
          + "then an optional prefix of non-empty segments), got \"" + s + "\"");
    }
    return "s3://" + rest;
  }

  /** Accepts {@code file:/abs/dir} (or {@code file:///abs/dir}). */
  private String fileUri(String s, String at) {
    URI uri = null;
    try {
      uri = new URI(s);
    } catch (URISyntaxException e) {
      // refused below
    }
    if (uri == null || !"file".equals(uri.getScheme()) || uri.isOpaque() || uri.getAuthority() != null
        || uri.getPath() == null || !uri.getPath().startsWith("/") || uri.getQuery() != null || uri.getFragment() != null) {
      throw tree.error(at, "expected a file: URI with an absolute path (e.g. file:/var/lib/db-runbooks/backups) or "
          + "s3://bucket/prefix, got \"" + s + "\"");
    }
    return s;
  }

  private String httpUrl(String url, String at) {
    try {
      URI uri = new URI(url);
      if (("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null) {
        return url;
      }
    } catch (URISyntaxException e) {
      // refused below
    }
    throw tree.error(at, "expected an http(s) URL such as http://127.0.0.1:5000, got \"" + url + "\"");
  }

  /** {@code 20MiB/s}, {@code 500KB/s}, ...: bytes per second, at least 64 KiB/s so a backup still ends. */
  private long rate(String text, String at) {
    Matcher m = RATE.matcher(text);
    double bytes = m.matches() ? Double.parseDouble(m.group(1)) * RATE_UNITS.get(m.group(2)) : Double.NaN;
    if (!Double.isFinite(bytes) || bytes < 64 * 1024 || bytes > Long.MAX_VALUE / 2) {
      throw tree.error(at, "expected a rate like \"50MiB/s\" (units B, KiB, MiB, GiB, KB, MB, GB per second, at least 64KiB/s),"
          + " got \"" + text + "\"");
    }
    return (long) bytes;
  }

  private Path absolutePath(String s, String at) {
    try {
      return Path.of(s).normalize();
    } catch (RuntimeException e) {
      throw tree.error(at, "not a valid path: \"" + s + "\"");
    }
  }

  /** Null when {@code p} is a readable regular file, else why not. */
  private static String unreadableReason(Path p) {
    if (!Files.exists(p)) {
      return "no such file";
    }
    if (!Files.isRegularFile(p)) {
      return "not a regular file";
    }
    try (InputStream ignored = Files.newInputStream(p)) {
      return null;
    } catch (IOException e) {
      return "permission denied or unreadable (" + e.getClass().getSimpleName() + ")";
    }
  }

  private static String text(JsonNode object, String key) {
    return object.has(key) ? object.get(key).asText() : null;
  }

  /** Binds a part the schema has already checked: a failure here is a schema that says less than the record needs. */
  private static <T> T bind(JsonNode node, Class<T> type) {
    try {
      return BIND.treeToValue(node, type);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("targets.schema.json let through what " + type.getSimpleName() + " cannot hold: "
          + e.getOriginalMessage(), e);
    }
  }
}
