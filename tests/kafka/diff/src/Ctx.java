// One scenario's context: its clients (closed when it ends), names, the
// JSON lines it prints, and helpers that turn a client's answers (records,
// errors, descriptions) into plain values.
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.*;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.*;
import org.apache.kafka.clients.consumer.*;
import org.apache.kafka.clients.producer.*;
import org.apache.kafka.common.*;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.*;

final class Ctx {
  final String scenario;
  private final List<AutoCloseable> open = new ArrayList<>();

  Ctx(String scenario) { this.scenario = scenario; }

  // ------------------------------------------------------------- names
  String topic(String suffix) { return Diff.prefix + scenario + "-" + suffix; }
  String group(String suffix) { return Diff.prefix + scenario + "-g-" + suffix; }
  /** A name as printed: without the run's prefix. */
  static String bare(String name) {
    return name != null && name.startsWith(Diff.prefix) ? name.substring(Diff.prefix.length()) : name;
  }

  // ----------------------------------------------------------- clients
  Properties base() {
    Properties p = new Properties();
    p.put("bootstrap.servers", Diff.bootstrap);
    p.put("request.timeout.ms", "15000");
    p.put("default.api.timeout.ms", "20000");
    return p;
  }

  Admin admin() {
    Admin a = Admin.create(base());
    open.add(a);
    return a;
  }

  /** A producer with the client's defaults, and `extra` on top. */
  KafkaProducer<byte[], byte[]> producer(String... extra) {
    Properties p = base();
    p.put("delivery.timeout.ms", "30000");
    p.put("max.block.ms", "20000");
    for (int i = 0; i + 1 < extra.length; i += 2) p.put(extra[i], extra[i + 1]);
    KafkaProducer<byte[], byte[]> pr =
        new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    open.add(pr);
    return pr;
  }

  /** A producer that does not need InitProducerId (for seeding data in
   *  scenarios about something else). */
  KafkaProducer<byte[], byte[]> plainProducer(String... extra) {
    List<String> all = new ArrayList<>(List.of("enable.idempotence", "false", "acks", "all"));
    all.addAll(List.of(extra));
    return producer(all.toArray(new String[0]));
  }

  KafkaConsumer<byte[], byte[]> consumer(String... extra) {
    Properties p = base();
    for (int i = 0; i + 1 < extra.length; i += 2) p.put(extra[i], extra[i + 1]);
    KafkaConsumer<byte[], byte[]> c =
        new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    open.add(c);
    return c;
  }

  void closeAll() {
    for (AutoCloseable c : open) {
      try {
        if (c instanceof Admin a) a.close(Duration.ofSeconds(2));
        else if (c instanceof KafkaProducer<?, ?> p) p.close(Duration.ofSeconds(2));
        else if (c instanceof KafkaConsumer<?, ?> k) k.close(CloseOptions.timeout(Duration.ofSeconds(2)));
        else c.close();
      } catch (Exception e) { /* closing is best effort */ }
    }
    open.clear();
  }

  // -------------------------------------------------------------- output
  /** One observation: kind and key/value pairs. */
  void emit(String kind, Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("s", scenario);
    m.put("k", kind);
    for (int i = 0; i + 1 < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
    String line = Json.write(m);
    synchronized (Diff.OUT) { System.out.println(line); }
  }

  /** Runs `call`, emitting its value under `kind`, or the error it ended in. */
  <T> T observe(String kind, Call<T> call, Object... kv) {
    Object[] all = Arrays.copyOf(kv, kv.length + 2);
    try {
      T v = call.get();
      all[kv.length] = "ok";
      all[kv.length + 1] = plain(v);
      emit(kind, all);
      return v;
    } catch (Exception e) {
      all[kv.length] = "error";
      all[kv.length + 1] = errName(e);
      emit(kind, all);
      return null;
    }
  }

  interface Call<T> { T get() throws Exception; }

  /** The class of the error a client reports (what applications test). */
  static String errName(Throwable e) {
    while ((e instanceof ExecutionException || e instanceof java.util.concurrent.CompletionException
            || e instanceof org.apache.kafka.common.KafkaException && e.getClass() == org.apache.kafka.common.KafkaException.class)
           && e.getCause() != null)
      e = e.getCause();
    return e.getClass().getSimpleName();
  }

  // --------------------------------------------------- plain values
  static Object plain(Object v) {
    if (v == null) return null;
    if (v instanceof String || v instanceof Number || v instanceof Boolean) return v;
    if (v instanceof Enum<?> e) return e.name();
    if (v instanceof Optional<?> o) return o.map(Ctx::plain).orElse(null);
    if (v instanceof byte[] b) return new String(b, StandardCharsets.UTF_8);
    if (v instanceof Node n) return node(n);
    if (v instanceof TopicPartition tp) return bare(tp.topic()) + "/" + tp.partition();
    if (v instanceof Uuid u) return u.toString();
    if (v instanceof OffsetAndMetadata om)
      return map("offset", om.offset(), "metadata", om.metadata(), "leader_epoch", plain(om.leaderEpoch()));
    if (v instanceof ListOffsetsResult.ListOffsetsResultInfo i)
      return map("offset", i.offset(), "timestamp", i.timestamp(), "leader_epoch", plain(i.leaderEpoch()));
    if (v instanceof OffsetAndTimestamp ot)
      return map("offset", ot.offset(), "timestamp", ot.timestamp(), "leader_epoch", plain(ot.leaderEpoch()));
    if (v instanceof RecordMetadata rm)
      return map("partition", rm.partition(), "offset", rm.offset());
    if (v instanceof Map<?, ?> m) {
      TreeMap<String, Object> out = new TreeMap<>();
      m.forEach((k, x) -> out.put(String.valueOf(plain(k)), plain(x)));
      return out;
    }
    if (v instanceof Collection<?> c) {
      List<Object> out = new ArrayList<>();
      for (Object x : c) out.add(plain(x));
      return out;
    }
    return v.toString();
  }

  static Map<String, Object> map(Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i + 1 < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
    return m;
  }

  static Object node(Node n) {
    return n == null || n.isEmpty() ? null : map("node_id", n.id(), "host", n.host(), "port", n.port(), "rack", n.rack());
  }

  static Object record(ConsumerRecord<byte[], byte[]> r) {
    List<Object> hs = new ArrayList<>();
    for (Header h : r.headers()) hs.add(List.of(h.key(), h.value() == null ? "<null>" : new String(h.value(), StandardCharsets.UTF_8)));
    return map("partition", r.partition(), "offset", r.offset(), "key", plain(r.key()), "value", plain(r.value()),
        "headers", hs, "timestamp", r.timestamp(), "timestamp_type", r.timestampType().name,
        "leader_epoch", plain(r.leaderEpoch()), "value_size", r.serializedValueSize(), "key_size", r.serializedKeySize());
  }

  static byte[] b(String s) { return s == null ? null : s.getBytes(StandardCharsets.UTF_8); }
}
