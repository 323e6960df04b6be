package ks;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/** describeConfigs (topic and broker) and incrementalAlterConfigs. */
final class AdminConfigs {
  private AdminConfigs() {}

  static Config describe(Admin admin, ConfigResource r) throws Exception {
    return admin.describeConfigs(List.of(r)).all().get().get(r);
  }

  static void run(Admin admin, String topic) throws Exception {
    ks.Admin.create(admin, topic, 1, List.of("retention.ms=3600000", "max.message.bytes=300000"));
    ConfigResource res = new ConfigResource(ConfigResource.Type.TOPIC, topic);

    Config c = describe(admin, res);
    ConfigEntry retention = c.get("retention.ms");
    Check.eq("3600000", retention.value(), "describeConfigs retention.ms");
    Check.eq(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG, retention.source(), "describeConfigs retention.ms source");
    Check.eq("300000", c.get("max.message.bytes").value(), "describeConfigs max.message.bytes");
    ConfigEntry cleanup = c.get("cleanup.policy");
    Check.that(cleanup != null, "describeConfigs", "every topic config is described, cleanup.policy is missing");
    Check.eq("delete", cleanup.value(), "describeConfigs cleanup.policy (a default)");
    Check.eq(ConfigEntry.ConfigSource.DEFAULT_CONFIG, cleanup.source(), "describeConfigs cleanup.policy source");
    for (String name : List.of("segment.bytes", "max.message.bytes", "min.insync.replicas",
                               "message.timestamp.type", "retention.bytes")) {
      Check.that(c.get(name) != null, "describeConfigs", name + " is not described");
    }
    Check.ok("describeConfigs topic", c.entries().size() + " entries, retention.ms dynamic, cleanup.policy default");

    Collection<AlterConfigOp> ops = List.of(
        new AlterConfigOp(new ConfigEntry("retention.ms", "7200000"), AlterConfigOp.OpType.SET),
        new AlterConfigOp(new ConfigEntry("max.message.bytes", ""), AlterConfigOp.OpType.DELETE),
        new AlterConfigOp(new ConfigEntry("cleanup.policy", "compact"), AlterConfigOp.OpType.APPEND));
    admin.incrementalAlterConfigs(Map.of(res, ops)).all().get();
    Check.eventually("7200000", "incrementalAlterConfigs SET retention.ms",
        () -> describe(admin, res).get("retention.ms").value());
    c = describe(admin, res);
    Check.eq("1048588", c.get("max.message.bytes").value(), "incrementalAlterConfigs DELETE max.message.bytes (back to the default)");
    Check.eq(ConfigEntry.ConfigSource.DEFAULT_CONFIG, c.get("max.message.bytes").source(), "max.message.bytes source after DELETE");
    Check.eq("delete,compact", c.get("cleanup.policy").value(), "incrementalAlterConfigs APPEND cleanup.policy");
    Check.ok("incrementalAlterConfigs", "SET, DELETE and APPEND applied");

    admin.incrementalAlterConfigs(Map.of(res, List.of(
        new AlterConfigOp(new ConfigEntry("cleanup.policy", "compact"), AlterConfigOp.OpType.SUBTRACT)))).all().get();
    Check.eventually("delete", "incrementalAlterConfigs SUBTRACT cleanup.policy",
        () -> describe(admin, res).get("cleanup.policy").value());
    Check.ok("incrementalAlterConfigs", "SUBTRACT applied");

    Check.fails(InvalidConfigurationException.class, "incrementalAlterConfigs with a bad value",
        () -> admin.incrementalAlterConfigs(Map.of(res, List.of(
            new AlterConfigOp(new ConfigEntry("retention.ms", "soon"), AlterConfigOp.OpType.SET)))).all().get());
    Check.fails(InvalidConfigurationException.class, "incrementalAlterConfigs with an unknown name",
        () -> admin.incrementalAlterConfigs(Map.of(res, List.of(
            new AlterConfigOp(new ConfigEntry("no.such.config", "1"), AlterConfigOp.OpType.SET)))).all().get());
    Check.eq("7200000", describe(admin, res).get("retention.ms").value(), "a refused alter changes nothing");
    ConfigResource missing = new ConfigResource(ConfigResource.Type.TOPIC, topic + "-missing");
    Check.fails(UnknownTopicOrPartitionException.class, "describeConfigs of a missing topic",
        () -> describe(admin, missing));

    String node = String.valueOf(admin.describeCluster().nodes().get().iterator().next().id());
    Config b = describe(admin, new ConfigResource(ConfigResource.Type.BROKER, node));
    Check.that(b.get("log.retention.hours") != null, "describeConfigs broker", "log.retention.hours is not described");
    Check.that(b.get("num.partitions") != null, "describeConfigs broker", "num.partitions is not described");
    Check.ok("describeConfigs broker " + node, b.entries().size() + " entries");
  }
}
