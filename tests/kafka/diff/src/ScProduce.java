// Scenarios about producing and reading back: records with keys, values,
// headers and timestamps as a consumer sees them, compression codecs,
// LogAppendTime topics, and the errors of bad produce requests.
import java.time.Duration;
import java.util.*;
import org.apache.kafka.clients.admin.*;
import org.apache.kafka.clients.consumer.*;
import org.apache.kafka.clients.producer.*;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;

final class ScProduce {
  static void register(Map<String, Diff.Scenario> m) {
    m.put("produce_defaults", ScProduce::produceDefaults);
    m.put("produce_records", ScProduce::produceRecords);
    m.put("produce_acks", ScProduce::produceAcks);
    m.put("compression", ScProduce::compression);
    m.put("log_append_time", ScProduce::logAppendTime);
    m.put("record_too_large", ScProduce::recordTooLarge);
    m.put("auto_create", ScProduce::autoCreate);
    m.put("fetch_limits", ScProduce::fetchLimits);
    m.put("produce_invalid_topic", ScProduce::produceInvalidTopic);
  }

  // ------------------------------------------------------------ helpers
  static void create(Ctx c, Admin a, String topic, int partitions, Map<String, String> configs) {
    NewTopic nt = new NewTopic(topic, Optional.of(partitions), Optional.empty());
    if (configs != null) nt.configs(configs);
    Object r = c.observe("create_topic", () -> { a.createTopics(List.of(nt)).all().get(); return "created"; },
        "topic", Ctx.bare(topic), "partitions", partitions);
    if (r != null) awaitTopic(a, topic);
  }

  /** Apache Kafka answers CreateTopics once its controller has the topic;
   *  the broker's metadata follows a moment later. Waits (10 s at most)
   *  until a describe sees it, as a careful client would. */
  static void awaitTopic(Admin a, String topic) {
    for (int i = 0; i < 100; i++) {
      try { a.describeTopics(List.of(topic)).allTopicNames().get(); return; }
      catch (Exception e) { /* not yet */ }
      try { Thread.sleep(100); } catch (InterruptedException e) { Thread.currentThread().interrupt(); return; }
    }
  }

  /** Sends and prints where each record went (or its error). */
  static void send(Ctx c, Producer<byte[], byte[]> p, ProducerRecord<byte[], byte[]> r, String what) {
    c.observe("send", () -> p.send(r).get(), "what", what);
  }

  static ProducerRecord<byte[], byte[]> rec(String topic, Integer partition, Long ts, String key, String value, String... headers) {
    RecordHeaders hs = new RecordHeaders();
    for (int i = 0; i + 1 < headers.length; i += 2) hs.add(headers[i], Ctx.b(headers[i + 1]));
    return new ProducerRecord<>(topic, partition, ts, Ctx.b(key), Ctx.b(value), hs);
  }

  /** Every record of `topic` from the beginning, in partition and offset
   *  order, printed as a consumer sees it. Timestamps the broker or the
   *  producer chose are printed as in/out of [from, to] when from > 0. */
  static void readAll(Ctx c, String topic, int partitions, long from, long to) {
    KafkaConsumer<byte[], byte[]> k = c.consumer();
    List<TopicPartition> tps = new ArrayList<>();
    for (int i = 0; i < partitions; i++) tps.add(new TopicPartition(topic, i));
    k.assign(tps);
    k.seekToBeginning(tps);
    Map<TopicPartition, Long> end = k.endOffsets(tps);
    List<ConsumerRecord<byte[], byte[]>> got = new ArrayList<>();
    long deadline = System.currentTimeMillis() + 20000;
    while (System.currentTimeMillis() < deadline) {
      boolean done = true;
      for (TopicPartition tp : tps) if (k.position(tp) < end.get(tp)) done = false;
      if (done) break;
      for (ConsumerRecord<byte[], byte[]> r : k.poll(Duration.ofMillis(200))) got.add(r);
    }
    got.sort(Comparator.comparingInt((ConsumerRecord<byte[], byte[]> r) -> r.partition()).thenComparingLong(r -> r.offset()));
    for (ConsumerRecord<byte[], byte[]> r : got) {
      @SuppressWarnings("unchecked") Map<String, Object> m = (Map<String, Object>) Ctx.record(r);
      if (from > 0 && r.timestamp() != 1_600_000_000_000L + r.offset()) {
        long ts = r.timestamp();
        m.put("timestamp", ts >= from && ts <= to ? "in-window" : "out-of-window:" + ts);
      }
      c.emit("record", "topic", Ctx.bare(topic), "record", m);
    }
    c.emit("read", "topic", Ctx.bare(topic), "count", got.size(), "end_offsets", Ctx.plain(end));
  }

  // ---------------------------------------------------------- scenarios
  /** The Java producer with every default (idempotence on, acks=all). */
  static void produceDefaults(Ctx c) {
    Admin a = c.admin();
    String t = c.topic("t");
    create(c, a, t, 1, null);
    Producer<byte[], byte[]> p = c.producer();
    for (int i = 0; i < 5; i++)
      send(c, p, rec(t, null, 1_600_000_000_000L + i, "k" + i, "v" + i), "record " + i);
    readAll(c, t, 1, 0, 0);
  }

  /** Keys, null keys and values, headers (repeated keys, null values),
   *  explicit and producer-chosen timestamps, three partitions. */
  static void produceRecords(Ctx c) {
    Admin a = c.admin();
    String t = c.topic("t");
    create(c, a, t, 3, null);
    Producer<byte[], byte[]> p = c.plainProducer();
    long from = System.currentTimeMillis();
    send(c, p, rec(t, 0, 1_600_000_000_000L, "k0", "v0", "h1", "a", "h1", "b"), "headers");
    send(c, p, rec(t, 0, 1_600_000_000_001L, null, "no key"), "null key");
    send(c, p, rec(t, 0, 1_600_000_000_002L, "tombstone", null), "null value");
    send(c, p, rec(t, 1, 1_600_000_000_000L, "", ""), "empty key and value");
    send(c, p, rec(t, 1, null, "now", "producer time"), "producer timestamp");
    send(c, p, new ProducerRecord<>(t, 2, 1_600_000_000_000L, Ctx.b("h"), Ctx.b("x"),
        new RecordHeaders().add("n", null).add("", Ctx.b("empty name"))), "null header value");
    send(c, p, rec(t, 2, 0L, "zero", "timestamp 0"), "timestamp 0");
    send(c, p, rec(t, 2, 1_600_000_000_003L, "ü-ключ", "値 \u0000 \t"), "unicode");
    long to = System.currentTimeMillis();
    readAll(c, t, 3, from, to);
  }

  /** acks=0 (no offset comes back), acks=1, acks=all. */
  static void produceAcks(Ctx c) {
    Admin a = c.admin();
    String t = c.topic("t");
    create(c, a, t, 1, null);
    for (String acks : List.of("0", "1", "all")) {
      Producer<byte[], byte[]> p = c.plainProducer("acks", acks);
      send(c, p, rec(t, 0, 1_600_000_000_000L, "acks", acks), "acks=" + acks);
      p.flush();
    }
    readAll(c, t, 1, 0, 0);
  }

  static void compression(Ctx c) {
    Admin a = c.admin();
    for (String codec : List.of("gzip", "snappy", "lz4", "zstd")) {
      String t = c.topic(codec);
      create(c, a, t, 1, null);
      Producer<byte[], byte[]> p = c.plainProducer("compression.type", codec, "linger.ms", "50");
      List<java.util.concurrent.Future<RecordMetadata>> fs = new ArrayList<>();
      for (int i = 0; i < 20; i++)
        fs.add(p.send(rec(t, 0, 1_600_000_000_000L + i, "k" + i, ("value " + i + " ").repeat(20))));
      c.observe("send_batch", () -> { List<Long> offs = new ArrayList<>(); for (var f : fs) offs.add(f.get().offset()); return offs; },
          "codec", codec);
      readAll(c, t, 1, 0, 0);
    }
  }

  static void logAppendTime(Ctx c) {
    Admin a = c.admin();
    String t = c.topic("t");
    create(c, a, t, 1, Map.of("message.timestamp.type", "LogAppendTime"));
    Producer<byte[], byte[]> p = c.plainProducer();
    long from = System.currentTimeMillis();
    c.observe("send", () -> {
      RecordMetadata md = p.send(rec(t, 0, 1_000L, "k", "v")).get();
      long ts = md.timestamp();
      return Ctx.map("offset", md.offset(), "timestamp",
          ts >= from && ts <= System.currentTimeMillis() ? "in-window" : "out-of-window:" + ts);
    }, "what", "explicit timestamp 1000");
    readAll(c, t, 1, from, System.currentTimeMillis());
  }

  static void recordTooLarge(Ctx c) {
    Admin a = c.admin();
    String t = c.topic("t");
    create(c, a, t, 1, null);
    Producer<byte[], byte[]> p = c.plainProducer("max.request.size", "3000000", "linger.ms", "0");
    send(c, p, new ProducerRecord<>(t, 0, 1_600_000_000_000L, null, new byte[1_100_000]), "1.1 MB record, default max.message.bytes");
    String small = c.topic("small");
    create(c, a, small, 1, Map.of("max.message.bytes", "2000"));
    send(c, p, new ProducerRecord<>(small, 0, 1_600_000_000_000L, null, new byte[1500]), "1500 bytes, max.message.bytes 2000");
    send(c, p, new ProducerRecord<>(small, 0, 1_600_000_000_000L, null, new byte[3000]), "3000 bytes, max.message.bytes 2000");
    readAll(c, small, 1, 0, 0);
  }

  /** auto.create.topics.enable (default true): a producer's metadata
   *  request creates the topic with num.partitions (default 1). */
  static void autoCreate(Ctx c) {
    String t = c.topic("auto");
    Producer<byte[], byte[]> p = c.plainProducer();
    send(c, p, rec(t, null, 1_600_000_000_000L, "k", "v"), "to a topic that does not exist");
    Admin a = c.admin();
    c.observe("describe_topic", () -> ScAdmin.describe(a, t), "topic", Ctx.bare(t));
    readAll(c, t, 1, 0, 0);
  }

  /** Records larger than the consumer's fetch limits still come back, one
   *  batch at a time (KIP-74); none is skipped. */
  static void fetchLimits(Ctx c) {
    Admin a = c.admin();
    String t = c.topic("t");
    create(c, a, t, 1, null);
    Producer<byte[], byte[]> p = c.plainProducer("linger.ms", "0", "batch.size", "1");
    for (int i = 0; i < 5; i++)
      send(c, p, new ProducerRecord<>(t, 0, 1_600_000_000_000L + i, Ctx.b("k" + i), new byte[10_000 + i]), "10 kB record " + i);
    KafkaConsumer<byte[], byte[]> k = c.consumer("max.partition.fetch.bytes", "1024", "fetch.max.bytes", "1024",
        "max.poll.records", "1");
    TopicPartition tp = new TopicPartition(t, 0);
    k.assign(List.of(tp));
    k.seekToBeginning(List.of(tp));
    List<Object> got = new ArrayList<>();
    long deadline = System.currentTimeMillis() + 20000;
    while (got.size() < 5 && System.currentTimeMillis() < deadline)
      for (ConsumerRecord<byte[], byte[]> r : k.poll(Duration.ofMillis(200))) got.add(List.of(r.offset(), r.serializedValueSize()));
    c.emit("consumed", "records", got);
  }

  static void produceInvalidTopic(Ctx c) {
    Producer<byte[], byte[]> p = c.plainProducer("max.block.ms", "5000");
    send(c, p, rec(c.topic("bad name!"), null, 1_600_000_000_000L, "k", "v"), "invalid characters");
    send(c, p, rec(Diff.prefix + "x".repeat(250), null, 1_600_000_000_000L, "k", "v"), "250 characters");
  }
}
