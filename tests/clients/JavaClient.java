// The Java reference client (org.apache.kafka:kafka-clients) against a Kafka
// broker, the same three commands as the other clients of tests/clients:
//
//   produce TOPIC N        idempotent KafkaProducer, acks=all, keyed records with headers
//   dump OUT TOPIC...      every record of the topics as canonical JSON lines, sorted
//   group TOPIC GROUP N    a KafkaConsumer in a group reads N records and commitSync()s;
//                          Admin lists the end offsets, describes the group while the
//                          member is in it, and reads the committed offsets back
//
// The broker is $KAFKA_BOOTSTRAP. Compiled and run from local jars only
// (tests/clients/java_client.sh).
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

public final class JavaClient {
  private static final String BOOTSTRAP = System.getenv("KAFKA_BOOTSTRAP");

  private static void fail(String msg) {
    System.err.println("java_client: " + msg);
    System.exit(1);
  }

  private static Properties base() {
    Properties p = new Properties();
    p.put("bootstrap.servers", BOOTSTRAP);
    p.put("client.id", "evpipe-java-test");
    return p;
  }

  private static void produce(String topic, int n) throws Exception {
    Properties p = base();
    p.put("enable.idempotence", "true");
    p.put("acks", "all");
    p.put("linger.ms", "5");
    p.put("key.serializer", ByteArraySerializer.class.getName());
    p.put("value.serializer", ByteArraySerializer.class.getName());
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
      List<Future<RecordMetadata>> acks = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(topic, utf8("k" + i),
            utf8("java value " + i + " \u2713 \"q\" tab\there"));
        r.headers().add("client", utf8("java")).add("n", utf8(Integer.toString(i)));
        acks.add(producer.send(r));
      }
      producer.flush();
      for (Future<RecordMetadata> f : acks) f.get(30, TimeUnit.SECONDS);
    }
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  // A JSON string as Python's json.dumps(ensure_ascii=False) writes it.
  private static String jstr(byte[] b) {
    if (b == null) return "null";
    String s = new String(b, StandardCharsets.UTF_8);
    StringBuilder out = new StringBuilder("\"");
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"': out.append("\\\""); break;
        case '\\': out.append("\\\\"); break;
        case '\n': out.append("\\n"); break;
        case '\r': out.append("\\r"); break;
        case '\t': out.append("\\t"); break;
        case '\b': out.append("\\b"); break;
        case '\f': out.append("\\f"); break;
        default:
          if (c < 0x20) out.append(String.format("\\u%04x", (int) c));
          else out.append(c);
      }
    }
    return out.append('"').toString();
  }

  private static String canonical(ConsumerRecord<byte[], byte[]> r) {
    StringBuilder h = new StringBuilder("[");
    for (Header x : r.headers()) {
      if (h.length() > 1) h.append(',');
      h.append('[').append(jstr(utf8(x.key()))).append(',').append(jstr(x.value())).append(']');
    }
    h.append(']');
    return "{\"headers\":" + h + ",\"key\":" + jstr(r.key()) + ",\"offset\":" + r.offset()
        + ",\"partition\":" + r.partition() + ",\"topic\":" + jstr(utf8(r.topic())) + ",\"value\":"
        + jstr(r.value()) + "}\n";
  }

  private static KafkaConsumer<byte[], byte[]> consumer(String group) {
    Properties p = base();
    if (group != null) p.put("group.id", group);
    p.put("enable.auto.commit", "false");
    p.put("auto.offset.reset", "earliest");
    p.put("key.deserializer", ByteArrayDeserializer.class.getName());
    p.put("value.deserializer", ByteArrayDeserializer.class.getName());
    return new KafkaConsumer<>(p);
  }

  private static Map<TopicPartition, Long> offsets(Admin admin, List<String> topics, OffsetSpec spec)
      throws Exception {
    Map<TopicPartition, OffsetSpec> req = new HashMap<>();
    for (var d : admin.describeTopics(topics).allTopicNames().get(30, TimeUnit.SECONDS).values()) {
      for (var part : d.partitions()) req.put(new TopicPartition(d.name(), part.partition()), spec);
    }
    Map<TopicPartition, Long> out = new HashMap<>();
    for (Map.Entry<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> e :
        admin.listOffsets(req).all().get(30, TimeUnit.SECONDS).entrySet()) {
      out.put(e.getKey(), e.getValue().offset());
    }
    return out;
  }

  private static void dump(String out, List<String> topics) throws Exception {
    Map<TopicPartition, Long> start;
    Map<TopicPartition, Long> end;
    try (Admin admin = Admin.create(base())) {
      start = offsets(admin, topics, OffsetSpec.earliest());
      end = offsets(admin, topics, OffsetSpec.latest());
    }
    long total = 0;
    for (var e : end.entrySet()) total += e.getValue() - start.get(e.getKey());
    List<String> lines = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> c = consumer(null)) {
      c.assign(end.keySet());
      c.seekToBeginning(end.keySet());
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
      while (lines.size() < total) {
        if (System.nanoTime() > deadline) fail("dump: " + lines.size() + " of " + total + " records after 40 s");
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) lines.add(canonical(r));
      }
    }
    Collections.sort(lines);
    Files.writeString(Path.of(out), String.join("", lines), StandardCharsets.UTF_8);
  }

  private static void group(String topic, String group, int n) throws Exception {
    try (KafkaConsumer<byte[], byte[]> c = consumer(group); Admin admin = Admin.create(base())) {
      c.subscribe(List.of(topic));
      int seen = 0;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
      while (seen < n) {
        if (System.nanoTime() > deadline) fail("group: read " + seen + " of " + n + " records after 40 s");
        ConsumerRecords<byte[], byte[]> recs = c.poll(Duration.ofMillis(500));
        seen += recs.count();
      }
      if (seen != n) fail("group: read " + seen + " records, want " + n);
      c.commitSync(Duration.ofSeconds(30));
      ConsumerGroupDescription d =
          admin.describeConsumerGroups(List.of(group)).all().get(30, TimeUnit.SECONDS).get(group);
      if (d.groupState() != GroupState.STABLE || d.members().size() != 1) {
        fail("group: described " + d.groupState() + " with " + d.members().size() + " members; want STABLE, 1");
      }
      var assigned = d.members().iterator().next().assignment().topicPartitions();
      if (assigned.isEmpty() || !assigned.stream().allMatch(tp -> tp.topic().equals(topic))) {
        fail("group: the member's assignment is " + assigned);
      }
      Map<TopicPartition, Long> end = offsets(admin, List.of(topic), OffsetSpec.latest());
      Map<TopicPartition, OffsetAndMetadata> committed =
          admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
      long sum = 0;
      for (var e : end.entrySet()) {
        OffsetAndMetadata o = committed.get(e.getKey());
        if (o == null || o.offset() != e.getValue()) {
          fail("group: committed " + o + " for " + e.getKey() + ", want " + e.getValue());
        }
        sum += o.offset();
      }
      if (sum != n) fail("group: committed offsets sum " + sum + ", want " + n);
    }
  }

  public static void main(String[] args) throws Exception {
    if (BOOTSTRAP == null || args.length < 3) {
      fail("usage: KAFKA_BOOTSTRAP=host:port JavaClient produce TOPIC N | dump OUT TOPIC... | group TOPIC GROUP N");
    }
    switch (args[0]) {
      case "produce": produce(args[1], Integer.parseInt(args[2])); break;
      case "dump": dump(args[1], List.of(args).subList(2, args.length)); break;
      case "group": group(args[1], args[2], Integer.parseInt(args[3])); break;
      default: fail("unknown command " + args[0]);
    }
  }
}
