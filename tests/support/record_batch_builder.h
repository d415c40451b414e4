// Builds and decodes Kafka record batches (magic v2, uncompressed) for tests of
// the broker's storage and protocol. Not a client: no compression, no validation
// beyond what a test needs to fail loudly.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace evpipe::testing {

struct TestRecord {
  std::optional<std::string> key;
  std::optional<std::string> value;
  std::vector<std::pair<std::string, std::optional<std::string>>> headers;
  int64_t timestamp_delta = 0;  // added to BatchOptions::base_timestamp
};

struct BatchOptions {
  int64_t base_offset = 0;
  int64_t base_timestamp = 1700000000000;
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  int32_t base_sequence = -1;
  int16_t attributes = 0;  // compression bits must stay 0
  int32_t partition_leader_epoch = -1;
};

// One whole batch, CRC-32C filled in.
std::string BuildRecordBatch(const std::vector<TestRecord>& records, const BatchOptions& options = {});
// The same batch with its records area compressed by `codec` (batch::kCodecGzip,
// kCodecSnappy (raw, or xerial-framed when `xerial`), kCodecLz4 (LZ4 frame),
// kCodecZstd), attributes and CRC updated, as a producer would send it.
std::string CompressRecordBatch(std::string_view batch, int codec, bool xerial = false);
// `n` records with values "<prefix><i>" and keys "k<i>".
std::string BuildSimpleBatch(int n, const std::string& prefix = "v", const BatchOptions& options = {});

struct DecodedRecord {
  int64_t offset = 0;
  int64_t timestamp = 0;
  std::optional<std::string> key;
  std::optional<std::string> value;
  std::vector<std::pair<std::string, std::optional<std::string>>> headers;
};

// Decodes every record of a run of whole uncompressed v2 batches (as Fetch
// returns them); throws std::runtime_error on malformed input.
std::vector<DecodedRecord> DecodeRecordBatches(std::string_view data);

}  // namespace evpipe::testing
