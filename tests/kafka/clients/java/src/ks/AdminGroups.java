package ks;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.ListGroupsOptions;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.GroupNotEmptyException;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Group administration: alterConsumerGroupOffsets on a group without
 * members, listGroups / describeConsumerGroups / listConsumerGroupOffsets,
 * deleteConsumerGroups refused while a member is in, deleteConsumerGroupOffsets,
 * then deleteConsumerGroups.
 */
final class AdminGroups {
  private AdminGroups() {}

  static Map<TopicPartition, Long> offsets(Admin admin, String group) throws Exception {
    return admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get().entrySet().stream()
        .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
  }

  static ConsumerGroupDescription describe(Admin admin, String group) throws Exception {
    return admin.describeConsumerGroups(List.of(group)).describedGroups().get(group).get();
  }

  static Set<String> consumerGroups(Admin admin) throws Exception {
    Collection<GroupListing> all = admin.listGroups(ListGroupsOptions.forConsumerGroups()).all().get();
    return all.stream().map(GroupListing::groupId).collect(Collectors.toSet());
  }

  static void run(Admin admin, Properties client, String topic, String group) throws Exception {
    ks.Admin.create(admin, topic, 2, List.of());
    TopicPartition p0 = new TopicPartition(topic, 0);
    TopicPartition p1 = new TopicPartition(topic, 1);

    admin.alterConsumerGroupOffsets(group, Map.of(p0, new OffsetAndMetadata(3), p1, new OffsetAndMetadata(5))).all().get();
    Check.eq(Map.of(p0, 3L, p1, 5L), offsets(admin, group), "listConsumerGroupOffsets after alterConsumerGroupOffsets");
    Check.ok("alterConsumerGroupOffsets", "p0=3 p1=5");
    Check.that(consumerGroups(admin).contains(group), "listGroups(consumer)", group + " is not listed");
    Check.ok("listGroups", "has " + group);
    ConsumerGroupDescription d = describe(admin, group);
    Check.eq(GroupState.EMPTY, d.groupState(), "describeConsumerGroups state of a group without members");
    Check.eq(0, d.members().size(), "describeConsumerGroups members");
    Check.ok("describeConsumerGroups", "EMPTY, no members");

    // A member (classic protocol) joins; auto-commit is off so that its
    // close does not overwrite the offsets this scenario checks.
    Properties p = new Properties();
    p.putAll(client);
    p.put("group.id", group);
    p.put("enable.auto.commit", "false");
    p.put("key.deserializer", StringDeserializer.class.getName());
    p.put("value.deserializer", StringDeserializer.class.getName());
    try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p)) {
      c.subscribe(List.of(topic));
      long deadline = System.currentTimeMillis() + 30000;
      while (c.assignment().size() != 2) {
        if (System.currentTimeMillis() > deadline) throw new AssertionError("consumer join: no assignment after 30 s");
        c.poll(Duration.ofMillis(100));
      }
      d = describe(admin, group);
      Check.eq(GroupState.STABLE, d.groupState(), "describeConsumerGroups state with one member");
      Check.eq(1, d.members().size(), "describeConsumerGroups members");
      Check.eq(Set.of(p0, p1), d.members().iterator().next().assignment().topicPartitions(),
          "describeConsumerGroups member assignment");
      Check.ok("describeConsumerGroups", "STABLE, 1 member with both partitions");
      Check.fails(GroupNotEmptyException.class, "deleteConsumerGroups with a member",
          () -> admin.deleteConsumerGroups(List.of(group)).all().get());
      c.close(CloseOptions.timeout(Duration.ofSeconds(30)));
    }

    admin.deleteConsumerGroupOffsets(group, Set.of(p0)).all().get();
    Check.eq(Map.of(p1, 5L), offsets(admin, group), "listConsumerGroupOffsets after deleteConsumerGroupOffsets(p0)");
    Check.ok("deleteConsumerGroupOffsets", "p0 gone, p1=5 kept");

    admin.deleteConsumerGroups(List.of(group)).all().get();
    Check.that(!consumerGroups(admin).contains(group), "listGroups after deleteConsumerGroups", group + " still listed");
    Check.eq(Map.of(), offsets(admin, group), "listConsumerGroupOffsets after deleteConsumerGroups");
    Check.ok("deleteConsumerGroups", group);
    Check.fails(GroupIdNotFoundException.class, "deleteConsumerGroups again",
        () -> admin.deleteConsumerGroups(List.of(group)).all().get());
  }
}
