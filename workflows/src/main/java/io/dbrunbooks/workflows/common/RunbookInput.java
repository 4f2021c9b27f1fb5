package io.dbrunbooks.workflows.common;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.JsonNode;
import io.temporal.api.common.v1.Payloads;
import io.temporal.common.converter.DataConverter;
import io.temporal.common.converter.GlobalDataConverter;
import java.util.Objects;
import java.util.Optional;

/**
 * A runbook's workflow input as it arrived: the JSON a person typed into the Web UI's Start
 * Workflow form or {@code temporal workflow start --input}, not yet trusted.
 *
 * <p>Every runbook takes its request through this wrapper rather than as the typed record, because
 * the SDK decodes a workflow's arguments before any workflow code runs: a wrong enum value, a
 * string where a boolean belongs or an unknown field would fail that decoding on every workflow
 * task, forever, while the run holds its target's lock (its workflow id). Here the JSON is decoded
 * as a tree, which never fails for valid JSON, and the workflow binds it with {@link #bind}, which
 * fails the run at once, non-retryably, naming the field.
 *
 * <p>On the wire nothing changes: a {@code RunbookInput} is written as the bare request object.
 */
public final class RunbookInput<T> {
  private final T request;
  private final JsonNode json;

  private RunbookInput(T request, JsonNode json) {
    this.request = request;
    this.json = json;
  }

  /**
   * Builds the strict decoder ahead of the first workflow task. Its first use loads a good part of
   * Jackson, which on a busy machine can take longer than the SDK's one-second deadlock detector
   * allows a workflow thread; a worker calls this before it starts polling.
   */
  public static void prepare() {
    DataConverter sdk = GlobalDataConverter.get();
    Optional<Payloads> payloads = sdk.toPayloads(of(new Prepared()));
    @SuppressWarnings("unchecked")
    RunbookInput<Prepared> decoded = sdk.fromPayloads(0, payloads, RunbookInput.class, RunbookInput.class);
    bind(decoded, Prepared.class, "{}");
  }

  /** An empty input type for {@link #prepare}. */
  record Prepared() {}

  /** The input as a caller sends it: the typed request, written as its JSON object. */
  public static <T> RunbookInput<T> of(T request) {
    return new RunbookInput<>(Objects.requireNonNull(request, "request"), null);
  }

  /** How the SDK decodes any JSON value: kept as is, checked by {@link #bind}. */
  @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
  static RunbookInput<?> fromJson(JsonNode json) {
    return new RunbookInput<>(null, json);
  }

  @JsonValue
  Object toJson() {
    return request != null ? request : json;
  }

  /**
   * The request, strictly decoded: an {@link io.temporal.failure.ApplicationFailure} of type
   * {@link InputChecks#INVALID_REQUEST} (non-retryable, naming the field and the accepted values)
   * when the JSON does not fit {@code type}.
   *
   * @param input the workflow's argument; null when the start passed no input at all
   * @param example a minimal valid input, quoted in the message when the input is missing
   */
  public static <T> T bind(RunbookInput<T> input, Class<T> type, String example) {
    if (input == null || (input.request == null && (input.json == null || input.json.isNull()))) {
      throw InputChecks.invalid("input is missing: pass " + example);
    }
    if (input.request != null) {
      return type.cast(input.request);
    }
    return InputBinding.bind(input.json, type, example);
  }
}
