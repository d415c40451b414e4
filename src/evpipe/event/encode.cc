// Encoding an Event into one JSON line (docs/formats/event.md, field order fixed).
#include <charconv>
#include <cstdint>
#include <cstring>
#include <iterator>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "evpipe/core/short_copy.h"
#include "evpipe/core/text.h"
#include "evpipe/event/event.h"

namespace evpipe::event {
namespace {

// The optional strings between ingest_time and payload, in line order (names
// kNames[5..10]); checksum, the last field, is optional too.
constexpr std::optional<std::string_view> EventView::*kMiddleOptionals[] = {
    &EventView::tenant_id,     &EventView::user_id,     &EventView::session_id,
    &EventView::source_system, &EventView::environment, &EventView::record_source};

// True when `s` can be written between quotes as is (no control char, quote or
// backslash). Sixteen bytes at a time with SSE2, else eight (the strings are
// short, so a vectorised loop spent most of its time in its scalar tail): for a word x,
// (x - 0x01..) & ~x & 0x80.. is non-zero exactly when some byte of x is zero,
// and (x - 0x20..) & ~x & 0x80.. when some byte is below 0x20.
bool Clean(std::string_view s) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  constexpr uint64_t kHigh = 0x8080808080808080ULL;
  auto bad_bytes = [](uint64_t x) {
    const uint64_t quote = x ^ (kOnes * '"');
    const uint64_t backslash = x ^ (kOnes * '\\');
    return ((quote - kOnes) & ~quote) | ((backslash - kOnes) & ~backslash) | ((x - kOnes * 0x20) & ~x);
  };
  const size_t n = s.size();
  if (n < 8) {
    unsigned bad = 0;
    for (char ch : s) {
      const auto c = static_cast<unsigned char>(ch);
      bad |= static_cast<unsigned>(c < 0x20) | static_cast<unsigned>(c == '"') | static_cast<unsigned>(c == '\\');
    }
    return bad == 0;
  }
#if defined(__SSE2__)
  if (n >= 16) {  // 16 bytes at a time, the last 16 overlapping
    const __m128i below_space = _mm_set1_epi8(0x1f);
    const __m128i quote = _mm_set1_epi8('"');
    const __m128i backslash = _mm_set1_epi8('\\');
    __m128i bad16 = _mm_setzero_si128();
    auto check = [&](const char* p) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
      const __m128i control = _mm_cmpeq_epi8(_mm_min_epu8(v, below_space), v);  // v <= 0x1f, unsigned
      bad16 = _mm_or_si128(bad16, _mm_or_si128(control, _mm_or_si128(_mm_cmpeq_epi8(v, quote),
                                                                      _mm_cmpeq_epi8(v, backslash))));
    };
    for (size_t i = 0; i + 16 <= n; i += 16) check(s.data() + i);
    check(s.data() + n - 16);
    return _mm_movemask_epi8(bad16) == 0;
  }
#endif
  uint64_t bad = 0;
  uint64_t word;
  for (size_t i = 0; i + 8 <= n; i += 8) {
    std::memcpy(&word, s.data() + i, 8);
    bad |= bad_bytes(word);
  }
  std::memcpy(&word, s.data() + n - 8, 8);  // the last 8 bytes (they may overlap the loop's)
  bad |= bad_bytes(word);
  return (bad & kHigh) == 0;
}

// Writes into a buffer sized in advance (the fast path: no escaping needed).
class Writer {
 public:
  explicit Writer(char* p) : p_(p) {}
  void Raw(std::string_view s) {
    CopyShort(p_, s.data(), s.size());
    p_ += s.size();
  }
  void Quoted(std::string_view s) {
    *p_++ = '"';
    Raw(s);
    *p_++ = '"';
  }
  void Optional(const std::optional<std::string_view>& v) {
    if (v) {
      Quoted(*v);
    } else {
      Raw("null");
    }
  }
  void Time(int64_t micros) {
    *p_++ = '"';
    FormatTimestampTo(micros, p_);
    p_ += kTimestampLength;
    *p_++ = '"';
  }
  void Int(int32_t v) { p_ = std::to_chars(p_, p_ + 12, v).ptr; }
  char* end() const { return p_; }

 private:
  char* p_;
};

constexpr std::string_view kNames[] = {
    "{\"event_id\":",      ",\"event_type\":",  ",\"schema_version\":", ",\"event_time\":",
    ",\"ingest_time\":",   ",\"tenant_id\":",   ",\"user_id\":",        ",\"session_id\":",
    ",\"source_system\":", ",\"environment\":", ",\"record_source\":",  ",\"payload\":",
    ",\"checksum\":",
};

constexpr size_t NamesLength() {
  size_t n = 0;
  for (std::string_view s : kNames) n += s.size();
  return n;
}

void AppendOptionalSlow(const std::optional<std::string_view>& value, std::string* out) {
  if (value) {
    AppendJsonString(*value, out);
  } else {
    out->append("null");
  }
}

void AppendTimeSlow(int64_t micros, std::string* out) {
  char buf[kTimestampLength + 2];
  buf[0] = '"';
  FormatTimestampTo(micros, buf + 1);
  buf[kTimestampLength + 1] = '"';
  out->append(buf, sizeof buf);
}

// Any string needing escapes: append piece by piece.
void EncodeSlow(const EventView& e, std::string* out) {
  out->append(kNames[0]);
  AppendJsonString(e.event_id, out);
  out->append(kNames[1]);
  AppendJsonString(e.event_type, out);
  out->append(kNames[2]);
  out->append(std::to_string(e.schema_version));
  out->append(kNames[3]);
  AppendTimeSlow(e.event_time_us, out);
  out->append(kNames[4]);
  AppendTimeSlow(e.ingest_time_us, out);
  for (size_t i = 0; i < std::size(kMiddleOptionals); ++i) {
    out->append(kNames[5 + i]);
    AppendOptionalSlow(e.*kMiddleOptionals[i], out);
  }
  out->append(kNames[11]);
  out->append(e.payload);
  out->append(kNames[12]);
  AppendOptionalSlow(e.checksum, out);
  out->push_back('}');
}

std::optional<std::string_view> View(const std::optional<std::string>& s) {
  if (!s) return std::nullopt;
  return std::string_view(*s);
}

std::optional<std::string> Owned(const std::optional<std::string_view>& v) {
  if (!v) return std::nullopt;
  return std::string(*v);
}

}  // namespace

EventView ViewOf(const Event& e) {
  EventView v;
  v.event_id = e.event_id;
  v.event_type = e.event_type;
  v.schema_version = e.schema_version;
  v.event_time_us = e.event_time_us;
  v.ingest_time_us = e.ingest_time_us;
  v.tenant_id = View(e.tenant_id);
  v.user_id = View(e.user_id);
  v.session_id = View(e.session_id);
  v.source_system = View(e.source_system);
  v.environment = View(e.environment);
  v.record_source = View(e.record_source);
  v.checksum = View(e.checksum);
  v.payload = e.payload;
  return v;
}

void CopyFrom(const EventView& v, Event* out) {
  out->event_id.assign(v.event_id);
  out->event_type.assign(v.event_type);
  out->schema_version = v.schema_version;
  out->event_time_us = v.event_time_us;
  out->ingest_time_us = v.ingest_time_us;
  out->tenant_id = Owned(v.tenant_id);
  out->user_id = Owned(v.user_id);
  out->session_id = Owned(v.session_id);
  out->source_system = Owned(v.source_system);
  out->environment = Owned(v.environment);
  out->record_source = Owned(v.record_source);
  out->checksum = Owned(v.checksum);
  out->payload.assign(v.payload);
}

void EncodeLine(const Event& e, std::string* out) { EncodeLine(ViewOf(e), out); }

bool IsCleanString(std::string_view s) { return Clean(s); }

size_t MaxCleanHeadSize(const EventView& e) {
  // Names up to payload's, quotes, two timestamps, an int32, the strings.
  size_t size = NamesLength() - kNames[12].size() + 2 * (kTimestampLength + 2) + 11 + e.event_id.size() +
                e.event_type.size() + 4;
  for (auto field : kMiddleOptionals) size += (e.*field) ? (e.*field)->size() + 2 : 4;
  return size;
}

size_t MaxCleanLineSize(const EventView& e) {
  return MaxCleanHeadSize(e) + e.payload.size() + kNames[12].size() + (e.checksum ? e.checksum->size() + 2 : 4) + 1;
}

char* EncodeCleanHeadTo(const EventView& e, char* out) {
  Writer w(out);
  w.Raw(kNames[0]);
  w.Quoted(e.event_id);
  w.Raw(kNames[1]);
  w.Quoted(e.event_type);
  w.Raw(kNames[2]);
  w.Int(e.schema_version);
  w.Raw(kNames[3]);
  w.Time(e.event_time_us);
  w.Raw(kNames[4]);
  w.Time(e.ingest_time_us);
  for (size_t i = 0; i < std::size(kMiddleOptionals); ++i) {
    w.Raw(kNames[5 + i]);
    w.Optional(e.*kMiddleOptionals[i]);
  }
  w.Raw(kNames[11]);
  return w.end();
}

static_assert(kChecksumTailSize == kNames[12].size() + 1 + 64 + 2);

char* EncodeChecksumTailTo(std::string_view payload, char* out) {
  Writer w(out);
  w.Raw(kNames[12]);
  w.Raw("\"");
  char* const hex = w.end();
  Sha256HexTo(payload, hex);
  out = hex + 64;
  *out++ = '"';
  *out++ = '}';
  return out;
}

char* EncodeCleanLineTo(const EventView& e, char* out) {
  Writer w(EncodeCleanHeadTo(e, out));
  w.Raw(e.payload);
  w.Raw(kNames[12]);
  w.Optional(e.checksum);
  w.Raw("}");
  return w.end();
}

void EncodeLine(const EventView& e, std::string* out) {
  auto clean_or_absent = [](const std::optional<std::string_view>& o) { return !o || Clean(*o); };
  bool clean = Clean(e.event_id) && Clean(e.event_type) && clean_or_absent(e.checksum);
  for (auto field : kMiddleOptionals) clean = clean && clean_or_absent(e.*field);
  if (!clean) {
    EncodeSlow(e, out);
    return;
  }
  const size_t at = out->size();
  out->resize(at + MaxCleanLineSize(e));
  char* end = EncodeCleanLineTo(e, out->data() + at);
  out->resize(static_cast<size_t>(end - out->data()));
}

}  // namespace evpipe::event
