package ks;

import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.apache.kafka.common.serialization.StringSerializer;

/** listOffsets (earliest, latest, by timestamp, max timestamp); deleteRecords. */
final class AdminRecords {
  private AdminRecords() {}

  static final long BASE = 1_700_000_000_000L;

  static ListOffsetsResultInfo list(Admin admin, TopicPartition tp, OffsetSpec spec) throws Exception {
    return admin.listOffsets(Map.of(tp, spec)).partitionResult(tp).get();
  }

  /** The topic with ten records, timestamps BASE + 1000*i except offset 6, the newest. */
  static TopicPartition fill(Admin admin, Properties client, String topic) throws Exception {
    ks.Admin.create(admin, topic, 1, List.of());
    TopicPartition tp = new TopicPartition(topic, 0);
    // The producer turns idempotence off so that this scenario does not
    // depend on InitProducerId (the producer scenario covers that).
    Properties p = new Properties();
    p.putAll(client);
    p.put("enable.idempotence", "false");
    p.put("key.serializer", StringSerializer.class.getName());
    p.put("value.serializer", StringSerializer.class.getName());
    try (KafkaProducer<String, String> prod = new KafkaProducer<>(p)) {
      for (int i = 0; i < 10; i++) {
        long ts = i == 6 ? BASE + 50_000 : BASE + 1000L * i;
        prod.send(new ProducerRecord<>(topic, 0, ts, "k" + i, "v" + i)).get();
      }
    }
    Check.ok("produce", "10 records with timestamps");
    return tp;
  }

  static void offsets(Admin admin, Properties client, String topic) throws Exception {
    TopicPartition tp = fill(admin, client, topic);

    Check.eq(0L, list(admin, tp, OffsetSpec.earliest()).offset(), "listOffsets earliest");
    Check.eq(10L, list(admin, tp, OffsetSpec.latest()).offset(), "listOffsets latest");
    ListOffsetsResultInfo byTs = list(admin, tp, OffsetSpec.forTimestamp(BASE + 2500));
    Check.eq(3L, byTs.offset(), "listOffsets forTimestamp(BASE+2500) offset");
    Check.eq(BASE + 3000, byTs.timestamp(), "listOffsets forTimestamp(BASE+2500) timestamp");
    ListOffsetsResultInfo exact = list(admin, tp, OffsetSpec.forTimestamp(BASE + 4000));
    Check.eq(4L, exact.offset(), "listOffsets forTimestamp(BASE+4000) offset");
    Check.eq(BASE + 4000, exact.timestamp(), "listOffsets forTimestamp(BASE+4000) timestamp");
    ListOffsetsResultInfo after = list(admin, tp, OffsetSpec.forTimestamp(BASE + 60_000));
    Check.eq(-1L, after.offset(), "listOffsets forTimestamp after the newest record");
    ListOffsetsResultInfo max = list(admin, tp, OffsetSpec.maxTimestamp());
    Check.eq(6L, max.offset(), "listOffsets maxTimestamp offset");
    Check.eq(BASE + 50_000, max.timestamp(), "listOffsets maxTimestamp timestamp");
    Check.ok("listOffsets", "earliest 0, latest 10, forTimestamp 3 and 4, none after, max at 6");
  }

  static void deleteRecords(Admin admin, Properties client, String topic) throws Exception {
    TopicPartition tp = fill(admin, client, topic);

    long low = admin.deleteRecords(Map.of(tp, RecordsToDelete.beforeOffset(4))).lowWatermarks().get(tp).get().lowWatermark();
    Check.eq(4L, low, "deleteRecords before 4: low watermark");
    Check.eq(4L, list(admin, tp, OffsetSpec.earliest()).offset(), "listOffsets earliest after deleteRecords");
    Check.eq(10L, list(admin, tp, OffsetSpec.latest()).offset(), "listOffsets latest after deleteRecords");
    Check.eq(4L, list(admin, tp, OffsetSpec.forTimestamp(BASE)).offset(), "listOffsets forTimestamp(BASE) after deleteRecords");
    Check.ok("deleteRecords", "log start 4");
    low = admin.deleteRecords(Map.of(tp, RecordsToDelete.beforeOffset(2))).lowWatermarks().get(tp).get().lowWatermark();
    Check.eq(4L, low, "deleteRecords before an offset already deleted: low watermark stays");
    low = admin.deleteRecords(Map.of(tp, RecordsToDelete.beforeOffset(-1))).lowWatermarks().get(tp).get().lowWatermark();
    Check.eq(10L, low, "deleteRecords before -1 (the high watermark)");
    Check.fails(OffsetOutOfRangeException.class, "deleteRecords beyond the high watermark",
        () -> admin.deleteRecords(Map.of(tp, RecordsToDelete.beforeOffset(11))).all().get());
    Check.eq(10L, list(admin, tp, OffsetSpec.earliest()).offset(), "listOffsets earliest after deleting all");
  }
}
