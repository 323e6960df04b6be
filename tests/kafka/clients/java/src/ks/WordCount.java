package ks;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Produced;

/**
 * The Kafka Streams word count: lines from --input, per-word counts to
 * --output (the word as key, the count as a decimal string). Settings are
 * Kafka Streams' defaults (at-least-once, a 30 s commit interval) except
 * the two every application must give (application.id, bootstrap.servers)
 * and state.dir, a directory of the test's own so runs do not share state.
 * Counting by word repartitions the stream, so Streams creates a
 * repartition topic and a changelog topic with configs of its own, and
 * purges the repartition topic with DeleteRecords.
 *
 * Prints {"state":"..."} on every state change; runs until --stop-file
 * exists (then closes, which commits), or fails after --max-seconds.
 *
 *   WordCount --broker H:P --app ID --input T --output T --state-dir DIR
 *             --stop-file PATH [--max-seconds N] [--prop k=v]...
 */
public final class WordCount {
  public static void main(String[] argv) throws Exception {
    Args a = new Args(argv, 0);
    Properties p = a.clientProps();
    p.put("application.id", a.get("app"));
    p.put("state.dir", a.get("state-dir"));
    Path stop = Path.of(a.get("stop-file"));
    long deadline = System.nanoTime() + a.getLong("max-seconds", 120) * 1_000_000_000L;

    StreamsBuilder b = new StreamsBuilder();
    b.stream(a.get("input"), Consumed.with(Serdes.String(), Serdes.String()))
        .flatMapValues(line -> Arrays.asList(line.toLowerCase(Locale.ROOT).split("\\W+")))
        .filter((k, word) -> !word.isEmpty())
        .groupBy((k, word) -> word, Grouped.with(Serdes.String(), Serdes.String()))
        .count()
        .toStream()
        .mapValues(String::valueOf)
        .to(a.get("output"), Produced.with(Serdes.String(), Serdes.String()));

    int rc = 0;
    KafkaStreams streams = new KafkaStreams(b.build(), p);
    streams.setStateListener((now, before) -> {
      System.out.println("{\"state\":\"" + now + "\"}");
      System.out.flush();
    });
    streams.setUncaughtExceptionHandler(e -> {
      System.err.println("WordCount: " + e);
      return org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
    });
    streams.start();
    while (!Files.exists(stop)) {
      if (System.nanoTime() > deadline) {
        System.err.println("WordCount: --max-seconds reached in state " + streams.state());
        rc = 3;
        break;
      }
      if (streams.state() == KafkaStreams.State.ERROR || streams.state() == KafkaStreams.State.NOT_RUNNING) {
        System.err.println("WordCount: stopped on its own in state " + streams.state());
        rc = 1;
        break;
      }
      Thread.sleep(100);
    }
    if (!streams.close(Duration.ofSeconds(60))) {
      System.err.println("WordCount: close timed out");
      rc = rc == 0 ? 1 : rc;
    }
    System.exit(rc);
  }
}
