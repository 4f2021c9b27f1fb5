package io.dbrunbooks.activities.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.dbrunbooks.activities.evidence.FileEvidenceRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
 *     restore:                                  # optional: where point-in-time restores build isolated clusters
 *       directory: /var/lib/db-runbooks/restores  # absolute path; each restore gets its own subdirectory
 *       port: 0                                 # optional: 0 (default) any free port, or a range "55432-55531"
 *     walArchive:                               # optional: the continuous WAL archiver (WalArchiveWorkflow)
 *       slot: db_runbooks_orders                # physical replication slot it owns; default db_runbooks_<target>
 *       flushIntervalSeconds: 1                 # upload the segment being filled this often, 0.1-60; default 1
 *     monitoring:                               # optional: limits of the freshness check (FreshnessCheckWorkflow)
 *       backupMaxAgeHours: 8                    # newest sealed backup older than this: backup-stale; default 8
 *       walArchiveMaxLagMinutes: 15             # WAL waiting longer than this for the archive: wal-archive-stale; default 15
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
 * than be silently ignored: unknown keys, duplicate keys, missing required fields, wrong types,
 * unsupported URIs and engines, bad ports and target names, negative lag limits and an empty
 * {@code targets:} are all refused. So are secrets that cannot be read now (password environment
 * variable unset, password file missing) and a missing keyring file: the worker should not start
 * and then fail its first backup. Secret values are only checked for presence, never read into a
 * message.
 *
 * <p>Every refusal is a {@link ConfigException} whose message reads {@code
 * file:line:column: field.path: problem}, with the position of the offending key.
 */
public final class TargetsConfigLoader {

  /** Default for {@code maxReplicationLagSeconds}. */
  public static final double DEFAULT_MAX_REPLICATION_LAG_SECONDS = 60;
  /** The switch activity has 3 minutes (start-to-close) for PAUSE, the lock wait, repoint, RELOAD, RESUME and an undo. */
  public static final int MAX_PAUSE_TIMEOUT_SECONDS = 120;

  private static final Pattern TARGET_NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,62}");
  private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
  private static final Set<String> SSL_MODES =
      Set.of("disable", "allow", "prefer", "require", "verify-ca", "verify-full");
  private static final YAMLFactory YAML = new YAMLFactory();

  private final Path file;
  private final Map<String, String> env;
  /** A worker writes evidence: check here that what the file asks of its registries can be done. */
  private final boolean forWorker;

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
    Node root = parse();
    Loc top = new Loc(1, 1);
    if (root == null || root instanceof Scalar s && s.token() == JsonToken.VALUE_NULL) {
      throw error(top, "", "the file is empty: expected a 'targets:' mapping");
    }
    Obj rootObj = new Obj(root, "", top, Set.of("targets"));
    Field targetsField = rootObj.present("targets");
    if (isNull(targetsField.value())) {
      throw error(targetsField.keyLoc(), "targets", "no targets defined");
    }
    if (!(targetsField.value() instanceof MapNode targetsMap)) {
      throw error(targetsField.keyLoc(), "targets", "expected a mapping of target names, got " + describe(targetsField.value()));
    }
    if (targetsMap.fields().isEmpty()) {
      throw error(targetsField.keyLoc(), "targets", "no targets defined");
    }
    Map<String, TargetConfig> targets = new LinkedHashMap<>();
    for (Field f : targetsMap.fields().values()) {
      String path = "targets." + f.key();
      if (!TARGET_NAME.matcher(f.key()).matches()) {
        throw error(f.keyLoc(), path,
            "target name must match [a-z0-9][a-z0-9_-]{0,62} (lower case letters, digits, '_' and '-')");
      }
      targets.put(f.key(), target(f.key(), f, path));
    }
    return new TargetsConfig(file, targets);
  }

  private TargetConfig target(String name, Field field, String path) {
    Obj t = new Obj(field.value(), path, field.keyLoc(),
        Set.of("engine", "connection", "backupStore", "evidence", "keys", "maxReplicationLagSeconds", "notifier", "maxBackupRate",
            "retention", "restore", "walArchive", "pgbouncer", "switchover", "monitoring"));
    Field engineField = t.required("engine");
    String engine = string(engineField, path + ".engine");
    if (!engine.equals("postgres")) {
      throw error(engineField.keyLoc(), path + ".engine", "unsupported engine \"" + engine + "\": supported engines: postgres");
    }
    PostgresConnection connection = connection(name, t.required("connection"), path + ".connection");
    StoreConfig store = store(t.required("backupStore"), path + ".backupStore");
    RegistryConfig evidence = registry(t.required("evidence"), path + ".evidence");
    KeySourceConfig keys = keys(name, t.required("keys"), path + ".keys");
    double lag = DEFAULT_MAX_REPLICATION_LAG_SECONDS;
    Field lagField = t.optional("maxReplicationLagSeconds");
    if (lagField != null) {
      lag = nonNegativeNumber(lagField, path + ".maxReplicationLagSeconds");
    }
    NotifierConfig notifier = new NotifierConfig(null);
    Field notifierField = t.optional("notifier");
    if (notifierField != null) {
      notifier = notifier(notifierField, path + ".notifier");
    }
    long rate = 0;
    Field rateField = t.optional("maxBackupRate");
    if (rateField != null) {
      rate = rate(rateField, path + ".maxBackupRate");
    }
    RetentionPolicy retention = null;
    Field retentionField = t.optional("retention");
    if (retentionField != null && !isNull(retentionField.value())) {
      retention = retention(retentionField, path + ".retention");
    }
    Field restoreField = t.optional("restore");
    RestoreConfig restore = restoreField == null ? null : restore(restoreField, path + ".restore");
    WalArchiveConfig walArchive = WalArchiveConfig.DEFAULT;
    Field walField = t.optional("walArchive");
    if (walField != null) {
      walArchive = walArchive(walField, path + ".walArchive");
    }
    Field pgbouncerField = t.optional("pgbouncer");
    PgBouncerConfig pgbouncer = pgbouncerField == null ? null : pgbouncer(name, pgbouncerField, path + ".pgbouncer");
    Field switchoverField = t.optional("switchover");
    SwitchoverConfig switchover = null;
    if (switchoverField != null) {
      switchover = switchover(switchoverField, path + ".switchover");
      // A switchover moves traffic to a restored cluster through PgBouncer and watches it there:
      // without any of these it could only fail, and better now than after hours of restore.
      String missing = restore == null ? "a restore: block (where the restored cluster is built)"
          : pgbouncer == null ? "a pgbouncer: block (the PgBouncer whose alias it moves)"
          : pgbouncer.healthCheck() == null ? "pgbouncer.healthCheck (the role that checks green through PgBouncer)"
          : null;
      if (missing != null) {
        throw error(switchoverField.keyLoc(), path + ".switchover", "a switchover needs " + missing + " in target " + name);
      }
    }
    Field monitoringField = t.optional("monitoring");
    MonitoringConfig monitoring = monitoringField == null ? null : monitoring(monitoringField, path + ".monitoring");
    return new TargetConfig(name, engine, connection, store, evidence, keys, lag, notifier, rate, retention, restore, walArchive,
        pgbouncer, switchover, monitoring);
  }

  /** {@code monitoring: { backupMaxAgeHours: 8, walArchiveMaxLagMinutes: 15 }}; fractions allowed, zero refused. */
  private MonitoringConfig monitoring(Field field, String path) {
    Obj m = new Obj(field.value(), path, field.keyLoc(), Set.of("backupMaxAgeHours", "walArchiveMaxLagMinutes"));
    java.time.Duration backup = null;
    Field backupField = m.optional("backupMaxAgeHours");
    if (backupField != null) {
      backup = positiveDuration(backupField, path + ".backupMaxAgeHours", 3_600_000);
    }
    java.time.Duration wal = null;
    Field walField = m.optional("walArchiveMaxLagMinutes");
    if (walField != null) {
      wal = positiveDuration(walField, path + ".walArchiveMaxLagMinutes", 60_000);
    }
    return new MonitoringConfig(backup, wal);
  }

  private java.time.Duration positiveDuration(Field field, String path, long millisPerUnit) {
    double n = nonNegativeNumber(field, path);
    if (n <= 0) {
      throw error(field.keyLoc(), path, "expected a number greater than 0, got " + describe(field.value()));
    }
    return java.time.Duration.ofMillis(Math.max(1, Math.round(n * millisPerUnit)));
  }

  private PgBouncerConfig pgbouncer(String target, Field field, String path) {
    Obj b = new Obj(field.value(), path, field.keyLoc(),
        Set.of("host", "port", "sslmode", "admin", "databasesFile", "database", "pauseTimeoutSeconds", "healthCheck"));
    String host = nonEmptyString(b.required("host"), path + ".host");
    int port = port(b.required("port"), path + ".port");
    String sslmode = sslmode(b.optional("sslmode"), path + ".sslmode");
    Field adminField = b.required("admin");
    PgBouncerConfig.Login admin = login(target,
        new Obj(adminField.value(), path + ".admin", adminField.keyLoc(), Set.of("user", "password")), path + ".admin");
    String databasesFile = absolutePath(b.required("databasesFile"), path + ".databasesFile").toString();
    String database = nonEmptyString(b.required("database"), path + ".database");
    double pauseTimeout = PgBouncerConfig.DEFAULT_PAUSE_TIMEOUT_SECONDS;
    Field pauseField = b.optional("pauseTimeoutSeconds");
    if (pauseField != null) {
      pauseTimeout = nonNegativeNumber(pauseField, path + ".pauseTimeoutSeconds");
      if (pauseTimeout <= 0 || pauseTimeout > MAX_PAUSE_TIMEOUT_SECONDS) {
        // Clients queue inside PgBouncer for as long as PAUSE waits, and the switch activity's 3-minute
        // start-to-close timeout must outlast PAUSE plus the lock wait, repoint, RELOAD, RESUME and the undo.
        throw error(pauseField.keyLoc(), path + ".pauseTimeoutSeconds", "expected a number of seconds above 0 and at most "
            + MAX_PAUSE_TIMEOUT_SECONDS + " (the switch activity must finish PAUSE and the rest within its 3-minute"
            + " start-to-close timeout), got " + describe(pauseField.value()));
      }
    }
    PgBouncerConfig.HealthCheck healthCheck = null;
    Field hcField = b.optional("healthCheck");
    if (hcField != null) {
      String hcPath = path + ".healthCheck";
      Obj hc = new Obj(hcField.value(), hcPath, hcField.keyLoc(), Set.of("user", "password", "query"));
      PgBouncerConfig.Login login = login(target, hc, hcPath);
      Field queryField = hc.optional("query");
      String query = queryField == null ? null : nonEmptyString(queryField, hcPath + ".query");
      healthCheck = new PgBouncerConfig.HealthCheck(login.user(), login.password(), query);
    }
    return new PgBouncerConfig(host, port, sslmode, admin, databasesFile, database, pauseTimeout, healthCheck);
  }

  /** {@code user} and an optional {@code password} (none for trust) of a mapping the caller checked for unknown keys. */
  private PgBouncerConfig.Login login(String target, Obj l, String path) {
    String user = nonEmptyString(l.required("user"), path + ".user");
    Field pw = l.optional("password");
    return new PgBouncerConfig.Login(user, pw == null ? SecretRef.none() : secret(target, pw, path + ".password"));
  }

  private SwitchoverConfig switchover(Field field, String path) {
    Obj s = new Obj(field.value(), path, field.keyLoc(), Set.of("approvers", "approvalTimeoutMinutes", "bakeMinutes",
        "healthCheckIntervalSeconds", "healthCheckFailures", "keepBlueDays", "greenHost"));
    Field approversField = s.required("approvers");
    if (!(approversField.value() instanceof ListNode list) || list.items().isEmpty()) {
      throw error(approversField.keyLoc(), path + ".approvers", "expected a list of at least one approver name, e.g. [alice, bob], got "
          + describe(approversField.value()));
    }
    List<String> approvers = new ArrayList<>();
    for (int i = 0; i < list.items().size(); i++) {
      Node item = list.items().get(i);
      if (!(item instanceof Scalar sc) || sc.token() != JsonToken.VALUE_STRING || sc.text().isBlank()) {
        throw error(approversField.keyLoc(), path + ".approvers[" + i + "]", "expected an approver name, got " + describe(item));
      }
      if (approvers.contains(sc.text())) {
        throw error(approversField.keyLoc(), path + ".approvers[" + i + "]", "\"" + sc.text() + "\" is listed twice");
      }
      approvers.add(sc.text());
    }
    double approvalMinutes = SwitchoverConfig.DEFAULT_APPROVAL_TIMEOUT_MINUTES;
    Field approvalField = s.optional("approvalTimeoutMinutes");
    if (approvalField != null) {
      approvalMinutes = number(approvalField, path + ".approvalTimeoutMinutes", "minutes");
      if (approvalMinutes <= 0) {
        throw error(approvalField.keyLoc(), path + ".approvalTimeoutMinutes", "expected a number of minutes above 0, got "
            + describe(approvalField.value()));
      }
    }
    double bakeMinutes = optionalNumber(s, "bakeMinutes", path, "minutes", SwitchoverConfig.DEFAULT_BAKE_MINUTES);
    int interval = optionalIntAtLeast(s, "healthCheckIntervalSeconds", path, 1, "seconds",
        SwitchoverConfig.DEFAULT_HEALTH_CHECK_INTERVAL_SECONDS);
    int failures = optionalIntAtLeast(s, "healthCheckFailures", path, 1, "consecutive failed checks",
        SwitchoverConfig.DEFAULT_HEALTH_CHECK_FAILURES);
    double keepBlueDays = optionalNumber(s, "keepBlueDays", path, "days", SwitchoverConfig.DEFAULT_KEEP_BLUE_DAYS);
    String greenHost = SwitchoverConfig.DEFAULT_GREEN_HOST;
    Field greenField = s.optional("greenHost");
    if (greenField != null) {
      greenHost = nonEmptyString(greenField, path + ".greenHost");
      if (greenHost.chars().anyMatch(c -> Character.isWhitespace(c) || c == '=' || c == '\'' || c == ';')) {
        // It goes into PgBouncer's databases file as host=<greenHost>.
        throw error(greenField.keyLoc(), path + ".greenHost", "expected a host name or address, got \"" + greenHost + "\"");
      }
    }
    return new SwitchoverConfig(approvers, approvalMinutes, bakeMinutes, interval, failures, keepBlueDays, greenHost);
  }

  private static final Pattern SLOT_NAME = Pattern.compile("[a-z0-9_]{1,63}");

  private WalArchiveConfig walArchive(Field field, String path) {
    Obj w = new Obj(field.value(), path, field.keyLoc(), Set.of("slot", "flushIntervalSeconds"));
    String slot = null;
    Field slotField = w.optional("slot");
    if (slotField != null) {
      slot = string(slotField, path + ".slot");
      if (!SLOT_NAME.matcher(slot).matches()) {
        throw error(slotField.keyLoc(), path + ".slot",
            "a replication slot name is 1-63 lower-case letters, digits and '_', got \"" + slot + "\"");
      }
    }
    java.time.Duration flush = WalArchiveConfig.DEFAULT_FLUSH_INTERVAL;
    Field flushField = w.optional("flushIntervalSeconds");
    if (flushField != null) {
      double seconds = nonNegativeNumber(flushField, path + ".flushIntervalSeconds");
      if (seconds < 0.1 || seconds > 60) {
        // Below 0.1 s the store sees more requests than WAL; above a minute the recovery point drifts away.
        throw error(flushField.keyLoc(), path + ".flushIntervalSeconds", "expected a number of seconds from 0.1 to 60, got "
            + describe(flushField.value()));
      }
      flush = java.time.Duration.ofMillis(Math.round(seconds * 1000));
    }
    return new WalArchiveConfig(slot, flush);
  }

  private RetentionPolicy retention(Field field, String path) {
    Obj r = new Obj(field.value(), path, field.keyLoc(), Set.of("recoveryWindowDays", "minFullBackups"));
    int days = intAtLeast(r.required("recoveryWindowDays"), path + ".recoveryWindowDays", 0, "days");
    int min = intAtLeast(r.required("minFullBackups"), path + ".minFullBackups", 1,
        "backups (the newest backup is never expired)");
    return new RetentionPolicy(days, min);
  }

  private static final Pattern PORT_RANGE = Pattern.compile("(\\d{1,5})\\s*-\\s*(\\d{1,5})");

  /** {@code directory} (absolute) and {@code port}: 0 for any free port, or a range "from-to" within 1024-65535. */
  private RestoreConfig restore(Field field, String path) {
    Obj r = new Obj(field.value(), path, field.keyLoc(), Set.of("directory", "port"));
    Path dir = absolutePath(r.required("directory"), path + ".directory");
    Field portField = r.optional("port");
    if (portField == null || portField.value() instanceof Scalar s && s.token() == JsonToken.VALUE_NUMBER_INT && s.text().equals("0")) {
      return new RestoreConfig(dir, 0, 0);
    }
    String expected = "expected 0 (any free port) or a range like \"55432-55531\" within 1024-65535, got ";
    if (!(portField.value() instanceof Scalar s) || s.token() != JsonToken.VALUE_STRING) {
      throw error(portField.keyLoc(), path + ".port", expected + describe(portField.value()));
    }
    java.util.regex.Matcher m = PORT_RANGE.matcher(s.text().strip());
    if (!m.matches()) {
      throw error(portField.keyLoc(), path + ".port", expected + describe(portField.value()));
    }
    int from = Integer.parseInt(m.group(1));
    int to = Integer.parseInt(m.group(2));
    if (from < 1024 || to > 65535 || from > to) {
      throw error(portField.keyLoc(), path + ".port", expected + describe(portField.value()));
    }
    return new RestoreConfig(dir, from, to);
  }

  private PostgresConnection connection(String target, Field field, String path) {
    Obj c = new Obj(field.value(), path, field.keyLoc(), Set.of("host", "port", "database", "user", "password", "sslmode"));
    String host = nonEmptyString(c.required("host"), path + ".host");
    int port = port(c.required("port"), path + ".port");
    String database = nonEmptyString(c.required("database"), path + ".database");
    String user = nonEmptyString(c.required("user"), path + ".user");
    SecretRef password = SecretRef.none();
    Field pw = c.optional("password");
    if (pw != null) {
      password = secret(target, pw, path + ".password");
    }
    String sslmode = sslmode(c.optional("sslmode"), path + ".sslmode");
    return new PostgresConnection(host, port, database, user, password, sslmode);
  }

  /** {@code prefer} when absent. */
  private String sslmode(Field ssl, String path) {
    if (ssl == null) {
      return "prefer";
    }
    String sslmode = string(ssl, path);
    if (!SSL_MODES.contains(sslmode)) {
      throw error(ssl.keyLoc(), path, "expected one of disable, allow, prefer, require, verify-ca, verify-full, got \"" + sslmode + "\"");
    }
    return sslmode;
  }

  private SecretRef secret(String target, Field field, String path) {
    Obj s = new Obj(field.value(), path, field.keyLoc(), Set.of("env", "file"));
    Field envField = s.optional("env");
    Field fileField = s.optional("file");
    if ((envField == null) == (fileField == null)) {
      throw error(field.keyLoc(), path, "expected exactly one of { env: VARIABLE } or { file: /absolute/path }");
    }
    if (envField != null) {
      String name = string(envField, path + ".env");
      if (!ENV_NAME.matcher(name).matches()) {
        throw error(envField.keyLoc(), path + ".env", "not an environment variable name: \"" + name + "\"");
      }
      if (env.get(name) == null) {
        throw error(envField.keyLoc(), path + ".env",
            "target " + target + ": password secret env:" + name + " is not readable: environment variable " + name + " is not set");
      }
      return new SecretRef(name, null);
    }
    Path p = absolutePath(fileField, path + ".file");
    String why = unreadableReason(p);
    if (why != null) {
      throw error(fileField.keyLoc(), path + ".file", "target " + target + ": password secret file:" + p + " is not readable: " + why);
    }
    return new SecretRef(null, p.toString());
  }

  /** {@code file:/abs}, {@code s3://bucket/prefix}, or {@code { uri: s3://..., endpoint, region, pathStyle }}. */
  private StoreConfig store(Field f, String path) {
    if (f.value() instanceof MapNode) {
      Obj m = new Obj(f.value(), path, f.keyLoc(), Set.of("uri", "endpoint", "region", "pathStyle"));
      return new StoreConfig(s3Uri(m.required("uri"), path + ".uri"), aws(m, path));
    }
    String s = nonEmptyString(f, path);
    return s.startsWith("s3://") ? new StoreConfig(s3Uri(f, path), AwsEndpoint.DEFAULT) : new StoreConfig(fileUri(f, path));
  }

  /**
   * As {@link #store}, but an S3 registry must say how long Object Lock keeps each entry, and a
   * {@code file:} registry may be a mapping {@code { uri: file:/..., immutable: true }}, checked for a
   * worker by setting the attribute on a probe file in the directory.
   */
  private RegistryConfig registry(Field f, String path) {
    if (f.value() instanceof MapNode map && isFileUri(map.fields().get("uri"))) {
      Obj m = new Obj(f.value(), path, f.keyLoc(), Set.of("uri", "immutable"));
      String uri = fileUri(m.required("uri"), path + ".uri");
      Field imm = m.optional("immutable");
      boolean immutable = imm != null && bool(imm, path + ".immutable");
      if (immutable && forWorker) {
        String why = FileEvidenceRegistry.immutableUnsupported(Path.of(URI.create(uri)));
        if (why != null) {
          throw error(imm.keyLoc(), path + ".immutable", "the immutable attribute (chattr +i) cannot be set in " + Path.of(URI.create(uri))
              + ": " + why + ". It needs a worker running as root on a file system that supports it (ext4, xfs, btrfs, tmpfs);"
              + " or set immutable: false (mode 0444 only)");
        }
      }
      return new RegistryConfig(uri, null, 0, immutable);
    }
    if (f.value() instanceof MapNode) {
      Obj m = new Obj(f.value(), path, f.keyLoc(), Set.of("uri", "endpoint", "region", "pathStyle", "retentionDays"));
      String uri = s3Uri(m.required("uri"), path + ".uri");
      return new RegistryConfig(uri, aws(m, path), retentionDays(m.required("retentionDays"), path + ".retentionDays"));
    }
    String s = nonEmptyString(f, path);
    if (s.startsWith("s3://")) {
      s3Uri(f, path);
      throw error(f.keyLoc(), path, "an S3 evidence registry needs a retention period: write it as a mapping "
          + "{ uri: " + s + ", retentionDays: N } (Object Lock COMPLIANCE retention in days, >= 1)");
    }
    return new RegistryConfig(fileUri(f, path));
  }

  private AwsEndpoint aws(Obj m, String path) {
    String endpoint = null;
    Field e = m.optional("endpoint");
    if (e != null) {
      endpoint = httpUrl(e, path + ".endpoint");
    }
    String region = null;
    Field r = m.optional("region");
    if (r != null) {
      region = region(r, path + ".region");
    }
    Field ps = m.optional("pathStyle");
    boolean pathStyle = ps != null && bool(ps, path + ".pathStyle");
    return new AwsEndpoint(endpoint, region, pathStyle);
  }

  private static boolean isFileUri(Field f) {
    return f != null && f.value() instanceof Scalar s && s.text() != null && s.text().startsWith("file:");
  }

  private boolean bool(Field f, String path) {
    if (!(f.value() instanceof Scalar s) || !(s.token() == JsonToken.VALUE_TRUE || s.token() == JsonToken.VALUE_FALSE)) {
      throw error(f.keyLoc(), path, "expected true or false, got " + describe(f.value()));
    }
    return s.token() == JsonToken.VALUE_TRUE;
  }

  private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");
  private static final Pattern REGION = Pattern.compile("[a-z]{2}(-[a-z0-9]+)+");

  /**
   * {@code s3://bucket} or {@code s3://bucket/prefix}, returned without a trailing slash. The prefix
   * must not hold empty, '.' or '..' segments: keys are built by joining it with '/'.
   */
  private String s3Uri(Field f, String path) {
    String s = nonEmptyString(f, path);
    String expected = "expected s3://bucket/prefix (a bucket name of 3-63 lower-case letters, digits, '.' and '-', "
        + "then an optional prefix of non-empty segments), got \"" + s + "\"";
    if (!s.startsWith("s3://")) {
      throw error(f.keyLoc(), path, expected);
    }
    String rest = s.substring("s3://".length());
    while (rest.endsWith("/")) {
      rest = rest.substring(0, rest.length() - 1);
    }
    int slash = rest.indexOf('/');
    String bucket = slash < 0 ? rest : rest.substring(0, slash);
    if (!BUCKET.matcher(bucket).matches() || bucket.contains("..")) {
      throw error(f.keyLoc(), path, expected);
    }
    if (slash >= 0) {
      for (String seg : rest.substring(slash + 1).split("/", -1)) {
        if (seg.isEmpty() || seg.equals(".") || seg.equals("..") || seg.contains("\\") || seg.indexOf('\0') >= 0) {
          throw error(f.keyLoc(), path, expected);
        }
      }
    }
    return "s3://" + rest;
  }

  private String httpUrl(Field f, String path) {
    String url = nonEmptyString(f, path);
    try {
      URI uri = new URI(url);
      String scheme = uri.getScheme();
      if (scheme != null && (scheme.equals("http") || scheme.equals("https")) && uri.getHost() != null) {
        return url;
      }
    } catch (URISyntaxException ignored) {
      // reported below
    }
    throw error(f.keyLoc(), path, "expected an http(s) URL such as http://127.0.0.1:5000, got \"" + url + "\"");
  }

  private String region(Field f, String path) {
    String r = nonEmptyString(f, path);
    if (!REGION.matcher(r).matches()) {
      throw error(f.keyLoc(), path, "expected an AWS region name such as eu-west-1, got \"" + r + "\"");
    }
    return r;
  }

  private int retentionDays(Field f, String path) {
    if (f.value() instanceof Scalar s && s.token() == JsonToken.VALUE_NUMBER_INT) {
      try {
        long v = Long.parseLong(s.text());
        if (v >= 1 && v <= 36_500) {
          return (int) v;
        }
      } catch (NumberFormatException ignored) {
        // out of range: reported below
      }
    }
    throw error(f.keyLoc(), path, "expected a whole number of days 1-36500 (Object Lock COMPLIANCE retention), got " + describe(f.value()));
  }

  private KmsConfig kms(Field field, String path) {
    Obj m = new Obj(field.value(), path, field.keyLoc(), Set.of("keyId", "signingKeyId", "endpoint", "region"));
    String keyId = kmsKeyId(m.required("keyId"), path + ".keyId");
    String signingKeyId = kmsKeyId(m.required("signingKeyId"), path + ".signingKeyId");
    if (signingKeyId.startsWith("alias/") || signingKeyId.contains(":alias/")) {
      // The signing key id is the JWS kid and goes into every manifest: an alias can be re-pointed
      // later, so verification years from now would look up the wrong key.
      throw error(m.present("signingKeyId").keyLoc(), path + ".signingKeyId",
          "name the signing key by key id or key ARN, not by alias (\"" + signingKeyId + "\"): manifests record it as their kid");
    }
    return new KmsConfig(keyId, signingKeyId, aws(m, path));
  }

  private String kmsKeyId(Field f, String path) {
    String id = nonEmptyString(f, path);
    if (id.chars().anyMatch(Character::isWhitespace)) {
      throw error(f.keyLoc(), path, "expected a KMS key id, key ARN or alias, got \"" + id + "\"");
    }
    return id;
  }

  private KeySourceConfig keys(String target, Field field, String path) {
    Obj k = new Obj(field.value(), path, field.keyLoc(), Set.of("keyring", "kms"));
    Field kms = k.optional("kms");
    if (kms != null) {
      if (k.optional("keyring") != null) {
        throw error(field.keyLoc(), path, "expected exactly one of { keyring: /absolute/path } or { kms: { keyId, signingKeyId } }");
      }
      return new KeySourceConfig(null, kms(kms, path + ".kms"));
    }
    Field keyring = k.required("keyring");
    Path p = absolutePath(keyring, path + ".keyring");
    String why = unreadableReason(p);
    if (why != null) {
      throw error(keyring.keyLoc(), path + ".keyring", "target " + target + ": keyring " + p + " is not readable: " + why);
    }
    return new KeySourceConfig(p.toString());
  }

  private NotifierConfig notifier(Field field, String path) {
    if (isNull(field.value())) {
      return new NotifierConfig(null);
    }
    Obj n = new Obj(field.value(), path, field.keyLoc(), Set.of("webhook"));
    Field hook = n.required("webhook");
    String url = string(hook, path + ".webhook");
    try {
      URI uri = new URI(url);
      String scheme = uri.getScheme();
      if (scheme == null || !(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
        throw error(hook.keyLoc(), path + ".webhook", "expected an http(s) URL, got \"" + url + "\"");
      }
    } catch (URISyntaxException e) {
      throw error(hook.keyLoc(), path + ".webhook", "expected an http(s) URL, got \"" + url + "\": " + e.getReason());
    }
    return new NotifierConfig(url);
  }

  // ---- value readers -------------------------------------------------------------------------

  private String string(Field f, String path) {
    if (f.value() instanceof Scalar s && s.token() == JsonToken.VALUE_STRING) {
      return s.text();
    }
    if (f.value() instanceof Scalar s && s.token() != JsonToken.VALUE_NULL) {
      throw error(f.keyLoc(), path, "expected a string, got " + describe(f.value()) + " (quote it if it is meant as text)");
    }
    throw error(f.keyLoc(), path, "expected a string, got " + describe(f.value()));
  }

  private String nonEmptyString(Field f, String path) {
    String s = string(f, path);
    if (s.isBlank()) {
      throw error(f.keyLoc(), path, "must not be empty");
    }
    return s;
  }

  private int port(Field f, String path) {
    if (f.value() instanceof Scalar s && s.token() == JsonToken.VALUE_NUMBER_INT) {
      try {
        long v = Long.parseLong(s.text());
        if (v >= 1 && v <= 65535) {
          return (int) v;
        }
      } catch (NumberFormatException ignored) {
        // out of long range: reported below
      }
    }
    throw error(f.keyLoc(), path, "expected an integer 1-65535, got " + describe(f.value()));
  }

  private int intAtLeast(Field f, String path, int min, String unit) {
    if (f.value() instanceof Scalar s && s.token() == JsonToken.VALUE_NUMBER_INT) {
      try {
        long v = Long.parseLong(s.text());
        if (v >= min && v <= 100_000) {
          return (int) v;
        }
      } catch (NumberFormatException ignored) {
        // out of long range: reported below
      }
    }
    throw error(f.keyLoc(), path, "expected a whole number of " + unit + " >= " + min + ", got " + describe(f.value()));
  }

  /** {@code key} of {@code o} at {@code path} as {@link #number}, or {@code absent} when not there. */
  private double optionalNumber(Obj o, String key, String path, String unit, double absent) {
    Field f = o.optional(key);
    return f == null ? absent : number(f, path + "." + key, unit);
  }

  /** {@code key} of {@code o} at {@code path} as {@link #intAtLeast}, or {@code absent} when not there. */
  private int optionalIntAtLeast(Obj o, String key, String path, int min, String unit, int absent) {
    Field f = o.optional(key);
    return f == null ? absent : intAtLeast(f, path + "." + key, min, unit);
  }

  private double nonNegativeNumber(Field f, String path) {
    return number(f, path, "seconds");
  }

  /** Any finite number >= 0 of {@code unit}: durations in minutes and days may be fractions. */
  private double number(Field f, String path, String unit) {
    if (f.value() instanceof Scalar s
        && (s.token() == JsonToken.VALUE_NUMBER_INT || s.token() == JsonToken.VALUE_NUMBER_FLOAT)) {
      double v = Double.parseDouble(s.text());
      if (v >= 0 && Double.isFinite(v)) {
        return v;
      }
    }
    throw error(f.keyLoc(), path, "expected a number of " + unit + " >= 0, got " + describe(f.value()));
  }

  private static final Pattern RATE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(B|KiB|MiB|GiB|KB|MB|GB)/s");
  private static final Map<String, Long> RATE_UNITS = Map.of(
      "B", 1L, "KiB", 1L << 10, "MiB", 1L << 20, "GiB", 1L << 30, "KB", 1_000L, "MB", 1_000_000L, "GB", 1_000_000_000L);

  /** {@code 20MiB/s}, {@code 500KB/s}, ...: bytes per second, at least 64 KiB/s so a backup still ends. */
  private long rate(Field f, String path) {
    String expected = "expected a rate like \"50MiB/s\" (units B, KiB, MiB, GiB, KB, MB, GB per second, at least 64KiB/s), got ";
    if (!(f.value() instanceof Scalar s) || s.token() != JsonToken.VALUE_STRING) {
      throw error(f.keyLoc(), path, expected + describe(f.value()));
    }
    java.util.regex.Matcher m = RATE.matcher(s.text().strip());
    if (!m.matches()) {
      throw error(f.keyLoc(), path, expected + describe(f.value()));
    }
    double bytes = Double.parseDouble(m.group(1)) * RATE_UNITS.get(m.group(2));
    if (!Double.isFinite(bytes) || bytes < 64 * 1024 || bytes > Long.MAX_VALUE / 2) {
      throw error(f.keyLoc(), path, expected + describe(f.value()));
    }
    return (long) bytes;
  }

  private Path absolutePath(Field f, String path) {
    String s = nonEmptyString(f, path);
    Path p;
    try {
      p = Path.of(s);
    } catch (RuntimeException e) {
      throw error(f.keyLoc(), path, "not a valid path: \"" + s + "\"");
    }
    if (!p.isAbsolute()) {
      throw error(f.keyLoc(), path, "expected an absolute path, got \"" + s + "\"");
    }
    return p.normalize();
  }

  /** Accepts {@code file:/abs/dir} (or {@code file:///abs/dir}). */
  private String fileUri(Field f, String path) {
    String s = nonEmptyString(f, path);
    String expected = "expected a file: URI with an absolute path (e.g. file:/var/lib/db-runbooks/backups) or s3://bucket/prefix, got \"" + s + "\"";
    URI uri;
    try {
      uri = new URI(s);
    } catch (URISyntaxException e) {
      throw error(f.keyLoc(), path, expected);
    }
    if (!"file".equals(uri.getScheme()) || uri.isOpaque() || uri.getAuthority() != null
        || uri.getPath() == null || !uri.getPath().startsWith("/") || uri.getQuery() != null || uri.getFragment() != null) {
      throw error(f.keyLoc(), path, expected);
    }
    return s;
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

  private static boolean isNull(Node n) {
    return n instanceof Scalar s && s.token() == JsonToken.VALUE_NULL;
  }

  private static String describe(Node n) {
    if (n instanceof MapNode) {
      return "a mapping";
    }
    if (n instanceof ListNode) {
      return "a list";
    }
    Scalar s = (Scalar) n;
    return switch (s.token()) {
      case VALUE_STRING -> "\"" + s.text() + "\"";
      case VALUE_NULL -> "nothing";
      default -> s.text();
    };
  }

  private ConfigException error(Loc loc, String path, String problem) {
    return new ConfigException(file, loc.line(), loc.column(), path, problem);
  }

  /** A mapping being validated: refuses unknown keys up front, then hands out fields. */
  private final class Obj {
    private final MapNode map;
    private final String path;
    private final Loc loc;

    Obj(Node node, String path, Loc loc, Set<String> allowed) {
      if (!(node instanceof MapNode m)) {
        throw error(loc, path, "expected a mapping, got " + describe(node));
      }
      this.map = m;
      this.path = path;
      this.loc = loc;
      for (Field f : m.fields().values()) {
        if (!allowed.contains(f.key())) {
          throw error(f.keyLoc(), join(path, f.key()),
              "unknown key \"" + f.key() + "\"; expected one of " + String.join(", ", allowed.stream().sorted().toList()));
        }
      }
    }

    /** The field, possibly with an empty value. */
    Field present(String key) {
      Field f = map.fields().get(key);
      if (f == null) {
        throw error(loc, join(path, key), "required field is missing");
      }
      return f;
    }

    Field required(String key) {
      Field f = present(key);
      if (isNull(f.value())) {
        throw error(f.keyLoc(), join(path, key), "required field has no value");
      }
      return f;
    }

    /** Null when absent or explicitly empty ({@code key:} with no value). */
    Field optional(String key) {
      Field f = map.fields().get(key);
      return f == null || isNull(f.value()) ? null : f;
    }

    private static String join(String path, String key) {
      return path.isEmpty() ? key : path + "." + key;
    }
  }

  // ---- YAML with positions ---------------------------------------------------------------------

  private record Loc(int line, int column) {
    static Loc of(JsonLocation l) {
      return new Loc(l.getLineNr(), l.getColumnNr());
    }
  }

  private sealed interface Node permits MapNode, ListNode, Scalar {}

  private record Field(String key, Loc keyLoc, Node value) {}

  private record MapNode(Map<String, Field> fields) implements Node {}

  private record ListNode(List<Node> items) implements Node {}

  private record Scalar(JsonToken token, String text) implements Node {}

  private Node parse() {
    try (JsonParser p = YAML.createParser(Files.newBufferedReader(file, StandardCharsets.UTF_8))) {
      JsonToken t = p.nextToken();
      if (t == null) {
        return null;
      }
      Node root = read(p, t, "");
      JsonToken extra = p.nextToken();
      if (extra != null) {
        throw error(Loc.of(p.currentTokenLocation()), "", "only one YAML document is allowed in a targets file");
      }
      return root;
    } catch (JsonProcessingException e) {
      JsonLocation l = e.getLocation();
      Loc loc = l == null ? new Loc(1, 1) : Loc.of(l);
      throw error(loc, "", "invalid YAML: " + e.getOriginalMessage());
    } catch (NoSuchFileException e) {
      throw new ConfigException(file, "no such file", e);
    } catch (IOException e) {
      throw new ConfigException(file, "cannot read: " + e, e);
    }
  }

  private Node read(JsonParser p, JsonToken t, String path) throws IOException {
    switch (t) {
      case START_OBJECT -> {
        Map<String, Field> fields = new LinkedHashMap<>();
        for (JsonToken k = p.nextToken(); k != JsonToken.END_OBJECT; k = p.nextToken()) {
          String key = p.currentName();
          Loc keyLoc = Loc.of(p.currentTokenLocation());
          String keyPath = path.isEmpty() ? key : path + "." + key;
          Node value = read(p, p.nextToken(), keyPath);
          if (fields.containsKey(key)) {
            throw error(keyLoc, keyPath, "duplicate key \"" + key + "\" (first at line " + fields.get(key).keyLoc().line() + ")");
          }
          fields.put(key, new Field(key, keyLoc, value));
        }
        return new MapNode(fields);
      }
      case START_ARRAY -> {
        List<Node> items = new ArrayList<>();
        for (JsonToken i = p.nextToken(); i != JsonToken.END_ARRAY; i = p.nextToken()) {
          items.add(read(p, i, path + "[" + items.size() + "]"));
        }
        return new ListNode(items);
      }
      case VALUE_NULL -> {
        return new Scalar(t, "null");
      }
      default -> {
        return new Scalar(t, p.getText());
      }
    }
  }
}
