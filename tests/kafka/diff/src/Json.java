// A minimal JSON writer for the observations (maps, lists, strings,
// numbers, booleans, null); maps keep their order.
import java.util.*;

final class Json {
  static String write(Object v) {
    StringBuilder sb = new StringBuilder();
    put(sb, v);
    return sb.toString();
  }

  private static void put(StringBuilder sb, Object v) {
    if (v == null) sb.append("null");
    else if (v instanceof String s) str(sb, s);
    else if (v instanceof Number || v instanceof Boolean) sb.append(v);
    else if (v instanceof Map<?, ?> m) {
      sb.append('{');
      boolean first = true;
      for (Map.Entry<?, ?> e : m.entrySet()) {
        if (!first) sb.append(',');
        first = false;
        str(sb, String.valueOf(e.getKey()));
        sb.append(':');
        put(sb, e.getValue());
      }
      sb.append('}');
    } else if (v instanceof Collection<?> c) {
      sb.append('[');
      boolean first = true;
      for (Object x : c) {
        if (!first) sb.append(',');
        first = false;
        put(sb, x);
      }
      sb.append(']');
    } else str(sb, v.toString());
  }

  private static void str(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char ch = s.charAt(i);
      switch (ch) {
        case '"': sb.append("\\\""); break;
        case '\\': sb.append("\\\\"); break;
        case '\n': sb.append("\\n"); break;
        case '\r': sb.append("\\r"); break;
        case '\t': sb.append("\\t"); break;
        default:
          if (ch < 0x20) sb.append(String.format("\\u%04x", (int) ch));
          else sb.append(ch);
      }
    }
    sb.append('"');
  }
}
