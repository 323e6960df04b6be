// Offsets: watermarks, ListOffsets by time / earliest / latest /
// max-timestamp (admin and consumer), and fetching out of range.
import java.time.Duration;
import java.util.*;
import org.apache.kafka.clients.admin.*;
import org.apache.kafka.clients.consumer.*;
import org.apache.kafka.clients.producer.*;
import org.apache.kafka.common.TopicPartition;

final class ScOffsets {
  static void register(Map<String, Diff.Scenario> m) {
    m.put("list_offsets", ScOffsets::listOffsets);
    m.put("consumer_offsets_for_times", ScOffsets::offsetsForTimes);
    m.put("offset_out_of_range", ScOffsets::outOfRange);
    m.put("list_offsets_errors", ScOffsets::listOffsetsErrors);
  }

  static final long T0 = 1_600_000_000_000L;
  // Not monotonic: the max timestamp (T0+50) is at offset 2, not the last.
  static final long[] TIMES = {T0 + 10, T0 + 20, T0 + 50, T0 + 30, T0 + 30, T0 + 40};

  /** Partition 0 gets TIMES, partition 1 stays empty. */
  static String seed(Ctx c, Admin a) throws Exception {
    String t = c.topic("t");
    ScProduce.create(c, a, t, 2, null);
    Producer<byte[], byte[]> p = c.plainProducer();
    for (int i = 0; i < TIMES.length; i++) p.send(ScProduce.rec(t, 0, TIMES[i], "k" + i, "v" + i)).get();
    return t;
  }

  static void listOffsets(Ctx c) throws Exception {
    Admin a = c.admin();
    String t = seed(c, a);
    Map<String, OffsetSpec> specs = new LinkedHashMap<>();
    specs.put("earliest", OffsetSpec.earliest());
    specs.put("latest", OffsetSpec.latest());
    specs.put("max_timestamp", OffsetSpec.maxTimestamp());
    specs.put("time T0", OffsetSpec.forTimestamp(T0));
    specs.put("time T0+20", OffsetSpec.forTimestamp(T0 + 20));
    specs.put("time T0+25", OffsetSpec.forTimestamp(T0 + 25));
    specs.put("time T0+30", OffsetSpec.forTimestamp(T0 + 30));
    specs.put("time T0+45", OffsetSpec.forTimestamp(T0 + 45));
    specs.put("time T0+50", OffsetSpec.forTimestamp(T0 + 50));
    specs.put("time T0+51", OffsetSpec.forTimestamp(T0 + 51));
    specs.put("earliest_local", OffsetSpec.earliestLocal());
    specs.put("latest_tiered", OffsetSpec.latestTiered());
    for (int part = 0; part < 2; part++) {
      TopicPartition tp = new TopicPartition(t, part);
      for (var e : specs.entrySet())
        c.observe("list_offsets", () -> a.listOffsets(Map.of(tp, e.getValue())).partitionResult(tp).get(),
            "partition", part, "spec", e.getKey());
    }
  }

  static void offsetsForTimes(Ctx c) throws Exception {
    Admin a = c.admin();
    String t = seed(c, a);
    KafkaConsumer<byte[], byte[]> k = c.consumer();
    TopicPartition p0 = new TopicPartition(t, 0), p1 = new TopicPartition(t, 1);
    c.observe("beginning_offsets", () -> k.beginningOffsets(List.of(p0, p1)));
    c.observe("end_offsets", () -> k.endOffsets(List.of(p0, p1)));
    for (long ts : new long[] {0, T0 + 15, T0 + 30, T0 + 50, T0 + 60}) {
      c.observe("offsets_for_times", () -> {
        Map<TopicPartition, OffsetAndTimestamp> r = k.offsetsForTimes(Map.of(p0, ts, p1, ts));
        TreeMap<String, Object> out = new TreeMap<>();
        r.forEach((tp, v) -> out.put(String.valueOf(Ctx.plain(tp)), Ctx.plain(v)));
        return out;
      }, "timestamp", ts);
    }
    k.assign(List.of(p0));
    k.seek(p0, 3);
    List<Object> offs = new ArrayList<>();
    long deadline = System.currentTimeMillis() + 10000;
    while (offs.size() < 3 && System.currentTimeMillis() < deadline)
      for (ConsumerRecord<byte[], byte[]> r : k.poll(Duration.ofMillis(200))) offs.add(r.offset());
    c.emit("fetched_from_3", "offsets", offs);
    c.observe("position", () -> k.position(p0));
  }

  static void outOfRange(Ctx c) throws Exception {
    Admin a = c.admin();
    String t = seed(c, a);
    TopicPartition tp = new TopicPartition(t, 0);
    KafkaConsumer<byte[], byte[]> none = c.consumer("auto.offset.reset", "none");
    none.assign(List.of(tp));
    none.seek(tp, 100);
    c.observe("poll_reset_none", () -> {
      long deadline = System.currentTimeMillis() + 10000;
      while (System.currentTimeMillis() < deadline) {
        var rs = none.poll(Duration.ofMillis(200));
        if (!rs.isEmpty()) return "records";
      }
      return "nothing";
    }, "seek", 100);
    for (String reset : List.of("earliest", "latest")) {
      KafkaConsumer<byte[], byte[]> k = c.consumer("auto.offset.reset", reset);
      k.assign(List.of(tp));
      k.seek(tp, 100);
      List<Object> offs = new ArrayList<>();
      long deadline = System.currentTimeMillis() + 5000;
      while (System.currentTimeMillis() < deadline) {
        for (ConsumerRecord<byte[], byte[]> r : k.poll(Duration.ofMillis(200))) offs.add(r.offset());
        if (offs.size() >= TIMES.length) break;
      }
      c.emit("poll_after_reset", "reset", reset, "offsets", offs);
      c.observe("position", () -> k.position(tp), "reset", reset);
    }
  }

  static void listOffsetsErrors(Ctx c) throws Exception {
    Admin a = c.admin();
    String t = seed(c, a);
    TopicPartition missing = new TopicPartition(c.topic("missing"), 0);
    c.observe("list_offsets", () -> a.listOffsets(Map.of(missing, OffsetSpec.latest())).partitionResult(missing).get(),
        "topic", "missing");
    TopicPartition noPart = new TopicPartition(t, 7);
    // Waits for the partition to appear in metadata until the timeout.
    c.observe("list_offsets", () -> a.listOffsets(Map.of(noPart, OffsetSpec.latest()),
        new ListOffsetsOptions().timeoutMs(3000)).partitionResult(noPart).get(), "partition", 7);
    KafkaConsumer<byte[], byte[]> k = c.consumer("default.api.timeout.ms", "3000");
    c.observe("end_offsets", () -> k.endOffsets(List.of(new TopicPartition(t, 7)), Duration.ofSeconds(3)), "partition", 7);
  }
}
