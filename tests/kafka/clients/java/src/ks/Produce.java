package ks;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * KafkaProducer with default settings (so enable.idempotence=true, acks=all):
 * one record per stdin line ("key:value" with --keyed, a line without ':'
 * has a null key), then one JSON line per record, in input order, with the
 * partition and offset it was acknowledged at. Any failed send fails the
 * program (exit 1) with the exception, so a broker the producer cannot use
 * shows up as the client's own error.
 *
 *   Produce --broker H:P --topic T [--keyed true] [--header k=v]
 *           [--max-seconds N] [--prop k=v]...
 */
public final class Produce {
  public static void main(String[] argv) throws Exception {
    Args a = new Args(argv, 0);
    String topic = a.get("topic");
    boolean keyed = a.get("keyed", "false").equals("true");
    long maxSeconds = a.getLong("max-seconds", 60);
    String header = a.get("header", null);
    Properties p = a.clientProps();
    p.put("key.serializer", ByteArraySerializer.class.getName());
    p.put("value.serializer", ByteArraySerializer.class.getName());

    List<byte[]> lines = readLines();
    List<Future<RecordMetadata>> acks = new ArrayList<>();
    KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p);
    try {
      for (byte[] line : lines) {
        byte[] key = null;
        byte[] value = line;
        int colon = keyed ? indexOf(line, (byte) ':') : -1;
        if (colon >= 0) {
          key = Arrays.copyOfRange(line, 0, colon);
          value = Arrays.copyOfRange(line, colon + 1, line.length);
        }
        RecordHeaders headers = new RecordHeaders();
        if (header != null) {
          int eq = header.indexOf('=');
          headers.add(header.substring(0, eq), header.substring(eq + 1).getBytes(StandardCharsets.UTF_8));
        }
        acks.add(producer.send(new ProducerRecord<>(topic, null, null, key, value, headers)));
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(maxSeconds);
      StringBuilder out = new StringBuilder();
      for (Future<RecordMetadata> f : acks) {
        long left = Math.max(1, deadline - System.nanoTime());
        RecordMetadata m = f.get(left, TimeUnit.NANOSECONDS);
        out.append("{\"partition\":").append(m.partition())
            .append(",\"offset\":").append(m.offset())
            .append(",\"timestamp\":").append(m.timestamp()).append("}\n");
      }
      System.out.print(out);
      System.out.flush();
    } catch (Exception e) {
      System.err.println("Produce: " + e);
      producer.close(Duration.ofSeconds(5));
      System.exit(1);
    }
    producer.close(Duration.ofSeconds(30));
  }

  private static int indexOf(byte[] b, byte c) {
    for (int i = 0; i < b.length; i++) if (b[i] == c) return i;
    return -1;
  }

  private static List<byte[]> readLines() throws IOException {
    byte[] all = System.in.readAllBytes();
    List<byte[]> lines = new ArrayList<>();
    int start = 0;
    for (int i = 0; i < all.length; i++) {
      if (all[i] == '\n') {
        lines.add(Arrays.copyOfRange(all, start, i));
        start = i + 1;
      }
    }
    if (start < all.length) lines.add(Arrays.copyOfRange(all, start, all.length));
    return lines;
  }
}
