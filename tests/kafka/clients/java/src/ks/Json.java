package ks;

import java.nio.charset.StandardCharsets;

/**
 * Just enough JSON output for the test programs' result lines. Pure ASCII
 * (anything else as JSON escapes): the tests run with LC_ALL=C, where Java's
 * stdout would turn other characters into '?'.
 */
final class Json {
  private Json() {}

  static String str(String s) {
    if (s == null) return "null";
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"': b.append("\\\""); break;
        case '\\': b.append("\\\\"); break;
        case '\n': b.append("\\n"); break;
        case '\t': b.append("\\t"); break;
        default:
          if (c < 0x20 || c > 0x7e) b.append(String.format("\\u%04x", (int) c));
          else b.append(c);
      }
    }
    return b.append('"').toString();
  }

  /** Bytes as a JSON string of their UTF-8 decoding (test data is text). */
  static String bytes(byte[] v) {
    return v == null ? "null" : str(new String(v, StandardCharsets.UTF_8));
  }
}
