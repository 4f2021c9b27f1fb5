package io.dbrunbooks.starter;

import io.dbrunbooks.starter.backup.BackupCommand;
import io.dbrunbooks.starter.backup.BackupsCommand;
import io.dbrunbooks.starter.demo.DemoCommand;
import io.dbrunbooks.starter.evidence.EvidenceCommand;
import io.dbrunbooks.starter.keys.KeysCommand;
import io.dbrunbooks.starter.restore.RestoreCommand;
import io.dbrunbooks.starter.retention.RetentionCommand;
import io.dbrunbooks.starter.wal.WalCommand;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.dbrunbooks.activities.config.ConfigException;
import io.dbrunbooks.activities.config.TargetsConfig;
import io.dbrunbooks.activities.config.TargetsConfigLoader;
import io.dbrunbooks.activities.config.UnknownTargetException;
import io.dbrunbooks.activities.keys.KeyringException;
import io.dbrunbooks.worker.StartupException;
import io.dbrunbooks.worker.TemporalConnection;
import io.temporal.envconfig.ClientConfigProfile;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * The {@code runbooks} command line: start and watch runbooks through Temporal, read the backup
 * catalog, verify evidence offline, manage keys, run the worker, and the demo. Each verb is its own
 * class; this one holds the global options and turns failures into the documented exit codes.
 */
@Command(
    name = "runbooks",
    version = "runbooks 0.1.0",
    description = "Database runbooks as durable Temporal workflows.",
    synopsisSubcommandLabel = "COMMAND",
    subcommands = {
      DemoCommand.class,
      BackupCommand.class,
      StatusCommand.class,
      BackupsCommand.class,
      RestoreCommand.class,
      WalCommand.class,
      RetentionCommand.class,
      io.dbrunbooks.starter.schedules.SchedulesCommand.class,
      EvidenceCommand.class,
      KeysCommand.class,
      WorkerCommand.class,
      io.dbrunbooks.starter.drills.DrillsCommand.class,
      CommandLine.HelpCommand.class
    },
    footerHeading = "%n",
    footer = {
      "Temporal: TEMPORAL_ADDRESS (default 127.0.0.1:7233), TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS* or a"
          + " temporal.toml profile, as for the temporal CLI.",
      "",
      "Exit codes:",
      "  0  ok",
      "  1  the operation failed (backup failed, evidence mismatch, not found)",
      "  2  bad usage or configuration (unknown option, invalid targets file), input a runbook refused at its start,"
          + " or an approval the restore refused",
      "  3  already running (a backup or WAL archiver of that target is in progress)",
      "  4  cannot reach Temporal: nothing listens at its address, or it did not answer within RUNBOOKS_TEMPORAL_WAIT"
          + " seconds (default 60)"
    })
public final class RunbooksCli extends CommandGroup {
  public static final int EXIT_OK = 0;
  public static final int EXIT_FAILED = 1;
  public static final int EXIT_USAGE = 2;
  public static final int EXIT_ALREADY_RUNNING = 3;
  public static final int EXIT_UNREACHABLE = 4;

  public static final ObjectMapper JSON = new ObjectMapper()
      .registerModule(new JavaTimeModule())
      .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
      .enable(SerializationFeature.INDENT_OUTPUT);

  @Option(names = {"-V", "--version"}, versionHelp = true, description = "Print the version and exit.")
  public boolean version;

  @Option(names = "--json", scope = ScopeType.INHERIT, description = "Machine-readable JSON on stdout instead of text.")
  public boolean json;

  @Option(names = "--targets", scope = ScopeType.INHERIT, paramLabel = "PATH",
      defaultValue = "${env:RUNBOOKS_TARGETS:-targets.yaml}",
      description = "The targets file, for commands that read stores and registries directly (env RUNBOOKS_TARGETS, default ${DEFAULT-VALUE}).")
  public Path targets;

  public final Map<String, String> env;

  public RunbooksCli(Map<String, String> env) {
    this.env = env;
  }

  public static void main(String[] args) {
    // The worker logs like the worker jar; every other command keeps stdout for its own output.
    if (!Arrays.asList(args).contains("worker") && System.getProperty("logback.configurationFile") == null) {
      System.setProperty("logback.configurationFile", "runbooks-cli-logback.xml");
    }
    PrintWriter out = new PrintWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), true);
    PrintWriter err = new PrintWriter(new OutputStreamWriter(System.err, StandardCharsets.UTF_8), true);
    System.exit(run(args, out, err, System.getenv()));
  }

  /** Runs one command line in this JVM and returns its exit code (used by {@link #main} and tests). */
  public static int run(String[] args, PrintWriter out, PrintWriter err, Map<String, String> env) {
    CommandLine cl = new CommandLine(new RunbooksCli(env));
    cl.setOut(out);
    cl.setErr(err);
    cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      commandLine.getErr().println(message(e));
      if (env.containsKey("RUNBOOKS_DEBUG")) {
        e.printStackTrace(commandLine.getErr());
      }
      commandLine.getErr().flush();
      return exitCode(e);
    });
    int code = cl.execute(args);
    out.flush();
    err.flush();
    return code;
  }

  private static int exitCode(Exception e) {
    if (e instanceof CliFailure f) {
      return f.exitCode();
    }
    // A target name the file does not define, a keyring or key file that cannot be used: fix the
    // command line or the configuration, retrying the same command cannot help.
    if (e instanceof ConfigException || e instanceof UnknownTargetException || e instanceof KeyringException) {
      return EXIT_USAGE;
    }
    return EXIT_FAILED;
  }

  private static String message(Exception e) {
    if (e instanceof CliFailure || e instanceof ConfigException || e instanceof UnknownTargetException
        || e instanceof KeyringException) {
      return e.getMessage();
    }
    return "error: " + (e.getMessage() == null ? e.toString() : e.getMessage());
  }

  /** Who runs this command when no {@code --operator}, {@code --approver} or {@code --by} names someone: {@code $USER}. */
  public String user() {
    return env.getOrDefault("USER", System.getProperty("user.name"));
  }

  /**
   * A duration in whole seconds from the environment variable {@code name}, or {@code dflt} when it
   * is not set.
   *
   * @throws CliFailure exit 2 when it is not a whole number of seconds from 0 to 86400
   */
  public Duration seconds(String name, int dflt) {
    String v = env.get(name);
    if (v == null || v.isBlank()) {
      return Duration.ofSeconds(dflt);
    }
    try {
      int s = Integer.parseInt(v.strip());
      if (s >= 0 && s <= 86_400) {
        return Duration.ofSeconds(s);
      }
    } catch (NumberFormatException e) {
      // fall through to the message
    }
    throw CliFailure.usage(name + "='" + v + "' is not a number of seconds: use a whole number from 0 to 86400 (default " + dflt + ")");
  }

  /** The validated targets file named by {@code --targets}. */
  public TargetsConfig loadTargets() {
    try {
      return TargetsConfigLoader.load(targets, env);
    } catch (ConfigException e) {
      String hint = Files.exists(targets) ? "" : " (name the targets file with --targets PATH or RUNBOOKS_TARGETS)";
      throw new CliFailure(EXIT_USAGE, e.getMessage() + hint, e);
    }
  }

  /**
   * A client for the configured Temporal service, checked to answer before any command relies on
   * it: a command that waits on an unreachable server would otherwise just hang in gRPC retries.
   */
  public TemporalConnection connect() {
    ClientConfigProfile profile;
    try {
      profile = TemporalConnection.loadProfile(env);
    } catch (StartupException e) {
      throw new CliFailure(EXIT_USAGE, e.getMessage(), e);
    }
    Duration wait = seconds("RUNBOOKS_TEMPORAL_WAIT", 60);
    TemporalConnection connection = TemporalConnection.connect(profile);
    try {
      connection.awaitReachable(wait, slow -> {
        err().println(slow);
        err().flush();
      });
    } catch (StartupException e) {
      connection.close();
      throw new CliFailure(EXIT_UNREACHABLE, e.getMessage() + (e.getMessage().contains("nothing listens")
          ? "\nIs a Temporal service running? Start one with a worker: runbooks worker (no TEMPORAL_ADDRESS: it embeds one),"
              + " or try everything at once: runbooks demo" : ""), e);
    }
    return connection;
  }
}
