package ks;

import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.InvalidPartitionsException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * AdminClient (default settings) scenarios. Each prints "ok STEP: ..." or
 * "FAIL STEP: ..." per step (see Check) and exits 1 if any step's result
 * differs from what Apache Kafka 4.4 answers or a call failed.
 *
 *   Admin --broker H:P create TOPIC PARTITIONS [k=v...]
 *   Admin --broker H:P topics|partitions TOPIC
 *   Admin --broker H:P configs TOPIC          (AdminConfigs)
 *   Admin --broker H:P offsets|delete-records TOPIC   (AdminRecords)
 *   Admin --broker H:P groups TOPIC GROUP     (AdminGroups)
 */
public final class Admin {
  public static void main(String[] argv) throws Exception {
    Args a = new Args(argv, 0);
    List<String> pos = a.positional;
    Properties p = a.clientProps();
    int rc = 0;
    try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(p)) {
      switch (pos.get(0)) {
        case "create": create(admin, pos.get(1), Integer.parseInt(pos.get(2)), pos.subList(3, pos.size())); break;
        case "topics": topics(admin, pos.get(1)); break;
        case "partitions": partitions(admin, pos.get(1)); break;
        case "configs": AdminConfigs.run(admin, pos.get(1)); break;
        case "offsets": AdminRecords.offsets(admin, p, pos.get(1)); break;
        case "delete-records": AdminRecords.deleteRecords(admin, p, pos.get(1)); break;
        case "groups": AdminGroups.run(admin, p, pos.get(1), pos.get(2)); break;
        default: throw new IllegalArgumentException("unknown scenario " + pos.get(0));
      }
    } catch (Throwable e) {
      System.err.println("Admin " + pos.get(0) + ": " + e);
      rc = 1;
    }
    if (Check.failures > 0) rc = 1;
    System.exit(rc);
  }

  static void create(org.apache.kafka.clients.admin.Admin admin, String topic, int partitions,
                     Collection<String> configs) throws Exception {
    Map<String, String> c = new HashMap<>();
    for (String kv : configs) c.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
    admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1).configs(c))).all().get();
    Check.ok("createTopics", topic + " " + partitions + " " + c);
  }

  static TopicDescription describe(org.apache.kafka.clients.admin.Admin admin, String topic) throws Exception {
    return admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
  }

  /** createTopics (with configs, twice), listTopics, describeTopics, describeCluster, deleteTopics. */
  static void topics(org.apache.kafka.clients.admin.Admin admin, String topic) throws Exception {
    create(admin, topic, 3, List.of("retention.ms=3600000", "cleanup.policy=delete", "max.message.bytes=200000"));
    Check.fails(TopicExistsException.class, "createTopics again",
        () -> admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get());

    Set<String> names = admin.listTopics().names().get();
    Check.that(names.contains(topic), "listTopics", topic + " missing from " + names);
    Check.that(!names.contains("__consumer_offsets"), "listTopics", "internal topics are not listed by default");
    Check.ok("listTopics", "has " + topic);

    DescribeClusterResult cluster = admin.describeCluster();
    Collection<Node> nodes = cluster.nodes().get();
    Node controller = cluster.controller().get();
    String clusterId = cluster.clusterId().get();
    Check.eq(1, nodes.size(), "describeCluster nodes");
    Check.that(clusterId != null && !clusterId.isEmpty(), "describeCluster", "cluster id is empty");
    Check.that(controller != null && !controller.isEmpty(), "describeCluster", "no controller");
    Node node = nodes.iterator().next();
    Check.ok("describeCluster", "1 node " + node.host() + ":" + node.port() + ", cluster id set");

    TopicDescription d = describe(admin, topic);
    Check.eq(3, d.partitions().size(), "describeTopics partitions");
    Check.eq(false, d.isInternal(), "describeTopics internal");
    Check.that(d.topicId() != null && !d.topicId().toString().isEmpty(), "describeTopics", "no topic id");
    for (TopicPartitionInfo pi : d.partitions()) {
      Check.eq(node.id(), pi.leader().id(), "describeTopics leader of " + pi.partition());
      Check.eq(1, pi.replicas().size(), "describeTopics replicas of " + pi.partition());
      Check.eq(1, pi.isr().size(), "describeTopics isr of " + pi.partition());
    }
    Check.ok("describeTopics", "3 partitions led by node " + node.id());

    admin.deleteTopics(List.of(topic)).all().get();
    Check.ok("deleteTopics", topic);
    long deadline = System.currentTimeMillis() + 15000;
    while (admin.listTopics().names().get().contains(topic)) {
      if (!Check.that(System.currentTimeMillis() < deadline, "deleteTopics", topic + " still listed after 15 s")) break;
      Thread.sleep(100);
    }
    Check.fails(UnknownTopicOrPartitionException.class, "describeTopics after delete",
        () -> admin.describeTopics(List.of(topic)).allTopicNames().get());
    Check.fails(UnknownTopicOrPartitionException.class, "deleteTopics again",
        () -> admin.deleteTopics(List.of(topic)).all().get());
  }

  /** createPartitions: grow, the same count (refused), shrink (refused). */
  static void partitions(org.apache.kafka.clients.admin.Admin admin, String topic) throws Exception {
    create(admin, topic, 2, List.of());
    admin.createPartitions(Map.of(topic, NewPartitions.increaseTo(5))).all().get();
    long deadline = System.currentTimeMillis() + 15000;
    while (describe(admin, topic).partitions().size() != 5) {
      if (!Check.that(System.currentTimeMillis() < deadline, "createPartitions",
                      "describeTopics does not show 5 partitions after 15 s")) break;
      Thread.sleep(100);
    }
    Check.ok("createPartitions", "2 -> 5");
    Check.fails(InvalidPartitionsException.class, "createPartitions to the same count",
        () -> admin.createPartitions(Map.of(topic, NewPartitions.increaseTo(5))).all().get());
    Check.fails(InvalidPartitionsException.class, "createPartitions to fewer",
        () -> admin.createPartitions(Map.of(topic, NewPartitions.increaseTo(3))).all().get());
    Check.fails(UnknownTopicOrPartitionException.class, "createPartitions of a missing topic",
        () -> admin.createPartitions(Map.of(topic + "-missing", NewPartitions.increaseTo(3))).all().get());
  }
}
