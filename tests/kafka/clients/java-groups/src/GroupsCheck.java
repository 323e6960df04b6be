// One group member for tests/kafka/test_java_groups.sh, with Apache Kafka's
// Java consumer (kafka-clients 4.4.0):
//
//   GroupsCheck BROKER GROUP TOPIC PROTOCOL INSTANCE DIR
//
// PROTOCOL is `consumer` (KIP-848) or `classic`; INSTANCE is a
// group.instance.id or `-`. Offsets are committed (commitSync) after every
// poll that returned records, auto commit off. It writes, in DIR:
//   records     "partition offset value" per record, as read
//   assignment  the partitions it owns now, sorted, comma-separated
//               (replaced atomically after every poll)
//   events      "assigned P,..." / "revoked P,..." / "lost P,..." lines
// and stops when DIR/stop exists: with close() (a consumer-protocol member
// leaves the group; a static classic member does not), or, when DIR/crash
// exists instead, at once without closing (a crashed process).
import java.io.FileWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Properties;
import java.util.stream.Collectors;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

public class GroupsCheck {
  static String parts(Collection<TopicPartition> tps) {
    return tps.stream().map(TopicPartition::partition).sorted().map(String::valueOf)
        .collect(Collectors.joining(","));
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 6) {
      System.err.println("usage: GroupsCheck BROKER GROUP TOPIC consumer|classic INSTANCE|- DIR");
      System.exit(2);
    }
    String broker = args[0], group = args[1], topic = args[2], protocol = args[3], instance = args[4];
    Path dir = Path.of(args[5]);
    Files.createDirectories(dir);
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker);
    p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    p.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, protocol);
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, "java-groups-" + (instance.equals("-") ? "dynamic" : instance));
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    if (!instance.equals("-")) p.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, instance);
    if (protocol.equals("classic")) {
      // Short enough that a test can wait out a crashed static member.
      p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "6000");
      p.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, "500");
    }
    PrintWriter records = new PrintWriter(new FileWriter(dir.resolve("records").toFile(), true), true);
    PrintWriter events = new PrintWriter(new FileWriter(dir.resolve("events").toFile(), true), true);
    KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p);
    consumer.subscribe(List.of(topic), new ConsumerRebalanceListener() {
      @Override
      public void onPartitionsRevoked(Collection<TopicPartition> tps) {
        if (!tps.isEmpty()) events.println("revoked " + parts(tps));
      }

      @Override
      public void onPartitionsAssigned(Collection<TopicPartition> tps) {
        if (!tps.isEmpty()) events.println("assigned " + parts(tps));
      }

      @Override
      public void onPartitionsLost(Collection<TopicPartition> tps) {
        if (!tps.isEmpty()) events.println("lost " + parts(tps));
      }
    });
    while (true) {
      if (Files.exists(dir.resolve("crash"))) Runtime.getRuntime().halt(0);
      if (Files.exists(dir.resolve("stop"))) break;
      ConsumerRecords<String, String> got = consumer.poll(Duration.ofMillis(200));
      for (ConsumerRecord<String, String> r : got) records.println(r.partition() + " " + r.offset() + " " + r.value());
      if (!got.isEmpty()) consumer.commitSync();
      Path tmp = dir.resolve("assignment.tmp");
      Files.writeString(tmp, parts(consumer.assignment()) + "\n");
      Files.move(tmp, dir.resolve("assignment"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
    consumer.close();
    events.println("closed");
  }
}
