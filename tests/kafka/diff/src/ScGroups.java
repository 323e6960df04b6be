// Consumer groups (the classic protocol, the Java client's default): a
// member's life, committed offsets, and the admin view of groups.
import java.time.Duration;
import java.util.*;
import org.apache.kafka.clients.admin.*;
import org.apache.kafka.clients.consumer.*;
import org.apache.kafka.clients.producer.*;
import org.apache.kafka.common.TopicPartition;

final class ScGroups {
  static void register(Map<String, Diff.Scenario> m) {
    m.put("group_lifecycle", ScGroups::lifecycle);
    m.put("group_offsets_admin", ScGroups::offsetsAdmin);
    m.put("group_consumer_protocol", ScGroups::consumerProtocol);
    m.put("group_static_member", ScGroups::staticMember);
  }

  static Object describeGroup(Admin a, String g) throws Exception {
    ConsumerGroupDescription d = a.describeConsumerGroups(List.of(g)).all().get().get(g);
    List<Object> members = new ArrayList<>();
    for (MemberDescription m : d.members()) {
      List<Object> tps = new ArrayList<>();
      for (TopicPartition tp : m.assignment().topicPartitions()) tps.add(Ctx.plain(tp));
      Collections.sort(tps, Comparator.comparing(Object::toString));
      members.add(Ctx.map("member_id", m.consumerId(), "client_id", Ctx.bare(m.clientId()), "host", m.host(),
          "group_instance_id", Ctx.plain(m.groupInstanceId()), "assignment", tps));
    }
    return Ctx.map("group", Ctx.bare(d.groupId()), "simple", d.isSimpleConsumerGroup(), "state", Ctx.plain(d.groupState()),
        "type", Ctx.plain(d.type()), "assignor", d.partitionAssignor(), "coordinator", Ctx.node(d.coordinator()),
        "members", members);
  }

  static Object listed(Admin a, String g) throws Exception {
    for (GroupListing l : a.listGroups().all().get())
      if (l.groupId().equals(g))
        return Ctx.map("group", Ctx.bare(l.groupId()), "type", Ctx.plain(l.type()), "protocol", l.protocol(),
            "state", Ctx.plain(l.groupState()), "simple", l.isSimpleConsumerGroup());
    return "not listed";
  }

  static Object groupOffsets(Admin a, String g) throws Exception {
    return Ctx.plain(a.listConsumerGroupOffsets(g).partitionsToOffsetAndMetadata().get());
  }

  static void lifecycle(Ctx c) throws Exception {
    Admin a = c.admin();
    String t = c.topic("t");
    ScProduce.create(c, a, t, 2, null);
    Producer<byte[], byte[]> p = c.plainProducer();
    for (int i = 0; i < 4; i++) p.send(ScProduce.rec(t, i % 2, ScOffsets.T0 + i, "k" + i, "v" + i)).get();
    String g = c.group("g");
    KafkaConsumer<byte[], byte[]> k = c.consumer("group.id", g, "auto.offset.reset", "earliest",
        "enable.auto.commit", "false", "client.id", Diff.prefix + "member");
    k.subscribe(List.of(t));
    List<Object> got = new ArrayList<>();
    long deadline = System.currentTimeMillis() + 30000;
    while (got.size() < 4 && System.currentTimeMillis() < deadline)
      for (ConsumerRecord<byte[], byte[]> r : k.poll(Duration.ofMillis(200))) got.add(r.partition() + "@" + r.offset());
    Collections.sort(got, Comparator.comparing(Object::toString));
    c.emit("consumed", "records", got);
    c.observe("assignment", () -> { List<Object> l = new ArrayList<>(); for (var tp : k.assignment()) l.add(Ctx.plain(tp)); Collections.sort(l, Comparator.comparing(Object::toString)); return l; });
    c.observe("commit", () -> { k.commitSync(); return "committed"; });
    Set<TopicPartition> tps = Set.of(new TopicPartition(t, 0), new TopicPartition(t, 1));
    c.observe("committed", () -> k.committed(tps));
    c.observe("listed", () -> listed(a, g), "when", "member active");
    c.observe("describe_group", () -> describeGroup(a, g), "when", "member active");
    c.observe("delete_group", () -> { a.deleteConsumerGroups(List.of(g)).all().get(); return "deleted"; }, "when", "member active");
    k.close(CloseOptions.timeout(Duration.ofSeconds(5)));
    c.observe("listed", () -> listed(a, g), "when", "member left");
    c.observe("describe_group", () -> describeGroup(a, g), "when", "member left");
    c.observe("group_offsets", () -> groupOffsets(a, g));
    c.observe("delete_group", () -> { a.deleteConsumerGroups(List.of(g)).all().get(); return "deleted"; }, "when", "empty");
    c.observe("delete_group", () -> { a.deleteConsumerGroups(List.of(g)).all().get(); return "deleted"; }, "when", "deleted");
    c.observe("describe_group", () -> describeGroup(a, g), "when", "deleted");
    c.observe("group_offsets", () -> groupOffsets(a, g), "when", "deleted");
    // A new member resumes from the committed offsets (none: deleted).
    KafkaConsumer<byte[], byte[]> k2 = c.consumer("group.id", g, "auto.offset.reset", "latest");
    k2.subscribe(List.of(t));
    deadline = System.currentTimeMillis() + 30000;
    while (k2.assignment().size() < 2 && System.currentTimeMillis() < deadline) k2.poll(Duration.ofMillis(200));
    c.observe("positions_after_delete", () -> Map.of("p0", k2.position(new TopicPartition(t, 0)), "p1", k2.position(new TopicPartition(t, 1))));
  }

  /** One member subscribes, consumes everything, commits and leaves. */
  static void member(Ctx c, Admin a, String g, String... extra) throws Exception {
    String t = c.topic("t");
    ScProduce.create(c, a, t, 2, null);
    Producer<byte[], byte[]> p = c.plainProducer();
    for (int i = 0; i < 4; i++) p.send(ScProduce.rec(t, i % 2, ScOffsets.T0 + i, "k" + i, "v" + i)).get();
    List<String> props = new ArrayList<>(List.of("group.id", g, "auto.offset.reset", "earliest",
        "enable.auto.commit", "false", "client.id", Diff.prefix + "member"));
    props.addAll(List.of(extra));
    KafkaConsumer<byte[], byte[]> k = c.consumer(props.toArray(new String[0]));
    k.subscribe(List.of(t));
    List<Object> got = new ArrayList<>();
    long deadline = System.currentTimeMillis() + 30000;
    while (got.size() < 4 && System.currentTimeMillis() < deadline)
      for (ConsumerRecord<byte[], byte[]> r : k.poll(Duration.ofMillis(200))) got.add(r.partition() + "@" + r.offset());
    Collections.sort(got, Comparator.comparing(Object::toString));
    c.emit("consumed", "records", got);
    c.observe("commit", () -> { k.commitSync(); return "committed"; });
    c.observe("listed", () -> listed(a, g), "when", "member active");
    c.observe("describe_group", () -> describeGroup(a, g), "when", "member active");
    k.close(CloseOptions.timeout(Duration.ofSeconds(5)));
    c.observe("group_offsets", () -> groupOffsets(a, g), "when", "member left");
  }

  /** KIP-848: group.protocol=consumer (ConsumerGroupHeartbeat). */
  static void consumerProtocol(Ctx c) throws Exception {
    member(c, c.admin(), c.group("g"), "group.protocol", "consumer");
  }

  /** Static membership: group.instance.id. */
  static void staticMember(Ctx c) throws Exception {
    Admin a = c.admin();
    String g = c.group("g");
    member(c, a, g, "group.instance.id", "instance-1");
    c.observe("describe_group", () -> describeGroup(a, g), "when", "static member closed");
  }

  /** Offsets set and deleted through the admin client, for group ids
   *  Kafka accepts (any non-empty string). */
  static void offsetsAdmin(Ctx c) throws Exception {
    Admin a = c.admin();
    String t = c.topic("t");
    ScProduce.create(c, a, t, 2, null);
    Producer<byte[], byte[]> p = c.plainProducer();
    for (int i = 0; i < 4; i++) p.send(ScProduce.rec(t, i % 2, ScOffsets.T0 + i, "k" + i, "v" + i)).get();
    TopicPartition p0 = new TopicPartition(t, 0), p1 = new TopicPartition(t, 1);
    for (String suffix : List.of("plain", "roundrobin,range", "with space", "ü/€:*")) {
      String g = c.group(suffix);
      c.observe("alter_offsets", () -> {
        a.alterConsumerGroupOffsets(g, Map.of(p0, new OffsetAndMetadata(1, "meta"), p1, new OffsetAndMetadata(2))).all().get();
        return "altered";
      }, "group", suffix);
      c.observe("group_offsets", () -> groupOffsets(a, g), "group", suffix);
      c.observe("listed", () -> listed(a, g), "group", suffix);
      c.observe("describe_group", () -> describeGroup(a, g), "group", suffix);
      c.observe("delete_offsets", () -> { a.deleteConsumerGroupOffsets(g, Set.of(p1)).all().get(); return "deleted"; }, "group", suffix);
      c.observe("group_offsets", () -> groupOffsets(a, g), "group", suffix);
    }
    c.observe("alter_offsets", () -> {
      a.alterConsumerGroupOffsets(c.group("past-end"), Map.of(p0, new OffsetAndMetadata(99))).all().get();
      return "altered";
    }, "group", "past-end");
    c.observe("delete_group", () -> { a.deleteConsumerGroups(List.of(c.group("never"))).all().get(); return "deleted"; }, "group", "never");
    c.observe("group_offsets", () -> groupOffsets(a, c.group("never")), "group", "never");
    c.observe("describe_group", () -> describeGroup(a, c.group("never")), "group", "never");
    c.observe("listed", () -> listed(a, c.group("never")), "group", "never");
  }
}
