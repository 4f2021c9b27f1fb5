package io.dbrunbooks.activities.notify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.dbrunbooks.activities.config.NotifierConfig;
import io.dbrunbooks.activities.config.TargetConfig;
import io.dbrunbooks.activities.config.TargetsConfig;
import io.dbrunbooks.workflows.common.Notification;
import io.temporal.failure.ApplicationFailure;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Against a real HTTP server on 127.0.0.1 that records what it receives. */
class NotifyActivitiesImplTest {

  static final String SECRET_PATH = "/hooks/T000-secret-token";
  static final Notification DONE = new Notification("orders", "backup", "backup.succeeded", "backup/orders",
      "backup orders-20261121T104107Z-3fa2c1 verified", Map.of("backupId", "orders-20261121T104107Z-3fa2c1", "storedBytes", "1048576"));

  HttpServer server;
  final List<String> bodies = new CopyOnWriteArrayList<>();
  final List<String> contentTypes = new CopyOnWriteArrayList<>();
  volatile int status = 204;
  volatile String reply = "";

  @BeforeEach
  void startServer() throws Exception {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", exchange -> {
      bodies.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
      contentTypes.add(exchange.getRequestHeaders().getFirst("Content-Type"));
      byte[] out = reply.getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(status, out.length == 0 ? -1 : out.length);
      if (out.length > 0) {
        exchange.getResponseBody().write(out);
      }
      exchange.close();
    });
    server.start();
  }

  @AfterEach
  void stopServer() {
    server.stop(0);
  }

  String webhook() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + SECRET_PATH;
  }

  static NotifyActivitiesImpl notifier(String webhook) {
    TargetConfig orders = new TargetConfig("orders", "postgres", null, null, null, null, 30, new NotifierConfig(webhook));
    return new NotifyActivitiesImpl(new TargetsConfig(Path.of("/etc/runbooks/targets.yaml"), Map.of("orders", orders)));
  }

  @Test
  void postsTheNotificationAsJson() throws Exception {
    notifier(webhook()).send(DONE);

    assertEquals(1, bodies.size());
    assertEquals("application/json", contentTypes.get(0));
    JsonNode body = new ObjectMapper().readTree(bodies.get(0));
    assertEquals("backup.succeeded", body.get("event").asText());
    assertEquals("backup/orders", body.get("workflowId").asText());
    assertEquals("1048576", body.get("details").get("storedBytes").asText());
  }

  @Test
  void anAlertCarriesItsSeverityAndARunbookEventHasNone() throws Exception {
    notifier(webhook()).send(new Notification("orders", "monitoring", "alert.raised", "freshness/orders",
        "[critical] backup-failed: the latest backup of orders failed", Map.of("kind", "backup-failed"), "critical"));
    notifier(webhook()).send(DONE);

    assertEquals("critical", new ObjectMapper().readTree(bodies.get(0)).get("severity").asText());
    assertFalse(new ObjectMapper().readTree(bodies.get(1)).has("severity"), bodies.get(1));
    assertTrue(NotifyActivitiesImpl.logLine(new Notification("orders", "monitoring", "alert.raised", "freshness/orders", "s",
        Map.of(), "warning")).contains(" severity=warning "));
  }

  @Test
  void a4xxIsNonRetryableAndNamesTheHookStatusAndBodyButNotTheToken() {
    status = 404;
    reply = "no_such_hook\n";
    ApplicationFailure f = assertThrows(ApplicationFailure.class, () -> notifier(webhook()).send(DONE));

    assertTrue(f.isNonRetryable());
    assertEquals("WebhookRejected", f.getType());
    String port = String.valueOf(server.getAddress().getPort());
    assertTrue(f.getOriginalMessage().startsWith("webhook http://127.0.0.1:" + port + "/hooks/… of target orders answered HTTP 404: no_such_hook"), f.getOriginalMessage());
    assertFalse(f.getOriginalMessage().contains("secret-token"), f.getOriginalMessage());
  }

  @Test
  void a5xxOrRateLimitIsRetryable() {
    for (int s : new int[] {503, 429}) {
      status = s;
      ApplicationFailure f = assertThrows(ApplicationFailure.class, () -> notifier(webhook()).send(DONE));
      assertFalse(f.isNonRetryable(), "HTTP " + s);
      assertEquals("WebhookUnavailable", f.getType());
      assertTrue(f.getOriginalMessage().contains("HTTP " + s), f.getOriginalMessage());
    }
  }

  @Test
  void aConnectionFailureIsRetryable() {
    String dead = webhook();
    server.stop(0);
    ApplicationFailure f = assertThrows(ApplicationFailure.class, () -> notifier(dead).send(DONE));
    assertFalse(f.isNonRetryable());
    assertEquals("WebhookUnreachable", f.getType());
  }

  @Test
  void withoutAWebhookOnlyTheLogLineIsWrittenAndUnknownTargetsAreRefused() {
    notifier(null).send(DONE);
    assertEquals(0, bodies.size());
    assertEquals("notify target=orders runbook=backup event=backup.succeeded workflowId=backup/orders "
        + "summary=\"backup orders-20261121T104107Z-3fa2c1 verified\" backupId=orders-20261121T104107Z-3fa2c1 storedBytes=1048576",
        NotifyActivitiesImpl.logLine(DONE));

    ApplicationFailure f = assertThrows(ApplicationFailure.class,
        () -> notifier(null).send(new Notification("billing", "backup", "backup.failed", "backup/billing", "x", Map.of())));
    assertEquals("UnknownTarget", f.getType());
    assertTrue(f.isNonRetryable());
  }
}
