package ks;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.Properties;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * KafkaConsumer in a group with default settings (auto.offset.reset=latest,
 * enable.auto.commit=true, so close() commits what was consumed), except
 * group.protocol when --protocol says "consumer" (KIP-848). Prints one JSON
 * line per record ({"p","o","k","v","h"}) and per assignment change
 * ({"assigned":[...]} / {"revoked":[...]}, "topic-partition" strings), so a
 * test can wait for the group to settle before producing.
 *
 * It stops (and closes, committing) once --max records were read, when the
 * file --stop-file exists, or after --max-seconds (exit 3: a timeout is a
 * failure the test reports).
 *
 *   Consume --broker H:P --topic T[,T2] --group G [--protocol classic|consumer]
 *           [--max N] [--stop-file PATH] [--max-seconds N] [--prop k=v]...
 */
public final class Consume {
  public static void main(String[] argv) throws Exception {
    Args a = new Args(argv, 0);
    long max = a.getLong("max", Long.MAX_VALUE);
    long maxSeconds = a.getLong("max-seconds", 60);
    String stop = a.get("stop-file", null);
    Properties p = a.clientProps();
    p.put("group.id", a.get("group"));
    String protocol = a.get("protocol", "classic");
    if (!protocol.equals("classic")) p.put("group.protocol", protocol);
    p.put("key.deserializer", ByteArrayDeserializer.class.getName());
    p.put("value.deserializer", ByteArrayDeserializer.class.getName());

    long deadline = System.nanoTime() + maxSeconds * 1_000_000_000L;
    long seen = 0;
    int rc = 0;
    KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p);
    try {
      c.subscribe(Arrays.asList(a.get("topic").split(",")), new Printer(c));
      while (seen < max) {
        if (stop != null && Files.exists(Path.of(stop))) break;
        if (System.nanoTime() > deadline) {
          System.err.println("Consume: --max-seconds reached after " + seen + " records");
          rc = 3;
          break;
        }
        ConsumerRecords<byte[], byte[]> recs = c.poll(Duration.ofMillis(200));
        StringBuilder out = new StringBuilder();
        for (ConsumerRecord<byte[], byte[]> r : recs) {
          out.append("{\"p\":").append(r.partition()).append(",\"o\":").append(r.offset())
              .append(",\"t\":").append(Json.str(r.topic()))
              .append(",\"k\":").append(Json.bytes(r.key()))
              .append(",\"v\":").append(Json.bytes(r.value())).append(",\"h\":[");
          String sep = "";
          for (Header h : r.headers()) {
            out.append(sep).append("[").append(Json.str(h.key())).append(",")
                .append(Json.bytes(h.value())).append("]");
            sep = ",";
          }
          out.append("]}\n");
          seen++;
        }
        System.out.print(out);
        System.out.flush();
      }
    } catch (Exception e) {
      System.err.println("Consume: " + e);
      rc = 1;
    }
    try {
      c.close(CloseOptions.timeout(Duration.ofSeconds(30)));
    } catch (Exception e) {
      System.err.println("Consume: close: " + e);
      rc = rc == 0 ? 1 : rc;
    }
    System.out.println("{\"closed\":" + seen + "}");
    System.out.flush();
    System.exit(rc);
  }

  /**
   * Prints assignment changes as they happen. An assigned partition's
   * position is looked up before the line is printed: with
   * auto.offset.reset=latest a record produced after the line was seen is
   * then always read, where a lazy lookup could land after it.
   */
  private static final class Printer implements ConsumerRebalanceListener {
    private final KafkaConsumer<byte[], byte[]> consumer;

    Printer(KafkaConsumer<byte[], byte[]> consumer) {
      this.consumer = consumer;
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> parts) {
      for (TopicPartition tp : parts) consumer.position(tp, Duration.ofSeconds(30));
      print("assigned", consumer.assignment());
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> parts) {
      if (!parts.isEmpty()) print("revoked", parts);
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> parts) {
      print("lost", parts);
    }

    private static void print(String what, Collection<TopicPartition> parts) {
      StringBuilder b = new StringBuilder("{\"" + what + "\":[");
      String sep = "";
      for (String tp : new TreeSet<>(parts.stream().map(TopicPartition::toString).toList())) {
        b.append(sep).append(Json.str(tp));
        sep = ",";
      }
      System.out.println(b.append("]}"));
      System.out.flush();
    }
  }
}
