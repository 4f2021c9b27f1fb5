package io.dbrunbooks.activities.notify;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dbrunbooks.activities.config.TargetConfig;
import io.dbrunbooks.activities.config.TargetsConfig;
import io.dbrunbooks.activities.config.UnknownTargetException;
import io.dbrunbooks.workflows.common.Notification;
import io.dbrunbooks.workflows.common.NotifyActivities;
import io.temporal.activity.Activity;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes one structured log line per notification and, when the target has a webhook, POSTs the
 * notification as JSON.
 *
 * <p>Retry semantics: 2xx is success; 408, 429, 5xx and connection failures are retryable (the
 * receiver may recover); any other status is a non-retryable {@code WebhookRejected} (a wrong URL
 * or a refused payload will not fix itself). Webhook URLs often embed a token (Slack, Teams), so
 * messages and logs show only scheme, host and the first path segment.
 */
public class NotifyActivitiesImpl implements NotifyActivities {

  private static final Logger log = LoggerFactory.getLogger(NotifyActivitiesImpl.class);
  static final Duration TIMEOUT = Duration.ofSeconds(10);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final TargetsConfig targets;
  private final HttpClient http;

  public NotifyActivitiesImpl(TargetsConfig targets) {
    // Redirects are not followed: a POST silently turned into a GET would look like a delivery.
    this(targets, HttpClient.newBuilder().connectTimeout(TIMEOUT).followRedirects(HttpClient.Redirect.NEVER).build());
  }

  public NotifyActivitiesImpl(TargetsConfig targets, HttpClient http) {
    this.targets = targets;
    this.http = http;
  }

  @Override
  public void send(Notification n) {
    TargetConfig target;
    try {
      target = targets.target(n.target());
    } catch (UnknownTargetException e) {
      throw ApplicationFailure.newNonRetryableFailure(e.getMessage(), "UnknownTarget");
    }
    log.info("{}", logLine(n));
    String webhook = target.notifier() == null ? null : target.notifier().webhook();
    if (webhook != null && !webhook.isBlank()) {
      post(target.name(), webhook, n);
    }
  }

  private void post(String target, String webhook, Notification n) {
    URI uri;
    try {
      uri = URI.create(webhook);
    } catch (IllegalArgumentException e) {
      throw ApplicationFailure.newNonRetryableFailure("the webhook of target " + target + " is not a valid URL; fix notifier.webhook in " + targets.source(), "InvalidWebhook");
    }
    String shown = redact(uri);
    HttpRequest request = HttpRequest.newBuilder(uri)
        .timeout(TIMEOUT)
        .header("Content-Type", "application/json")
        .header("User-Agent", "db-runbooks")
        .POST(HttpRequest.BodyPublishers.ofByteArray(body(n)))
        .build();
    HttpResponse<String> response;
    try {
      response = http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw ApplicationFailure.newFailure("webhook " + shown + " of target " + target + " is unreachable: " + e, "WebhookUnreachable");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw Activity.wrap(e);
    }
    int status = response.statusCode();
    if (status / 100 == 2) {
      log.info("notify delivered target={} event={} webhook={} status={}", target, n.event(), shown, status);
      return;
    }
    String message = "webhook " + shown + " of target " + target + " answered HTTP " + status + excerpt(response.body());
    if (status == 408 || status == 429 || status >= 500) {
      throw ApplicationFailure.newFailure(message, "WebhookUnavailable");
    }
    throw ApplicationFailure.newNonRetryableFailure(message + "; check notifier.webhook in " + targets.source(), "WebhookRejected");
  }

  private static byte[] body(Notification n) {
    Map<String, Object> body = new TreeMap<>();
    body.put("target", n.target());
    body.put("runbook", n.runbook());
    body.put("event", n.event());
    body.put("workflowId", n.workflowId());
    body.put("summary", n.summary());
    if (n.severity() != null) {
      body.put("severity", n.severity());
    }
    body.put("details", new TreeMap<>(n.details()));
    if (n.severity() != null) {
      body.put("severity", n.severity());
    }
    try {
      return JSON.writeValueAsBytes(body);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a map of strings always serialises", e);
    }
  }

  /** key=value, values quoted when they contain spaces, quotes or '='. Details are secret-free by contract. */
  static String logLine(Notification n) {
    StringBuilder sb = new StringBuilder("notify");
    kv(sb, "target", n.target());
    kv(sb, "runbook", n.runbook());
    kv(sb, "event", n.event());
    if (n.severity() != null) {
      kv(sb, "severity", n.severity());
    }
    kv(sb, "workflowId", n.workflowId());
    kv(sb, "summary", n.summary());
    new TreeMap<>(n.details()).forEach((k, v) -> kv(sb, k, v));
    return sb.toString();
  }

  private static void kv(StringBuilder sb, String key, String value) {
    String v = value == null ? "" : value.replace("\n", " ");
    boolean quote = v.isEmpty() || v.chars().anyMatch(c -> c == ' ' || c == '"' || c == '=');
    sb.append(' ').append(key).append('=').append(quote ? '"' + v.replace("\"", "\\\"") + '"' : v);
  }

  /** scheme://host[:port]/first-segment/…: enough to find the hook in the config, no token. */
  static String redact(URI uri) {
    String port = uri.getPort() == -1 ? "" : ":" + uri.getPort();
    String path = uri.getRawPath() == null ? "" : uri.getRawPath();
    String[] segments = path.split("/");
    String shown = segments.length > 1 ? "/" + segments[1] + (segments.length > 2 || uri.getRawQuery() != null ? "/…" : "") : "";
    return uri.getScheme() + "://" + uri.getHost() + port + shown;
  }

  private static String excerpt(String body) {
    if (body == null || body.isBlank()) {
      return "";
    }
    String flat = body.strip().replaceAll("\\s+", " ");
    return ": " + (flat.length() > 200 ? flat.substring(0, 200) + "…" : flat);
  }
}
