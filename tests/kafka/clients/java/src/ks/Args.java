package ks;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * "--name value" options of the test programs. "--prop k=v" (repeatable)
 * adds a client property: the scenarios use none (defaults are the point),
 * it is there to narrow a failure down by hand.
 */
final class Args {
  private final Map<String, String> values = new HashMap<>();
  private final List<String> props = new ArrayList<>();
  final List<String> positional = new ArrayList<>();

  Args(String[] argv, int from) {
    for (int i = from; i < argv.length; i++) {
      String a = argv[i];
      if (a.startsWith("--")) {
        if (i + 1 >= argv.length) throw new IllegalArgumentException(a + " needs a value");
        String v = argv[++i];
        if (a.equals("--prop")) props.add(v);
        else values.put(a.substring(2), v);
      } else {
        positional.add(a);
      }
    }
  }

  String get(String name) {
    String v = values.get(name);
    if (v == null) throw new IllegalArgumentException("--" + name + " is required");
    return v;
  }

  String get(String name, String dflt) {
    return values.getOrDefault(name, dflt);
  }

  long getLong(String name, long dflt) {
    return values.containsKey(name) ? Long.parseLong(values.get(name)) : dflt;
  }

  /** bootstrap.servers plus any --prop. */
  Properties clientProps() {
    Properties p = new Properties();
    p.put("bootstrap.servers", get("broker"));
    for (String kv : props) {
      int eq = kv.indexOf('=');
      if (eq < 1) throw new IllegalArgumentException("--prop wants k=v, got " + kv);
      p.put(kv.substring(0, eq), kv.substring(eq + 1));
    }
    return p;
  }
}
