// Writes the interop corpus: Parquet files covering what our writer must get
// right (nulls, empty and long strings, non-ASCII UTF-8, several row groups,
// each codec, dictionary fallback), each with FILE.expected.jsonl holding the
// rows as canonical JSON lines (see canonical.mjs), for check_interop.mjs.
//
//   parquet_interop_writer OUT_DIR [--seed N]
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "evpipe/io/file_system.h"
#include "evpipe/parquet/file_writer.h"

namespace evpipe::parquet {
namespace {

// One row, held as owned values; absent optional = std::nullopt.
struct Value {
  bool null = false;
  std::string s;
  int64_t i = 0;
};
using Row = std::vector<Value>;

// JSON.stringify's escaping (ECMAScript QuoteJSONString) for valid UTF-8.
std::string JsonString(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out += "\"";
  return out;
}

std::string CanonicalLine(const Schema& schema, const Row& row) {
  std::string out = "{";
  for (size_t c = 0; c < schema.columns.size(); ++c) {
    if (c) out += ",";
    out += JsonString(schema.columns[c].name) + ":";
    const Value& v = row[c];
    if (v.null) {
      out += "null";
    } else if (schema.columns[c].physical == PhysicalType::kByteArray) {
      out += JsonString(v.s);
    } else {
      out += std::to_string(v.i);
    }
  }
  return out + "}";
}

// What the file declares, for the metadata checks of check_interop.mjs.
std::string SchemaJson(const Schema& schema, const WriterOptions& options) {
  std::string codec(CodecName(options.codec));
  for (char& ch : codec) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  std::string out = "{\"codec\":\"" + codec + "\",\"statistics_max_bytes\":" +
                    std::to_string(options.statistics_max_bytes) + ",\"columns\":[";
  for (size_t c = 0; c < schema.columns.size(); ++c) {
    const Column& col = schema.columns[c];
    const char* logical = "";
    switch (col.logical) {
      case LogicalType::kNone: logical = "NONE"; break;
      case LogicalType::kString: logical = "STRING"; break;
      case LogicalType::kInt32: logical = "INT32"; break;
      case LogicalType::kInt64: logical = "INT64"; break;
      case LogicalType::kTimestampMicrosUtc: logical = "TIMESTAMP_MICROS_UTC"; break;
    }
    if (c) out += ",";
    out += "{\"name\":" + JsonString(col.name) + ",\"physical\":\"" + std::string(PhysicalTypeName(col.physical)) +
           "\",\"logical\":\"" + logical + "\",\"repetition\":\"" +
           (col.optional() ? "OPTIONAL" : "REQUIRED") + "\"}";
  }
  return out + "]}\n";
}

Status WriteCase(const std::string& dir, const std::string& name, const Schema& schema,
                 const std::vector<Row>& rows, const WriterOptions& options, size_t batch_rows) {
  auto& fs = io::FileSystem::Default();
  std::string path = io::JoinPath(dir, name + ".parquet");
  EVPIPE_ASSIGN_OR_RETURN(auto w, FileWriter::Open(fs, path, schema, options));
  const size_t ncols = schema.columns.size();
  for (size_t b = 0; b < rows.size(); b += batch_rows) {
    size_t e = std::min(rows.size(), b + batch_rows);
    std::vector<std::vector<std::string_view>> strs(ncols);
    std::vector<std::vector<int32_t>> i32(ncols);
    std::vector<std::vector<int64_t>> i64(ncols);
    std::vector<std::vector<uint8_t>> nulls(ncols);
    for (size_t r = b; r < e; ++r) {
      for (size_t c = 0; c < ncols; ++c) {
        const Value& v = rows[r][c];
        switch (schema.columns[c].physical) {
          case PhysicalType::kByteArray: strs[c].push_back(v.s); break;
          case PhysicalType::kInt32: i32[c].push_back(static_cast<int32_t>(v.i)); break;
          case PhysicalType::kInt64: i64[c].push_back(v.i); break;
        }
        if (schema.columns[c].optional()) nulls[c].push_back(v.null ? 1 : 0);
      }
    }
    std::vector<ColumnValues> cols(ncols);
    for (size_t c = 0; c < ncols; ++c) {
      cols[c].strings = strs[c];
      cols[c].int32s = i32[c];
      cols[c].int64s = i64[c];
      cols[c].nulls = nulls[c];
    }
    EVPIPE_RETURN_IF_ERROR(w->WriteBatch(e - b, cols));
  }
  EVPIPE_ASSIGN_OR_RETURN(FileSummary summary, w->Close());
  EVPIPE_RETURN_IF_ERROR(
      io::WriteFileAtomically(fs, io::JoinPath(dir, name + ".schema.json"), SchemaJson(schema, options)));
  std::string expected;
  for (const Row& r : rows) expected += CanonicalLine(schema, r) + "\n";
  EVPIPE_RETURN_IF_ERROR(io::WriteFileAtomically(fs, io::JoinPath(dir, name + ".expected.jsonl"), expected));
  std::printf("%s.parquet rows=%llu bytes=%llu row_groups=%u\n", name.c_str(),
              static_cast<unsigned long long>(summary.rows), static_cast<unsigned long long>(summary.bytes),
              summary.row_groups);
  return Status::Ok();
}

// The 13 columns of the event table (DESIGN.md, Parquet schema).
Schema EventSchema() {
  auto opt = Repetition::kOptional;
  return Schema{{Column::String("event_id"), Column::String("event_type"), Column::Int32("schema_version"),
                 Column::TimestampMicros("event_time"), Column::TimestampMicros("ingest_time"),
                 Column::String("tenant_id", opt), Column::String("user_id", opt),
                 Column::String("session_id", opt), Column::String("source_system", opt),
                 Column::String("environment", opt), Column::String("record_source", opt),
                 Column::String("payload"), Column::String("checksum", opt)}};
}

class Gen {
 public:
  explicit Gen(uint64_t seed) : rng_(seed) {}
  uint64_t Next() { return rng_(); }
  size_t Below(size_t n) { return static_cast<size_t>(rng_() % n); }
  std::string Hex(size_t n) {
    static const char* d = "0123456789abcdef";
    std::string s;
    for (size_t i = 0; i < n; ++i) s.push_back(d[Below(16)]);
    return s;
  }
  std::string Uuid() { return Hex(8) + "-" + Hex(4) + "-4" + Hex(3) + "-a" + Hex(3) + "-" + Hex(12); }

 private:
  std::mt19937_64 rng_;
};

const char* kTypes[] = {"order_created", "payment_authorized", "payment_failed", "order_cancelled",
                        "order_shipped", "order_delivered", "refund_issued"};
// Non-ASCII and awkward text: 2-, 3- and 4-byte UTF-8, quotes, controls, and U+FFFF/U+10FFFF edges.
const char* kOdd[] = {"", "Zürich", "東京都", "emoji 😀 ok", "quote \" back \\ slash", "tab\tnew\nline\x01",
                      "\xef\xbf\xbf", "\xf4\x8f\xbf\xbf", "plain"};

Value Str(std::string s) { return Value{false, std::move(s), 0}; }
Value Int(int64_t i) { return Value{false, "", i}; }
Value Null() { return Value{true, "", 0}; }

std::vector<Row> EventRows(Gen& g, size_t n) {
  std::vector<Row> rows;
  int64_t t = 1770286272123456;  // 2026-02-05T10:11:12.123456Z
  for (size_t i = 0; i < n; ++i) {
    auto maybe = [&](std::string s) { return g.Below(5) == 0 ? Null() : Str(std::move(s)); };
    t += static_cast<int64_t>(g.Below(5000000));
    std::string order = "o-" + std::to_string(g.Below(100000));
    std::string payload = "{\"order_id\":\"" + order + "\",\"amount\":" + std::to_string(g.Below(100000)) +
                          ",\"note\":\"" + kOdd[g.Below(std::size(kOdd))] + "\",\"items\":[" +
                          std::to_string(g.Below(9)) + "]}";
    // Keep the payload valid JSON text is not our concern here: it is a string.
    rows.push_back(Row{Str(g.Uuid()), Str(kTypes[g.Below(7)]), Int(1), Int(t - static_cast<int64_t>(g.Below(1000000))),
                       Int(t), maybe("tenant-" + std::to_string(g.Below(5))), maybe("user-" + std::to_string(g.Below(1000))),
                       maybe(g.Uuid()), maybe("simulator"), maybe(i % 2 ? "dev" : ""),
                       maybe(kOdd[g.Below(std::size(kOdd))]), Str(payload), maybe(g.Hex(64))});
  }
  return rows;
}

Status Run(const std::string& dir, uint64_t seed) {
  std::printf("seed=%llu\n", static_cast<unsigned long long>(seed));
  EVPIPE_RETURN_IF_ERROR(io::FileSystem::Default().CreateDirs(dir));
  Gen g(seed);
  Schema events = EventSchema();
  std::vector<Row> rows = EventRows(g, 3000);

  // Each codec, default options otherwise (one row group, dictionaries kept).
  for (Codec c : {Codec::kZstd, Codec::kSnappy, Codec::kUncompressed}) {
    WriterOptions o;
    o.codec = c;
    EVPIPE_RETURN_IF_ERROR(WriteCase(dir, "events_" + std::string(CodecName(c)), events, rows, o, 1000));
  }

  // Several row groups and many pages, page statistics on.
  {
    std::vector<Row> many = EventRows(g, 20000);
    WriterOptions o;
    o.row_group_size_bytes = 1 << 20;
    o.page_size_bytes = 64 << 10;
    o.page_max_rows = 3000;
    o.page_statistics = true;
    o.compression_threads = 2;
    EVPIPE_RETURN_IF_ERROR(WriteCase(dir, "row_groups", events, many, o, 4096));
    // The same rows with column chunks encoded on three threads, as raw-to-parquet writes.
    o.compression_threads = 0;
    o.encode_threads = 3;
    EVPIPE_RETURN_IF_ERROR(WriteCase(dir, "row_groups_encode_threads", events, many, o, 4096));
  }

  // Dictionary fallback inside a column chunk: low cardinality first (dictionary
  // pages), then unique values past the bound (PLAIN pages).
  {
    Schema s{{Column::String("k"), Column::String("o", Repetition::kOptional), Column::Int64("n")}};
    std::vector<Row> r;
    for (size_t i = 0; i < 6000; ++i) {
      std::string k = i < 3000 ? "key-" + std::to_string(i % 10) : "unique-" + std::to_string(i) + "-" + g.Hex(8);
      r.push_back(Row{Str(k), i % 7 == 0 ? Null() : Str(i < 4000 ? kOdd[i % std::size(kOdd)] : g.Uuid()),
                      Int(static_cast<int64_t>(i) - 3000)});
    }
    WriterOptions o;
    o.dictionary_max_bytes = 8 << 10;
    o.page_max_rows = 1000;
    EVPIPE_RETURN_IF_ERROR(WriteCase(dir, "dict_fallback", s, r, o, 500));
  }

  // Long strings (> 1 MB), nulls and empty strings around them; truncated min/max.
  {
    Schema s{{Column::String("id"), Column::String("big", Repetition::kOptional)}};
    std::vector<Row> r;
    std::string big1(1500000, 'a');
    std::string big2 = std::string(1100000, 'z') + "東京";
    std::string big3(2 << 20, '\0');
    for (size_t i = 0; i < big3.size(); ++i) big3[i] = static_cast<char>('A' + i % 26);
    r.push_back(Row{Str("r0"), Str(big1)});
    r.push_back(Row{Str("r1"), Null()});
    r.push_back(Row{Str("r2"), Str("")});
    r.push_back(Row{Str("r3"), Str(big2)});
    r.push_back(Row{Str("r4"), Str("small é")});
    r.push_back(Row{Str("r5"), Str(big3)});
    EVPIPE_RETURN_IF_ERROR(WriteCase(dir, "long_strings", s, r, WriterOptions{}, 2));
  }

  // Columns that are entirely null, and integer edges.
  {
    Schema s{{Column::Int32("i32"), Column::Int64("i64", Repetition::kOptional),
              Column::TimestampMicros("ts", Repetition::kOptional), Column::String("s", Repetition::kOptional)}};
    std::vector<Row> r;
    int64_t i32s[] = {INT32_MIN, -1, 0, 1, INT32_MAX};
    int64_t i64s[] = {INT64_MIN + 1, -1, 0, 1, (int64_t{1} << 53) + 1};
    for (size_t i = 0; i < 5; ++i) r.push_back(Row{Int(i32s[i]), Int(i64s[i]), Null(), Null()});
    WriterOptions o;
    o.codec = Codec::kSnappy;
    EVPIPE_RETURN_IF_ERROR(WriteCase(dir, "nulls_and_edges", s, r, o, 5));
  }

  // No rows at all.
  EVPIPE_RETURN_IF_ERROR(WriteCase(dir, "empty", events, {}, WriterOptions{}, 1));
  return Status::Ok();
}

}  // namespace
}  // namespace evpipe::parquet

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: parquet_interop_writer OUT_DIR [--seed N]\n");
    return 2;
  }
  uint64_t seed = 42;
  for (int i = 2; i + 1 < argc; ++i) {
    if (std::string(argv[i]) == "--seed") seed = std::strtoull(argv[i + 1], nullptr, 10);
  }
  evpipe::Status s = evpipe::parquet::Run(argv[1], seed);
  if (!s.ok()) {
    std::fprintf(stderr, "parquet_interop_writer: %s\n", s.ToString().c_str());
    return 1;
  }
  return 0;
}
