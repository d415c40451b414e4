// BrokerViews: topics and records (groups in broker_groups.cc).
#include "evpipe/console/broker_views.h"

#include <algorithm>
#include <vector>

#include "evpipe/console/broker_views_internal.h"
#include "evpipe/core/clock.h"
#include "evpipe/core/json_writer.h"
#include "evpipe/io/file_system.h"
#include "evpipe/kafka/consumer.h"
#include "evpipe/kafka/record_json.h"

namespace evpipe::console {

Deadline::Deadline(int timeout_ms) : end_us_(MonotonicMicros() + int64_t{timeout_ms} * 1000) {}

int Deadline::RemainingMs() const {
  int64_t left = (end_us_ - MonotonicMicros()) / 1000;
  return static_cast<int>(std::max<int64_t>(left, 0));
}

Result<std::unique_ptr<kafka::Admin>> ConnectAdmin(const ConsoleOptions& options, const Deadline& deadline) {
  EVPIPE_ASSIGN_OR_RETURN(kafka::Config config, kafka::AdminConfig(options.bootstrap, options.properties));
  EVPIPE_RETURN_IF_ERROR(config.Set("client.id", "evpipe-console"));
  EVPIPE_ASSIGN_OR_RETURN(std::unique_ptr<kafka::Admin> admin, kafka::Admin::Create(std::move(config)));
  EVPIPE_RETURN_IF_ERROR(admin->client().WaitForBroker(std::max(deadline.RemainingMs(), 1)));
  return admin;
}

namespace {

// Bytes of a partition's segment files in evpipe broker's data dir
// (docs/formats/broker_storage.md: logs/<topic>-<partition>/*.log); -1 when unknown.
int64_t PartitionBytesOnDisk(const std::string& data_dir, const std::string& topic, int32_t partition) {
  if (data_dir.empty()) return -1;
  io::FileSystem& fs = io::FileSystem::Default();
  const std::string dir = io::JoinPath(io::JoinPath(data_dir, "logs"), topic + "-" + std::to_string(partition));
  auto entries = fs.ListDir(dir);
  if (!entries.ok()) return -1;
  int64_t bytes = 0;
  for (const io::DirEntry& e : *entries) {
    if (!e.is_dir && e.name.size() > 4 && e.name.compare(e.name.size() - 4, 4, ".log") == 0) {
      bytes += static_cast<int64_t>(e.size);
    }
  }
  return bytes;
}

void NullableInt(JsonWriter& w, std::string_view key, int64_t v) {
  if (v < 0) w.Key(key).Null();
  else w.Field(key, v);
}

}  // namespace

Watermarks QueryWatermarks(kafka::Client& client, const std::string& topic, int32_t partition,
                           const Deadline& deadline) {
  Watermarks out;
  int timeout = deadline.RemainingMs();
  if (timeout <= 0) {
    out.error = "no time left to ask the broker";
    return out;
  }
  auto wm = client.QueryWatermarks(topic, partition, timeout);
  if (!wm.ok()) {
    out.error = wm.status().message();
    return out;
  }
  out.low = wm->low;
  out.high = wm->high;
  return out;
}

ApiResponse BrokerViews::Topics() const {
  Deadline deadline(options_.broker_timeout_ms);
  auto admin = ConnectAdmin(options_, deadline);
  if (!admin.ok()) return ErrorResponse(admin.status());
  kafka::Client& client = (*admin)->client();
  auto md = client.Metadata(std::max(deadline.RemainingMs(), 1));
  if (!md.ok()) return ErrorResponse(md.status());
  // Watermarks get a fresh budget: the connect may have used most of the first.
  Deadline offsets_deadline(options_.broker_timeout_ms);
  const bool sizes = !options_.broker_data_dir.empty() &&
                     io::FileSystem::Default().Exists(io::JoinPath(options_.broker_data_dir, "logs"));

  JsonWriter w;
  w.BeginObject().Field("bootstrap", options_.bootstrap);
  if (sizes) w.Field("sizes_from", options_.broker_data_dir);
  else w.Key("sizes_from").Null();
  w.Key("brokers").BeginArray();
  for (const kafka::BrokerMetadata& b : md->brokers) {
    w.BeginObject().Field("id", b.id).Field("host", b.host).Field("port", b.port).EndObject();
  }
  w.EndArray();
  w.Key("topics").BeginArray();
  for (const kafka::TopicMetadata& t : md->topics) {
    w.BeginObject().Field("topic", t.name);
    if (t.error != RD_KAFKA_RESP_ERR_NO_ERROR) w.Field("error", kafka::ErrorText(t.error));
    else w.Key("error").Null();
    int64_t records = 0, bytes = sizes ? 0 : -1;
    bool complete = true;
    w.Key("partitions").BeginArray();
    for (const kafka::PartitionMetadata& p : t.partitions) {
      Watermarks wm = QueryWatermarks(client, t.name, p.id, offsets_deadline);
      int64_t size = sizes ? PartitionBytesOnDisk(options_.broker_data_dir, t.name, p.id) : -1;
      w.BeginObject().Field("partition", p.id).Field("leader", p.leader);
      NullableInt(w, "log_start", wm.low);
      NullableInt(w, "log_end", wm.high);
      NullableInt(w, "records", wm.error.empty() ? wm.high - wm.low : -1);
      NullableInt(w, "bytes", size);
      if (wm.error.empty()) w.Key("error").Null();
      else w.Field("error", "offsets: " + wm.error);
      w.EndObject();
      if (wm.error.empty()) records += wm.high - wm.low;
      else complete = false;
      if (bytes >= 0 && size >= 0) bytes += size;
    }
    w.EndArray();
    w.Field("partition_count", static_cast<int64_t>(t.partitions.size()));
    w.Field("replication", static_cast<int64_t>(t.partitions.empty() ? 0 : t.partitions[0].replicas.size()));
    NullableInt(w, "records", complete ? records : -1);
    NullableInt(w, "bytes", bytes);
    w.EndObject();
  }
  w.EndArray().EndObject();
  return {200, w.Take()};
}

ApiResponse BrokerViews::Records(const std::string& topic, int32_t partition, std::optional<int64_t> offset,
                                 int limit) const {
  if (topic.empty()) return ErrorResponse(Status::InvalidArgument("topic= is required"));
  if (partition < 0) return ErrorResponse(Status::InvalidArgument("partition= must be 0 or more"));
  if (limit < 1 || limit > kMaxRecordLimit) {
    return ErrorResponse(Status::InvalidArgument("limit= must be 1 to " + std::to_string(kMaxRecordLimit)));
  }
  if (offset && *offset < 0) return ErrorResponse(Status::InvalidArgument("offset= must be 0 or more"));
  Deadline deadline(options_.broker_timeout_ms);
  auto admin = ConnectAdmin(options_, deadline);
  if (!admin.ok()) return ErrorResponse(admin.status());
  auto md = (*admin)->client().DescribeTopic(topic, std::max(deadline.RemainingMs(), 1));
  if (!md.ok()) return ErrorResponse(md.status());
  if (partition >= static_cast<int32_t>(md->partitions.size())) {
    return ErrorResponse(Status::NotFound("topic " + topic + " has " + std::to_string(md->partitions.size()) +
                                          " partitions; there is no partition " + std::to_string(partition)));
  }
  Deadline read_deadline(options_.broker_timeout_ms);
  Watermarks wm = QueryWatermarks((*admin)->client(), topic, partition, read_deadline);
  if (!wm.error.empty()) {
    return ErrorResponse(Status::Unavailable("topic=" + topic + " partition=" + std::to_string(partition) +
                                             ": offsets: " + wm.error));
  }
  const int64_t from = offset ? std::clamp(*offset, wm.low, wm.high) : std::max(wm.low, wm.high - limit);

  JsonWriter w;
  w.BeginObject().Field("topic", topic).Field("partition", partition).Field("log_start", wm.low)
      .Field("log_end", wm.high).Field("from", from);
  std::vector<std::string> notes;
  if (offset && *offset != from) {
    notes.push_back("offset " + std::to_string(*offset) + " is outside the partition [" + std::to_string(wm.low) +
                    ", " + std::to_string(wm.high) + "); showing from " + std::to_string(from));
  }
  int64_t next = from;
  bool partial = false;
  w.Key("records").BeginArray();
  if (from < wm.high) {
    kafka::ConsumeOptions copts;
    copts.topic = topic;
    copts.partition = partition;
    copts.start_offset = from;
    copts.exit_at_end = true;
    auto config = kafka::ConsumerConfig(options_.bootstrap, copts, options_.properties);
    if (!config.ok()) return ErrorResponse(config.status());
    if (Status s = config->Set("client.id", "evpipe-console"); !s.ok()) return ErrorResponse(s);
    auto consumer = kafka::Consumer::Create(std::move(*config), copts);
    if (!consumer.ok()) return ErrorResponse(consumer.status());
    if (Status s = (*consumer)->Start(std::max(read_deadline.RemainingMs(), 1)); !s.ok()) return ErrorResponse(s);
    kafka::MessageBatch batch;
    std::string line;
    int n = 0;
    while (n < limit && !(*consumer)->AtEnd()) {
      int wait = std::min(read_deadline.RemainingMs(), 100);
      if (wait <= 0) {
        partial = true;
        break;
      }
      Status s = (*consumer)->Poll(batch, static_cast<size_t>(limit - n), wait);
      if (!s.ok()) return ErrorResponse(s);
      for (size_t i = 0; i < batch.size() && n < limit; ++i) {
        const rd_kafka_message_t& m = batch[i];
        if (m.offset < from) continue;
        line.clear();
        kafka::AppendRecordJson(kafka::ViewOf(m), &line);
        if (!line.empty() && line.back() == '\n') line.pop_back();
        w.Raw(line);
        next = m.offset + 1;
        ++n;
      }
      batch.Clear();
    }
  }
  w.EndArray();
  w.Field("next_offset", next).Field("partial", partial);
  if (partial) notes.push_back("the broker did not send every record in time; showing what came");
  w.Key("notes").BeginArray();
  for (const std::string& n : notes) w.String(n);
  w.EndArray().EndObject();
  return {200, w.Take()};
}

}  // namespace evpipe::console
