// libFuzzer target: one Kafka request frame body (header + body) through the
// broker's decoders, for every supported API and version. Decoding must never
// read out of bounds, crash or allocate without bound; whatever decodes must
// re-encode without trouble (decode and encode come from one description of
// each message, spec/*.json in broker/protocol).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "evpipe/broker/protocol/api.h"
#include "evpipe/broker/protocol/messages.h"
#include "evpipe/broker/batch/record_batch.h"

namespace kp = evpipe::kafka_protocol;

namespace {

template <typename T>
void DecodeAndReencode(kp::Reader& r, int16_t v) {
  T msg;
  if (msg.Decode(r, v)) {
    kp::Writer w;
    msg.Encode(w, v);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  kp::Reader r(input);
  kp::RequestHeader h;
  if (!h.Decode(r)) return 0;
  // Let the input choose any supported version of the API named in the header.
  const kp::ApiSupport* api = kp::FindApi(h.api_key);
  if (api == nullptr) return 0;
  int16_t span = static_cast<int16_t>(api->max_version - api->min_version + 1);
  int16_t v = static_cast<int16_t>(api->min_version + (static_cast<uint16_t>(h.api_version) % span));
  switch (api->key) {
    case kp::ApiKey::kProduce: {
      kp::ProduceRequest req;
      if (req.Decode(r, v)) {
        for (const auto& t : req.topics) {
          for (const auto& p : t.partitions) {
            if (p.records) (void)evpipe::broker::batch::SplitBatches(*p.records);
          }
        }
      }
      break;
    }
    case kp::ApiKey::kFetch: DecodeAndReencode<kp::FetchRequest>(r, v); break;
    case kp::ApiKey::kListOffsets: DecodeAndReencode<kp::ListOffsetsRequest>(r, v); break;
    case kp::ApiKey::kMetadata: DecodeAndReencode<kp::MetadataRequest>(r, v); break;
    case kp::ApiKey::kOffsetCommit: DecodeAndReencode<kp::OffsetCommitRequest>(r, v); break;
    case kp::ApiKey::kOffsetFetch: DecodeAndReencode<kp::OffsetFetchRequest>(r, v); break;
    case kp::ApiKey::kFindCoordinator: DecodeAndReencode<kp::FindCoordinatorRequest>(r, v); break;
    case kp::ApiKey::kJoinGroup: DecodeAndReencode<kp::JoinGroupRequest>(r, v); break;
    case kp::ApiKey::kHeartbeat: DecodeAndReencode<kp::HeartbeatRequest>(r, v); break;
    case kp::ApiKey::kLeaveGroup: DecodeAndReencode<kp::LeaveGroupRequest>(r, v); break;
    case kp::ApiKey::kSyncGroup: DecodeAndReencode<kp::SyncGroupRequest>(r, v); break;
    case kp::ApiKey::kDescribeGroups: DecodeAndReencode<kp::DescribeGroupsRequest>(r, v); break;
    case kp::ApiKey::kListGroups: break;
    case kp::ApiKey::kApiVersions: DecodeAndReencode<kp::ApiVersionsRequest>(r, v); break;
    case kp::ApiKey::kCreateTopics: DecodeAndReencode<kp::CreateTopicsRequest>(r, v); break;
    case kp::ApiKey::kDeleteTopics: DecodeAndReencode<kp::DeleteTopicsRequest>(r, v); break;
    case kp::ApiKey::kInitProducerId: DecodeAndReencode<kp::InitProducerIdRequest>(r, v); break;
    case kp::ApiKey::kDescribeConfigs: DecodeAndReencode<kp::DescribeConfigsRequest>(r, v); break;
    case kp::ApiKey::kDeleteGroups: DecodeAndReencode<kp::DeleteGroupsRequest>(r, v); break;
  }
  return 0;
}
