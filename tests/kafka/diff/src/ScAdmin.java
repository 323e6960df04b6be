// Admin scenarios: topics (create errors, describe, delete), the cluster,
// configs (describe with sources, incremental alter), partitions and
// records (create partitions, delete records).
import java.util.*;
import org.apache.kafka.clients.admin.*;
import org.apache.kafka.clients.producer.*;
import org.apache.kafka.common.*;
import org.apache.kafka.common.config.ConfigResource;

final class ScAdmin {
  static void register(Map<String, Diff.Scenario> m) {
    m.put("create_topic_errors", ScAdmin::createTopicErrors);
    m.put("describe_topics", ScAdmin::describeTopics);
    m.put("delete_topics", ScAdmin::deleteTopics);
    m.put("describe_cluster", ScAdmin::describeCluster);
    m.put("describe_topic_configs", ScAdmin::describeTopicConfigs);
    m.put("describe_broker_configs", ScAdmin::describeBrokerConfigs);
    m.put("alter_configs", ScAdmin::alterConfigs);
    m.put("alter_broker_configs", ScAdmin::alterBrokerConfigs);
    m.put("create_partitions", ScAdmin::createPartitions);
    m.put("delete_records", ScAdmin::deleteRecords);
  }

  static Object describe(Admin a, String topic) throws Exception {
    TopicDescription d = a.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
    List<Object> parts = new ArrayList<>();
    for (TopicPartitionInfo p : d.partitions()) {
      List<Object> reps = new ArrayList<>(), isr = new ArrayList<>();
      for (Node n : p.replicas()) reps.add(n.id());
      for (Node n : p.isr()) isr.add(n.id());
      parts.add(Ctx.map("partition", p.partition(), "leader", p.leader() == null ? null : p.leader().id(),
          "replicas", reps, "isr", isr));
    }
    return Ctx.map("name", Ctx.bare(d.name()), "internal", d.isInternal(), "topic_id", d.topicId().toString(),
        "partitions", parts);
  }

  static Object configs(Admin a, ConfigResource r, Set<String> only) throws Exception {
    Config cfg = a.describeConfigs(List.of(r)).all().get().get(r);
    TreeMap<String, Object> out = new TreeMap<>();
    for (ConfigEntry e : cfg.entries()) {
      if (only != null && !only.contains(e.name())) continue;
      out.put(e.name(), Ctx.map("value", e.value(), "source", e.source().name(), "read_only", e.isReadOnly(),
          "sensitive", e.isSensitive(), "type", e.type().name()));
    }
    return out;
  }

  static void createTopicErrors(Ctx c) {
    Admin a = c.admin();
    String t = c.topic("t");
    ScProduce.create(c, a, t, 1, null);
    ScProduce.create(c, a, t, 1, null);  // exists
    for (String bad : List.of("bad name!", "a/b", "", ".", "..", "x".repeat(250)))
      c.observe("create_topic", () -> { a.createTopics(List.of(new NewTopic(bad, 1, (short) 1))).all().get(); return "created"; },
          "topic", bad.length() > 100 ? "x*250" : bad);
    for (int n : new int[] {0, -2})
      c.observe("create_topic", () -> { a.createTopics(List.of(new NewTopic(c.topic("p" + n), Optional.of(n), Optional.empty()))).all().get(); return "created"; },
          "partitions", n);
    c.observe("create_topic", () -> { a.createTopics(List.of(new NewTopic(c.topic("rf2"), 1, (short) 2))).all().get(); return "created"; },
        "replication_factor", 2);
    Map<String, String> badConfigs = new LinkedHashMap<>();
    badConfigs.put("cleanup.policy", "bogus");
    badConfigs.put("retention.ms", "soon");
    badConfigs.put("no.such.config", "1");
    badConfigs.put("min.insync.replicas", "0");
    badConfigs.put("segment.bytes", "10");
    int i = 0;
    for (var e : badConfigs.entrySet()) {
      String name = c.topic("cfg" + i++);
      c.observe("create_topic", () -> {
        a.createTopics(List.of(new NewTopic(name, 1, (short) 1).configs(Map.of(e.getKey(), e.getValue())))).all().get();
        return "created";
      }, "config", e.getKey() + "=" + e.getValue());
    }
    c.observe("create_topic_validate_only", () -> {
      a.createTopics(List.of(new NewTopic(c.topic("v"), 2, (short) 1)), new CreateTopicsOptions().validateOnly(true)).all().get();
      return "validated";
    });
    c.observe("describe_topic", () -> describe(a, c.topic("v")), "topic", "validate-only topic");
  }

  static void describeTopics(Ctx c) {
    Admin a = c.admin();
    String t = c.topic("t");
    ScProduce.create(c, a, t, 3, null);
    c.observe("describe_topic", () -> describe(a, t), "topic", Ctx.bare(t));
    c.observe("describe_topic", () -> describe(a, c.topic("missing")), "topic", "missing");
    c.observe("list_topics_contains", () -> a.listTopics().names().get().contains(t));
    // A committed offset makes Apache Kafka create __consumer_offsets.
    c.observe("alter_offsets", () -> {
      a.alterConsumerGroupOffsets(c.group("g"), Map.of(new TopicPartition(t, 0), new org.apache.kafka.clients.consumer.OffsetAndMetadata(0))).all().get();
      return "altered";
    });
    c.observe("list_topics_internal", () -> {
      Set<String> names = a.listTopics(new ListTopicsOptions().listInternal(true)).names().get();
      return names.contains("__consumer_offsets");
    });
  }

  static void deleteTopics(Ctx c) throws Exception {
    Admin a = c.admin();
    String t = c.topic("t");
    ScProduce.create(c, a, t, 2, null);
    c.observe("delete_topic", () -> { a.deleteTopics(List.of(t)).all().get(); return "deleted"; }, "topic", Ctx.bare(t));
    c.observe("delete_topic", () -> { a.deleteTopics(List.of(c.topic("missing"))).all().get(); return "deleted"; }, "topic", "missing");
    // Deletion propagates to the broker's metadata asynchronously.
    Object after = null;
    for (int i = 0; i < 50; i++) {
      try { describe(a, t); } catch (Exception e) { after = Ctx.errName(e); break; }
      Thread.sleep(200);
    }
    c.emit("describe_deleted", "error", after);
    ScProduce.create(c, a, t, 1, null);  // the name is free again
    c.observe("describe_topic", () -> describe(a, t), "topic", Ctx.bare(t));
  }

  static void describeCluster(Ctx c) {
    Admin a = c.admin();
    DescribeClusterResult r = a.describeCluster();
    c.observe("nodes", () -> r.nodes().get());
    c.observe("controller", () -> r.controller().get());
    c.observe("cluster_id", () -> r.clusterId().get());
  }

  static void describeTopicConfigs(Ctx c) {
    Admin a = c.admin();
    String t = c.topic("t");
    ScProduce.create(c, a, t, 1, Map.of("retention.ms", "123456", "cleanup.policy", "compact"));
    ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, t);
    c.observe("configs", () -> configs(a, r, null), "topic", Ctx.bare(t));
    c.observe("configs", () -> configs(a, new ConfigResource(ConfigResource.Type.TOPIC, c.topic("missing")), null),
        "topic", "missing");
  }

  // Broker configs a client may read; not those the fixture sets for one
  // node (offsets.topic.replication.factor=1 shows as STATIC_BROKER_CONFIG).
  static final Set<String> BROKER_KEYS = Set.of("num.partitions", "default.replication.factor",
      "auto.create.topics.enable", "message.max.bytes", "log.retention.hours", "log.retention.ms",
      "log.segment.bytes", "delete.topic.enable", "log.message.timestamp.type", "compression.type",
      "min.insync.replicas", "log.cleanup.policy", "log.roll.ms", "log.flush.interval.ms");

  static ConfigResource nodeResource(Admin a) throws Exception {
    int id = a.describeCluster().nodes().get().iterator().next().id();
    return new ConfigResource(ConfigResource.Type.BROKER, String.valueOf(id));
  }

  static void describeBrokerConfigs(Ctx c) throws Exception {
    Admin a = c.admin();
    ConfigResource r = nodeResource(a);
    c.observe("configs", () -> configs(a, r, BROKER_KEYS), "broker", "the node");
    // Kept apart: ks's shorter initial rebalance delay is an allowed difference.
    c.observe("configs", () -> configs(a, r, Set.of("group.initial.rebalance.delay.ms")), "broker",
        "group.initial.rebalance.delay.ms");
    c.observe("configs", () -> configs(a, new ConfigResource(ConfigResource.Type.BROKER, ""), null), "broker",
        "cluster default");
  }

  /** Describes until `key` of `r` has `value` (a broker applies dynamic
   *  configs asynchronously), then observes `keys`. */
  static void settled(Ctx c, Admin a, ConfigResource r, String key, String value, Set<String> keys, String what)
      throws Exception {
    for (int i = 0; i < 100; i++) {
      Config cfg = a.describeConfigs(List.of(r)).all().get().get(r);
      ConfigEntry e = cfg.get(key);
      if (e != null && Objects.equals(e.value(), value)) break;
      Thread.sleep(100);
    }
    c.observe("configs", () -> configs(a, r, keys), "after", what);
  }

  static void alterBrokerConfigs(Ctx c) throws Exception {
    Admin a = c.admin();
    ConfigResource node = nodeResource(a);
    ConfigResource cluster = new ConfigResource(ConfigResource.Type.BROKER, "");
    String t = c.topic("t");
    ScProduce.create(c, a, t, 1, null);
    ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, t);
    Set<String> topicKeys = Set.of("retention.ms", "max.message.bytes", "cleanup.policy");
    Set<String> nodeKeys = Set.of("log.retention.ms", "message.max.bytes", "log.cleanup.policy");
    try {
      alter(c, a, cluster, "cluster retention", List.of(
          new AlterConfigOp(new ConfigEntry("log.retention.ms", "3600000"), AlterConfigOp.OpType.SET)));
      settled(c, a, topic, "retention.ms", "3600000", topicKeys, "cluster retention");
      c.observe("configs", () -> configs(a, node, nodeKeys), "after", "cluster retention");
      alter(c, a, node, "node retention and size", List.of(
          new AlterConfigOp(new ConfigEntry("log.retention.ms", "7200000"), AlterConfigOp.OpType.SET),
          new AlterConfigOp(new ConfigEntry("message.max.bytes", "200000"), AlterConfigOp.OpType.SET)));
      settled(c, a, topic, "retention.ms", "7200000", topicKeys, "node retention");
      c.observe("configs", () -> configs(a, node, nodeKeys), "after", "node retention");
      alter(c, a, cluster, "append cleanup policy", List.of(
          new AlterConfigOp(new ConfigEntry("log.cleanup.policy", "compact"), AlterConfigOp.OpType.APPEND)));
      settled(c, a, topic, "cleanup.policy", "delete,compact", topicKeys, "append cleanup policy");
      alter(c, a, cluster, "read-only config", List.of(
          new AlterConfigOp(new ConfigEntry("num.partitions", "3"), AlterConfigOp.OpType.SET)));
      alter(c, a, cluster, "unknown name", List.of(
          new AlterConfigOp(new ConfigEntry("no.such.config", "1"), AlterConfigOp.OpType.SET)));
      alter(c, a, cluster, "bad value", List.of(
          new AlterConfigOp(new ConfigEntry("log.retention.ms", "soon"), AlterConfigOp.OpType.SET)));
      alter(c, a, node, "validate only", List.of(
          new AlterConfigOp(new ConfigEntry("log.segment.bytes", "2000000"), AlterConfigOp.OpType.SET)), true);
      c.observe("configs", () -> configs(a, node, Set.of("log.segment.bytes")), "after", "validate only");
    } finally {
      alter(c, a, node, "delete node", List.of(
          new AlterConfigOp(new ConfigEntry("log.retention.ms", ""), AlterConfigOp.OpType.DELETE),
          new AlterConfigOp(new ConfigEntry("message.max.bytes", ""), AlterConfigOp.OpType.DELETE)));
      alter(c, a, cluster, "delete cluster", List.of(
          new AlterConfigOp(new ConfigEntry("log.retention.ms", ""), AlterConfigOp.OpType.DELETE),
          new AlterConfigOp(new ConfigEntry("log.cleanup.policy", ""), AlterConfigOp.OpType.DELETE),
          new AlterConfigOp(new ConfigEntry("no.such.config", ""), AlterConfigOp.OpType.DELETE)));
    }
    settled(c, a, topic, "retention.ms", "604800000", topicKeys, "deleted");
  }

  static void alterConfigs(Ctx c) {
    Admin a = c.admin();
    String t = c.topic("t");
    ScProduce.create(c, a, t, 1, Map.of("retention.ms", "123456"));
    ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, t);
    Set<String> keys = Set.of("retention.ms", "cleanup.policy", "max.message.bytes", "segment.ms");
    alter(c, a, r, "set two", List.of(
        new AlterConfigOp(new ConfigEntry("cleanup.policy", "compact"), AlterConfigOp.OpType.SET),
        new AlterConfigOp(new ConfigEntry("max.message.bytes", "5000"), AlterConfigOp.OpType.SET)));
    c.observe("configs", () -> configs(a, r, keys));
    alter(c, a, r, "delete retention.ms", List.of(new AlterConfigOp(new ConfigEntry("retention.ms", ""), AlterConfigOp.OpType.DELETE)));
    alter(c, a, r, "append cleanup.policy", List.of(new AlterConfigOp(new ConfigEntry("cleanup.policy", "delete"), AlterConfigOp.OpType.APPEND)));
    c.observe("configs", () -> configs(a, r, keys));
    alter(c, a, r, "bad value", List.of(new AlterConfigOp(new ConfigEntry("segment.ms", "never"), AlterConfigOp.OpType.SET)));
    alter(c, a, r, "unknown name", List.of(new AlterConfigOp(new ConfigEntry("no.such.config", "1"), AlterConfigOp.OpType.SET)));
    alter(c, a, new ConfigResource(ConfigResource.Type.TOPIC, c.topic("missing")), "missing topic",
        List.of(new AlterConfigOp(new ConfigEntry("retention.ms", "1000"), AlterConfigOp.OpType.SET)));
    c.observe("configs", () -> configs(a, r, keys));
  }

  static void alter(Ctx c, Admin a, ConfigResource r, String what, List<AlterConfigOp> ops) {
    alter(c, a, r, what, ops, false);
  }

  static void alter(Ctx c, Admin a, ConfigResource r, String what, List<AlterConfigOp> ops, boolean validateOnly) {
    c.observe("alter_configs", () -> {
      a.incrementalAlterConfigs(Map.of(r, ops), new AlterConfigsOptions().validateOnly(validateOnly)).all().get();
      return "altered";
    }, "what", what);
  }

  static void createPartitions(Ctx c) throws Exception {
    Admin a = c.admin();
    String t = c.topic("t");
    ScProduce.create(c, a, t, 1, null);
    for (int n : new int[] {3, 2, 3, 0})
      c.observe("create_partitions", () -> { a.createPartitions(Map.of(t, NewPartitions.increaseTo(n))).all().get(); return "grown"; },
          "increase_to", n);
    c.observe("create_partitions", () -> { a.createPartitions(Map.of(c.topic("missing"), NewPartitions.increaseTo(2))).all().get(); return "grown"; },
        "topic", "missing");
    c.observe("create_partitions", () -> {
      a.createPartitions(Map.of(t, NewPartitions.increaseTo(5)), new CreatePartitionsOptions().validateOnly(true)).all().get();
      return "validated";
    }, "increase_to", 5, "validate_only", true);
    // New partitions reach the broker's metadata cache asynchronously.
    for (int i = 0; i < 50; i++) {
      try { if (a.describeTopics(List.of(t)).allTopicNames().get().get(t).partitions().size() == 3) break; }
      catch (Exception e) { break; }
      Thread.sleep(200);
    }
    c.observe("describe_topic", () -> describe(a, t), "topic", Ctx.bare(t));
  }

  static void deleteRecords(Ctx c) throws Exception {
    Admin a = c.admin();
    String t = c.topic("t");
    ScProduce.create(c, a, t, 1, null);
    Producer<byte[], byte[]> p = c.plainProducer();
    for (int i = 0; i < 10; i++) p.send(ScProduce.rec(t, 0, 1_600_000_000_000L + i, "k" + i, "v" + i)).get();
    TopicPartition tp = new TopicPartition(t, 0);
    for (long before : new long[] {4, 2, 10, 11, -1})
      c.observe("delete_records", () -> a.deleteRecords(Map.of(tp, RecordsToDelete.beforeOffset(before))).lowWatermarks().get(tp).get().lowWatermark(),
          "before_offset", before);
    TopicPartition missing = new TopicPartition(c.topic("missing"), 0);
    c.observe("delete_records", () -> a.deleteRecords(Map.of(missing, RecordsToDelete.beforeOffset(1)),
        new DeleteRecordsOptions().timeoutMs(3000)).lowWatermarks().get(missing).get().lowWatermark(),
        "topic", "missing");
    c.observe("earliest", () -> a.listOffsets(Map.of(tp, OffsetSpec.earliest())).partitionResult(tp).get());
    ScProduce.readAll(c, t, 1, 0, 0);
  }
}
