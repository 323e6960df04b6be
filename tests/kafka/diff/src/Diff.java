// Differential scenarios: what an Apache Kafka 4.4 Java client observes of a
// broker, one JSON object a line on stdout, so that diff.py can run the same
// scenarios against Apache Kafka and against ks and compare the lines.
//
//   java -cp CP:CLASSES Diff --bootstrap HOST:PORT --prefix P [SCENARIO...]
//
// Every line is {"s": scenario, "k": what, ...fields}. Topic and group names
// are P + a fixed suffix and are printed without P, so the two runs print
// the same names. Raw ids (cluster, topic, node ids), hosts and ports are
// printed as they are: diff.py normalizes them as allowed.json says.
// Times a client cannot predict (broker-assigned timestamps) are printed as
// whether they fall in the window the scenario measured around the call.
//
// Scenarios are independent: each runs in its own thread with a time limit;
// an exception or a timeout ends that scenario only, with a line saying so.
import java.util.*;
import java.util.concurrent.*;

public final class Diff {
  static String bootstrap;
  static String prefix;
  static final Object OUT = new Object();

  interface Scenario { void run(Ctx c) throws Exception; }

  static final LinkedHashMap<String, Scenario> SCENARIOS = new LinkedHashMap<>();
  static {
    ScProduce.register(SCENARIOS);
    ScOffsets.register(SCENARIOS);
    ScAdmin.register(SCENARIOS);
    ScGroups.register(SCENARIOS);
  }

  public static void main(String[] args) throws Exception {
    List<String> names = new ArrayList<>();
    int limit = 90;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--bootstrap": bootstrap = args[++i]; break;
        case "--prefix": prefix = args[++i]; break;
        case "--seconds": limit = Integer.parseInt(args[++i]); break;
        case "--list": SCENARIOS.keySet().forEach(System.out::println); return;
        default: names.add(args[i]);
      }
    }
    if (bootstrap == null || prefix == null) {
      System.err.println("usage: Diff --bootstrap HOST:PORT --prefix P [--seconds N] [SCENARIO...] | --list");
      System.exit(2);
    }
    if (names.isEmpty()) names.addAll(SCENARIOS.keySet());
    for (String n : names) {
      Scenario sc = SCENARIOS.get(n);
      if (sc == null) { System.err.println("unknown scenario " + n); System.exit(2); }
      runOne(n, sc, limit);
    }
    System.out.flush();
    // Threads of scenarios that timed out may still be blocked in a client.
    System.exit(0);
  }

  static void runOne(String name, Scenario sc, int limit) {
    Ctx c = new Ctx(name);
    ExecutorService ex = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "scenario-" + name);
      t.setDaemon(true);
      return t;
    });
    Future<?> f = ex.submit(() -> { sc.run(c); return null; });
    try {
      f.get(limit, TimeUnit.SECONDS);
      c.emit("end", "ok", true);
    } catch (TimeoutException e) {
      f.cancel(true);
      c.emit("end", "ok", false, "timeout", limit);
    } catch (ExecutionException e) {
      c.emit("end", "ok", false, "exception", Ctx.errName(e.getCause()));
      e.getCause().printStackTrace();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      c.closeAll();
      ex.shutdownNow();
    }
  }
}
