package io.dbrunbooks.starter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dbrunbooks.worker.EmbeddedTemporal;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A busy machine is not an unreachable server: the CLI waits for a Temporal that is slow to answer,
 * says so, and goes on once it answers. The slow server is the SDK's Java test server behind a relay
 * that holds every connection until the test lets it through, which it does once the CLI has said
 * it is waiting (so the CLI's first attempt has certainly gone unanswered).
 */
class TemporalWaitTest {

  @Test
  void aSlowServerIsWaitedForAndTheCommandGoesOn() throws Exception {
    try (EmbeddedTemporal temporal = EmbeddedTemporal.startJavaTestServer(freePort());
        HoldingRelay relay = new HoldingRelay(temporal.address())) {
      Map<String, String> env = new HashMap<>(System.getenv());
      env.put("TEMPORAL_ADDRESS", relay.address());
      env.put("RUNBOOKS_TEMPORAL_WAIT", "120");
      env.put("RUNBOOKS_START_WAIT", "0");
      CountDownLatch saidWaiting = new CountDownLatch(1);
      StringWriter err = new StringWriter() {
        @Override
        public void flush() {
          if (toString().contains("has not answered within")) {
            saidWaiting.countDown();
          }
        }
      };
      StringWriter out = new StringWriter();
      CompletableFuture<Integer> cli = CompletableFuture.supplyAsync(() -> RunbooksCli.run(
          new String[] {"backup", "start", "--target", "orders", "--operator", "alice"},
          new PrintWriter(out, true), new PrintWriter(err, true), env));

      assertTrue(saidWaiting.await(60, TimeUnit.SECONDS), "the CLI says it waits: " + err);
      relay.letThrough();
      int code = cli.get(2, TimeUnit.MINUTES);

      assertEquals(0, code, out + "\n" + err);
      assertTrue(err.toString().contains("Temporal at " + relay.address() + " has not answered within 5 s (reachable but slow);"
          + " waiting up to 120 s"), err.toString());
      assertTrue(out.toString().contains("started backup of orders"), out.toString());
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 0, InetAddress.getByName("127.0.0.1"))) {
      return s.getLocalPort();
    }
  }

  /** Accepts connections at once but relays nothing until {@link #letThrough}: a server too busy to answer. */
  static final class HoldingRelay implements AutoCloseable {
    private final ServerSocket listener = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
    private final CountDownLatch open = new CountDownLatch(1);
    private final String upstreamHost;
    private final int upstreamPort;

    HoldingRelay(String upstream) throws IOException {
      upstreamHost = upstream.substring(0, upstream.lastIndexOf(':'));
      upstreamPort = Integer.parseInt(upstream.substring(upstream.lastIndexOf(':') + 1));
      Thread acceptor = new Thread(this::accept, "holding-relay");
      acceptor.setDaemon(true);
      acceptor.start();
    }

    String address() {
      return "127.0.0.1:" + listener.getLocalPort();
    }

    void letThrough() {
      open.countDown();
    }

    private void accept() {
      while (!listener.isClosed()) {
        try {
          Socket client = listener.accept();
          Thread t = new Thread(() -> relay(client), "holding-relay-conn");
          t.setDaemon(true);
          t.start();
        } catch (IOException closed) {
          return;
        }
      }
    }

    private void relay(Socket client) {
      try {
        open.await();
        Socket server = new Socket(upstreamHost, upstreamPort);
        Thread back = new Thread(() -> pump(server, client), "holding-relay-back");
        back.setDaemon(true);
        back.start();
        pump(client, server);
      } catch (InterruptedException | IOException e) {
        // the test is over
      }
    }

    private static void pump(Socket from, Socket to) {
      try (InputStream in = from.getInputStream(); OutputStream o = to.getOutputStream()) {
        in.transferTo(o);
      } catch (IOException e) {
        // one side closed
      } finally {
        try {
          from.close();
          to.close();
        } catch (IOException ignored) {
          // closing anyway
        }
      }
    }

    @Override
    public void close() throws IOException {
      open.countDown();
      listener.close();
    }
  }
}
