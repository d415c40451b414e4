// Committed group offsets: an fsynced append-only file of records, compacted by rewrite.
#include "evpipe/broker/storage/offset_store.h"

#include <cstring>

#include "evpipe/broker/storage/byte_io.h"
#include "evpipe/broker/batch/crc32c.h"
#include "evpipe/core/clock.h"
#include "evpipe/core/logging.h"
#include "fmt/core.h"

namespace evpipe::broker::storage {
namespace {

enum RecordType : uint8_t { kCommitRecord = 1, kDeleteGroupRecord = 2, kDeleteTopicRecord = 3 };
constexpr uint32_t kMaxRecordBytes = 16 << 20;
constexpr size_t kCompactMinRecords = 4096;

void PutString(std::string& out, std::string_view s) {
  Put<uint32_t>(out, static_cast<uint32_t>(s.size()));
  out.append(s);
}
bool GetString(std::string_view& in, std::string* s) {
  uint32_t n = 0;
  if (!Get(in, &n) || in.size() < n) return false;
  s->assign(in.data(), n);
  in.remove_prefix(n);
  return true;
}

// [u32 payload length][u32 CRC-32C of payload][payload]
void Frame(std::string& out, const std::string& payload) {
  Put<uint32_t>(out, static_cast<uint32_t>(payload.size()));
  Put<uint32_t>(out, batch::Crc32c(payload));
  out += payload;
}

std::string CommitPayload(const std::string& group, const std::string& topic, int32_t partition,
                          const CommittedOffset& c) {
  std::string p;
  Put<uint8_t>(p, kCommitRecord);
  PutString(p, group);
  PutString(p, topic);
  Put<int32_t>(p, partition);
  Put<int64_t>(p, c.offset);
  Put<int32_t>(p, c.leader_epoch);
  Put<int64_t>(p, c.commit_timestamp_ms);
  PutString(p, c.metadata);
  return p;
}

}  // namespace

OffsetStore::OffsetStore(io::FileSystem& fs, std::string path) : fs_(fs), path_(std::move(path)) {}

OffsetStore::~OffsetStore() { (void)Close(); }

Result<std::unique_ptr<OffsetStore>> OffsetStore::Open(io::FileSystem& fs, std::string path) {
  std::unique_ptr<OffsetStore> store(new OffsetStore(fs, std::move(path)));
  EVPIPE_RETURN_IF_ERROR(store->Load().WithContext("offset store " + store->path_));
  return store;
}

Status OffsetStore::Load() {
  std::lock_guard<std::mutex> lock(mu_);
  EVPIPE_RETURN_IF_ERROR(fs_.CreateDirs(io::DirName(path_)));
  auto data = fs_.ReadFile(path_);
  if (!data.ok() && data.status().code() != StatusCode::kNotFound) return data.status();
  std::string_view in = data.ok() ? std::string_view(*data) : std::string_view();
  const size_t total = in.size();
  size_t good = 0;
  std::string why;
  while (!in.empty()) {
    uint32_t len = 0;
    uint32_t crc = 0;
    std::string_view rec = in;
    if (!Get(rec, &len) || !Get(rec, &crc) || len > kMaxRecordBytes || rec.size() < len) {
      why = "torn record";
      break;
    }
    std::string_view payload = rec.substr(0, len);
    if (batch::Crc32c(payload) != crc) {
      why = "CRC-32C mismatch";
      break;
    }
    uint8_t type = 0;
    std::string group, topic;
    bool ok = Get(payload, &type) && GetString(payload, &group);
    if (ok && type == kCommitRecord) {
      int32_t partition = 0;
      CommittedOffset c;
      ok = GetString(payload, &topic) && Get(payload, &partition) && Get(payload, &c.offset) &&
           Get(payload, &c.leader_epoch) && Get(payload, &c.commit_timestamp_ms) && GetString(payload, &c.metadata);
      if (ok) offsets_[{group, topic, partition}] = std::move(c);
    } else if (ok && type == kDeleteGroupRecord) {
      for (auto it = offsets_.lower_bound({group, "", INT32_MIN}); it != offsets_.end() && std::get<0>(it->first) == group;)
        it = offsets_.erase(it);
    } else if (ok && type == kDeleteTopicRecord) {
      // `group` holds the topic name in this record.
      for (auto it = offsets_.begin(); it != offsets_.end();) {
        it = std::get<1>(it->first) == group ? offsets_.erase(it) : std::next(it);
      }
    } else {
      ok = false;
    }
    if (!ok) {
      why = "malformed record";
      break;
    }
    ++records_;
    size_t used = 8 + len;
    good += used;
    in.remove_prefix(used);
  }
  if (good < total) {
    log::Warn("recovery: {}: {} at position {}; truncated to the last good record, cutting {} bytes", path_, why,
              good, total - good);
    EVPIPE_RETURN_IF_ERROR(fs_.Truncate(path_, good));
  }
  EVPIPE_ASSIGN_OR_RETURN(auto f, fs_.OpenAppendable(path_));
  file_ = std::move(f);
  EVPIPE_RETURN_IF_ERROR(file_->Sync());
  EVPIPE_RETURN_IF_ERROR(fs_.SyncDir(io::DirName(path_)));
  file_bytes_ = good;
  return Status::Ok();
}

Status OffsetStore::AppendLocked(const std::string& data, size_t records) {
  if (!poisoned_.ok()) return poisoned_;
  if (!file_) return Status::Unavailable("offset store " + path_ + " is closed");
  Status s = file_->Append(data);
  if (s.ok()) s = file_->Flush();
  if (!s.ok()) {
    file_.reset();
    Status t = fs_.Truncate(path_, file_bytes_);
    if (t.ok()) {
      auto f = fs_.OpenAppendable(path_);
      if (f.ok()) file_ = std::move(f).value();
      else t = f.status();
    }
    if (!t.ok()) poisoned_ = Status(s.code(), "offset store: a failed write could not be rolled back: " + t.message());
    return s.WithContext("offset store");
  }
  s = file_->Sync();
  if (!s.ok()) {
    poisoned_ = Status(s.code(), "offset store: an fsync failed, commits refused until restart: " + s.message());
    log::Error("{}", poisoned_.message());
    return s.WithContext("offset store");
  }
  file_bytes_ += data.size();
  records_ += records;
  return Status::Ok();
}

Status OffsetStore::Commit(const std::string& group, const std::vector<OffsetCommitEntry>& entries) {
  if (entries.empty()) return Status::Ok();
  const int64_t now = NowMicros() / 1000;
  std::string data;
  std::vector<CommittedOffset> stamped;
  stamped.reserve(entries.size());
  for (const OffsetCommitEntry& e : entries) {
    CommittedOffset c = e.committed;
    if (c.commit_timestamp_ms <= 0) c.commit_timestamp_ms = now;
    Frame(data, CommitPayload(group, e.topic, e.partition, c));
    stamped.push_back(std::move(c));
  }
  std::lock_guard<std::mutex> lock(mu_);
  EVPIPE_RETURN_IF_ERROR(AppendLocked(data, entries.size()));
  for (size_t i = 0; i < entries.size(); ++i) offsets_[{group, entries[i].topic, entries[i].partition}] = std::move(stamped[i]);
  if (records_ > kCompactMinRecords && records_ > 2 * offsets_.size()) {
    Status s = CompactLocked();
    if (!s.ok()) log::Warn("offset store: compaction failed (commits stay in the log): {}", s.ToString());
  }
  return Status::Ok();
}

Status OffsetStore::Commit(const std::string& group, const std::string& topic, int32_t partition, int64_t offset,
                           const std::string& metadata, int32_t leader_epoch) {
  OffsetCommitEntry e;
  e.topic = topic;
  e.partition = partition;
  e.committed.offset = offset;
  e.committed.metadata = metadata;
  e.committed.leader_epoch = leader_epoch;
  return Commit(group, std::vector<OffsetCommitEntry>{e});
}

CommittedOffset OffsetStore::Fetch(const std::string& group, const std::string& topic, int32_t partition) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = offsets_.find({group, topic, partition});
  return it == offsets_.end() ? CommittedOffset{} : it->second;
}

std::map<std::pair<std::string, int32_t>, CommittedOffset> OffsetStore::FetchAll(const std::string& group) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::map<std::pair<std::string, int32_t>, CommittedOffset> out;
  for (auto it = offsets_.lower_bound({group, "", INT32_MIN}); it != offsets_.end() && std::get<0>(it->first) == group;
       ++it) {
    out[{std::get<1>(it->first), std::get<2>(it->first)}] = it->second;
  }
  return out;
}

std::vector<std::string> OffsetStore::Groups() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> out;
  for (const auto& [key, c] : offsets_) {
    if (out.empty() || out.back() != std::get<0>(key)) out.push_back(std::get<0>(key));
  }
  return out;
}

Status OffsetStore::DeleteGroup(const std::string& group) {
  std::string p;
  Put<uint8_t>(p, kDeleteGroupRecord);
  PutString(p, group);
  std::string data;
  Frame(data, p);
  std::lock_guard<std::mutex> lock(mu_);
  EVPIPE_RETURN_IF_ERROR(AppendLocked(data, 1));
  for (auto it = offsets_.lower_bound({group, "", INT32_MIN}); it != offsets_.end() && std::get<0>(it->first) == group;)
    it = offsets_.erase(it);
  return Status::Ok();
}

Status OffsetStore::DeleteTopic(const std::string& topic) {
  std::string p;
  Put<uint8_t>(p, kDeleteTopicRecord);
  PutString(p, topic);
  std::string data;
  Frame(data, p);
  std::lock_guard<std::mutex> lock(mu_);
  EVPIPE_RETURN_IF_ERROR(AppendLocked(data, 1));
  for (auto it = offsets_.begin(); it != offsets_.end();) {
    it = std::get<1>(it->first) == topic ? offsets_.erase(it) : std::next(it);
  }
  return Status::Ok();
}

Status OffsetStore::CompactLocked() {
  if (!poisoned_.ok()) return poisoned_;
  std::string data;
  for (const auto& [key, c] : offsets_) Frame(data, CommitPayload(std::get<0>(key), std::get<1>(key), std::get<2>(key), c));
  // The old file stays complete until the rename, so a crash loses nothing.
  EVPIPE_RETURN_IF_ERROR(io::WriteFileAtomically(fs_, path_, data));
  file_.reset();
  auto f = fs_.OpenAppendable(path_);
  if (!f.ok()) {
    poisoned_ = f.status();
    return f.status();
  }
  file_ = std::move(f).value();
  file_bytes_ = data.size();
  log::Debug("offset store: compacted {} records to {}", records_, offsets_.size());
  records_ = offsets_.size();
  return Status::Ok();
}

Status OffsetStore::Compact() {
  std::lock_guard<std::mutex> lock(mu_);
  return CompactLocked();
}

Status OffsetStore::Close() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!file_) return Status::Ok();
  Status s = file_->Close();
  file_.reset();
  return s;
}

}  // namespace evpipe::broker::storage
