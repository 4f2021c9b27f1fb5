package io.dbrunbooks.starter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dbrunbooks.workflows.common.InputChecks;
import io.dbrunbooks.workflows.common.RunbookInput;
import io.dbrunbooks.workflows.common.RunbookSearchAttributes;
import io.dbrunbooks.workflows.common.TaskQueues;
import io.temporal.api.common.v1.Payloads;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.api.failure.v1.Failure;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.common.converter.DataConverter;
import io.temporal.common.converter.GlobalDataConverter;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;
import picocli.CommandLine;

/**
 * Keeps the documentation and the code in step. Every {@code temporal} command in README.md and
 * docs/ that starts a workflow is started here, exactly as written, against the workflow the worker
 * registers under its {@code --type}: its JSON must bind strictly to that workflow's request
 * record (an unknown field, a wrong type or a malformed value fails), and the workflow's own checks
 * of its first task, the workflow id rule included, must accept it. Every {@code runbooks} command
 * line must parse with the real CLI. Each example is a test of its own, named by page and line.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DocsExamplesTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** The moment a Schedule's action is taken for: Temporal appends it to the action's workflow id. */
  private static final Instant SCHEDULED_AT = Instant.parse("2026-11-21T02:00:00Z");

  private final Map<String, RegisteredWorkflows.Runbook> runbooks = RegisteredWorkflows.byType();
  private TestWorkflowEnvironment env;
  private WorkflowClient client;

  @BeforeAll
  void startTestServer() {
    env = TestWorkflowEnvironment.newInstance();
    RunbookSearchAttributes.ALL.forEach(k -> env.registerSearchAttribute(k.getName(), IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD));
    Worker worker = env.newWorker(TaskQueues.RUNBOOKS);
    worker.registerWorkflowImplementationTypes(RegisteredWorkflows.implementations().toArray(Class<?>[]::new));
    // No activity is registered: a run that passed its input checks waits at its first activity
    // until the check terminates it, so nothing real runs and nothing fails noisily.
    env.start();
    client = env.getWorkflowClient();
  }

  @AfterAll
  void stopTestServer() {
    env.close();
  }

  static List<TemporalStartExample> temporalExamples() {
    List<TemporalStartExample> all = new ArrayList<>();
    for (Path page : DocPages.all()) {
      for (ShellWords.Command command : DocPages.shellCommands(page)) {
        TemporalStartExample.of(page, command).ifPresent(all::add);
      }
    }
    return all;
  }

  static List<TemporalMessageExample> messageExamples() {
    List<TemporalMessageExample> all = new ArrayList<>();
    for (Path page : DocPages.all()) {
      for (ShellWords.Command command : DocPages.shellCommands(page)) {
        TemporalMessageExample.of(page, command).ifPresent(all::add);
      }
    }
    return all;
  }

  static List<ShellWords.Command> runbooksCommandLines(Path page) {
    return DocPages.shellCommands(page).stream()
        .filter(c -> c.words().get(0).equals("./runbooks") || c.words().get(0).equals("runbooks"))
        .toList();
  }

  @TestFactory
  Stream<DynamicTest> everyDocumentedWorkflowStartIsAcceptedByItsWorkflow() {
    List<TemporalStartExample> examples = temporalExamples();
    System.out.println("docs check: " + examples.size() + " `temporal` workflow starts with their input in README.md and docs/");
    // README.md and docs/ show at least the backup, WAL archive, two restores and retention.
    assertTrue(examples.size() >= 5, "the examples were found: " + examples.size());
    return examples.stream().map(e -> DynamicTest.dynamicTest(
        e.where() + " " + e.type() + " " + e.workflowId(), () -> check(e)));
  }

  /**
   * An update's or signal's input is bound as strictly as a runbook's: the SDK would quietly drop
   * a misspelt field there, and the validator would then refuse the update for a reason the
   * example does not show.
   */
  @TestFactory
  Stream<DynamicTest> everyDocumentedUpdateAndSignalInputBindsToItsRecord() {
    List<TemporalMessageExample> examples = messageExamples();
    System.out.println("docs check: " + examples.size() + " `temporal` updates and signals with their input in README.md and docs/");
    // docs/switchover.md shows approve, rollback and approve-decommission.
    assertTrue(examples.size() >= 3, "the examples were found: " + examples.size());
    Map<String, List<RegisteredWorkflows.Handler>> handlers = RegisteredWorkflows.handlersByName();
    return examples.stream().map(e -> DynamicTest.dynamicTest(e.where() + " " + e.name(), () -> check(e, handlers)));
  }

  private static void check(TemporalMessageExample e, Map<String, List<RegisteredWorkflows.Handler>> handlers) {
    String at = e.where() + ": ";
    assertNotNull(e.name(), at + "no --name");
    List<RegisteredWorkflows.Handler> named = handlers.get(e.name());
    assertNotNull(named, at + "no registered workflow has an update or signal named " + e.name() + "; they have "
        + handlers.keySet());
    assertEquals(1, e.inputs().size(), at + e.name() + " takes one input");
    JsonNode input = parse(at, e.inputs().get(0));
    List<String> refusals = new ArrayList<>();
    for (RegisteredWorkflows.Handler h : named) {
      try {
        bind(decode(input, RunbookInput.class), h.input());
        return;
      } catch (ApplicationFailure refused) {
        refusals.add(h.workflowType() + "'s " + h.kind() + " " + h.name() + " takes " + h.input().getSimpleName() + ": "
            + refused.getOriginalMessage());
      }
    }
    fail(at + "the input binds to no handler named " + e.name() + ": " + String.join("; ", refusals));
  }

  @TestFactory
  Stream<DynamicTest> everyDocumentedRunbooksCommandLineParses() {
    List<DynamicTest> tests = new ArrayList<>();
    for (Path page : DocPages.all()) {
      for (ShellWords.Command line : runbooksCommandLines(page)) {
        String where = DocPages.name(page) + ":" + line.line();
        tests.add(DynamicTest.dynamicTest(where + " " + line.text(), () -> parses(where, line)));
      }
    }
    System.out.println("docs check: " + tests.size() + " `runbooks` command lines in README.md and docs/");
    assertTrue(tests.size() >= 20, "the command lines were found: " + tests.size());
    return tests.stream();
  }

  /**
   * Every command of the CLI (found by walking picocli's model, as {@link CliHelpTest} does) is
   * shown somewhere in README.md or docs/ as {@code runbooks <command>}: a verb added to the code
   * without a word in the docs fails here.
   */
  @TestFactory
  Stream<DynamicTest> everyRunbooksCommandIsDocumented() {
    StringBuilder all = new StringBuilder();
    for (Path page : DocPages.all()) {
      all.append(DocPages.read(page).replace("\\|", "|")).append('\n');
    }
    String docs = all.toString();
    List<String> commands = new ArrayList<>();
    leaves(new CommandLine(new RunbooksCli(Map.of())), "", commands);
    assertTrue(commands.size() > 20, "the walk found the commands: " + commands);
    return commands.stream().map(path -> DynamicTest.dynamicTest("runbooks " + path, () ->
        assertTrue(java.util.regex.Pattern.compile("runbooks " + alternatives(path) + "(?![\\w-])").matcher(docs).find(),
            "`runbooks " + path + "` is documented nowhere in README.md or docs/ (add it to docs/cli.md and its runbook's page)")));
  }

  /** The command paths below {@code cl} that have no subcommands of their own (picocli's help command aside). */
  private static void leaves(CommandLine cl, String path, List<String> into) {
    if (cl.getCommandSpec().userObject() instanceof CommandLine.HelpCommand) {
      return;
    }
    if (cl.getSubcommands().isEmpty()) {
      into.add(path);
      return;
    }
    java.util.Set<CommandLine> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    for (Map.Entry<String, CommandLine> sub : cl.getSubcommands().entrySet()) {
      if (seen.add(sub.getValue())) {
        leaves(sub.getValue(), (path.isEmpty() ? "" : path + " ") + sub.getKey(), into);
      }
    }
  }

  /** {@code wal archive start} matches {@code wal archive start} and {@code wal archive start|status|stop}. */
  private static String alternatives(String path) {
    String[] words = path.split(" ");
    StringBuilder regex = new StringBuilder();
    for (int i = 0; i < words.length; i++) {
      String w = java.util.regex.Pattern.quote(words[i]);
      regex.append(i == 0 ? "" : " ").append("(?:[\\w-]+\\|)*").append(w).append("(?:\\|[\\w-]+)*");
    }
    return regex.toString();
  }

  private void parses(String where, ShellWords.Command line) {
    List<String> args = line.words().subList(1, line.words().size());
    try {
      new CommandLine(new RunbooksCli(Map.of())).parseArgs(args.toArray(String[]::new));
    } catch (CommandLine.ParameterException e) {
      fail(where + ": `" + line.text() + "` does not parse: " + e.getMessage());
    }
  }

  private void check(TemporalStartExample e) throws Exception {
    String at = e.where() + ": ";
    assertNotNull(e.type(), at + "no --type");
    RegisteredWorkflows.Runbook runbook = runbooks.get(e.type());
    assertNotNull(runbook, at + "--type " + e.type() + " is not a workflow type the worker registers; it registers "
        + runbooks.keySet());
    assertEquals(TaskQueues.RUNBOOKS, e.taskQueue(), at + "workflows are polled on the task queue " + TaskQueues.RUNBOOKS);
    assertTrue(e.inputs().size() <= 1, at + "a runbook takes one input, the example passes " + e.inputs().size());
    JsonNode input = e.inputs().isEmpty() ? null : parse(at, e.inputs().get(0));

    bindStrictly(at, runbook, input);
    String workflowId = e.workflowId() == null ? UUID.randomUUID().toString() : e.workflowId();
    if (e.scheduled()) {
      // What a Schedule's action runs under: its workflow id plus the scheduled time.
      workflowId = workflowId + "-" + SCHEDULED_AT.truncatedTo(ChronoUnit.SECONDS);
    }
    acceptedInItsFirstTask(at, e.type(), workflowId, input);
  }

  private static JsonNode parse(String at, String input) {
    assertNotNull(input, at + "--input has no value");
    try {
      return JSON.readTree(input);
    } catch (JsonProcessingException x) {
      throw new AssertionError(at + "--input is not JSON: " + x.getOriginalMessage() + "\n" + input, x);
    }
  }

  /**
   * The input decoded as the SDK decodes a workflow argument, then bound by {@link RunbookInput#bind}
   * to the request record: the strict binding every runbook applies before anything else.
   */
  private static void bindStrictly(String at, RegisteredWorkflows.Runbook runbook, JsonNode input) {
    assertNotNull(runbook.request(), at + runbook.type() + "'s workflow method " + runbook.method()
        + " does not take RunbookInput<its request record>, so its input is not checked before it runs");
    RunbookInput<?> decoded = input == null ? null : decode(input, runbook.parameter());
    try {
      bind(decoded, runbook.request());
    } catch (ApplicationFailure refused) {
      fail(at + "the input does not bind to " + runbook.request().getSimpleName() + ": " + refused.getOriginalMessage());
    }
  }

  /** The JSON as the SDK hands it to a workflow: written to a payload, read back as {@code type}. */
  private static RunbookInput<?> decode(JsonNode input, java.lang.reflect.Type type) {
    DataConverter sdk = GlobalDataConverter.get();
    Optional<Payloads> payloads = sdk.toPayloads(input);
    return sdk.fromPayloads(0, payloads, RunbookInput.class, type);
  }

  @SuppressWarnings("unchecked")
  private static <T> void bind(RunbookInput<?> input, Class<T> type) {
    RunbookInput.bind((RunbookInput<T>) input, type, "an input");
  }

  /**
   * Started on the test server as the {@code temporal} CLI starts it (raw JSON, no typed client):
   * its first workflow task must complete without refusing the input. A child it starts in that
   * task is held to the same rule.
   */
  private void acceptedInItsFirstTask(String at, String type, String workflowId, JsonNode input) throws InterruptedException {
    WorkflowStub stub = client.newUntypedWorkflowStub(type, WorkflowOptions.newBuilder()
        .setWorkflowId(workflowId)
        .setTaskQueue(TaskQueues.RUNBOOKS)
        .setWorkflowIdReusePolicy(WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_TERMINATE_IF_RUNNING)
        .setWorkflowRunTimeout(Duration.ofDays(30))
        .build());
    if (input == null) {
      stub.start();
    } else {
      stub.start(input);
    }
    try {
      firstTaskAccepts(at, workflowId, stub.getExecution().getRunId());
    } finally {
      terminate(stub);
    }
  }

  /** Ends a run the check started (or its child), so the next example can use the same workflow id. */
  private static void terminate(WorkflowStub stub) {
    try {
      stub.terminate("docs check done");
    } catch (RuntimeException alreadyClosed) {
      // it ended by itself
    }
  }

  private void firstTaskAccepts(String at, String workflowId, String runId) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (true) {
      List<HistoryEvent> events = history(workflowId, runId);
      for (HistoryEvent event : events) {
        if (event.getEventType() == EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED) {
          fail(at + "the workflow task of " + workflowId + " failed (Temporal retries it forever): "
              + event.getWorkflowTaskFailedEventAttributes().getFailure().getMessage());
        }
        if (event.getEventType() == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED) {
          Failure f = event.getWorkflowExecutionFailedEventAttributes().getFailure();
          if (f.hasApplicationFailureInfo() && InputChecks.INVALID_REQUEST.equals(f.getApplicationFailureInfo().getType())) {
            fail(at + workflowId + " refused its input: " + f.getMessage());
          }
        }
      }
      if (events.stream().anyMatch(ev -> ev.getEventType() == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED)) {
        for (HistoryEvent event : events) {
          if (event.getEventType() == EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED) {
            String child = event.getStartChildWorkflowExecutionInitiatedEventAttributes().getWorkflowId();
            try {
              firstTaskAccepts(at + "child " + child + ": ", child, null);
            } finally {
              terminate(client.newUntypedWorkflowStub(child));
            }
          }
        }
        return;
      }
      assertTrue(System.nanoTime() < deadline, at + workflowId + " completed no workflow task within 60 s");
      Thread.sleep(50);
    }
  }

  /** The run's events so far; none yet for a child that is initiated but not started. */
  private List<HistoryEvent> history(String workflowId, String runId) {
    try {
      return (runId == null ? client.fetchHistory(workflowId) : client.fetchHistory(workflowId, runId)).getEvents();
    } catch (io.grpc.StatusRuntimeException e) {
      if (e.getStatus().getCode() == io.grpc.Status.Code.NOT_FOUND) {
        return List.of();
      }
      throw e;
    }
  }
}
