// Tests for the event library: time, checksum, encode/parse round trips, every validation reason, keys.
#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <string>

#include "evpipe/event/event.h"

namespace evpipe::event {
namespace {

// ---------------------------------------------------------------- time

int64_t Ts(std::string_view s) {
  Result<int64_t> r = ParseTimestamp(s);
  EXPECT_TRUE(r.ok()) << s << ": " << r.status().ToString();
  return r.ok() ? *r : 0;
}

bool Rejected(std::string_view s) { return !ParseTimestamp(s).ok(); }

TEST(Time, EpochAndKnownValues) {
  EXPECT_EQ(Ts("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(Ts("1970-01-01T00:00:00.000001Z"), 1);
  EXPECT_EQ(Ts("2026-02-01T00:00:00Z"), 1769904000000000);
  EXPECT_EQ(Ts("2026-02-05T10:11:12.123456Z"), 1770286272123456);
  EXPECT_EQ(Ts("1969-12-31T23:59:59.999999Z"), -1);
  EXPECT_EQ(Ts("2000-03-01T00:00:00Z"), 951868800000000);
}

TEST(Time, FormatRoundTrips) {
  for (int64_t t : {int64_t{0}, int64_t{-1}, int64_t{1770286272123456}, int64_t{951868799999999},
                    int64_t{253402300799999999} /* 9999-12-31T23:59:59.999999Z */,
                    int64_t{-62167219200000000} /* 0000-01-01 */}) {
    std::string s = FormatTimestamp(t);
    EXPECT_EQ(s.size(), kTimestampLength);
    EXPECT_EQ(Ts(s), t) << s;
  }
  EXPECT_EQ(FormatTimestamp(1770286272123456), "2026-02-05T10:11:12.123456Z");
  EXPECT_EQ(FormatTimestamp(-1), "1969-12-31T23:59:59.999999Z");
  EXPECT_EQ(FormatTimestamp(0), "1970-01-01T00:00:00.000000Z");
}

TEST(Time, LeapYears) {
  EXPECT_EQ(Ts("2024-02-29T12:00:00Z") + 86400000000LL, Ts("2024-03-01T12:00:00Z"));
  EXPECT_EQ(Ts("2000-02-29T00:00:00Z") + 86400000000LL, Ts("2000-03-01T00:00:00Z"));  // 400-year rule
  EXPECT_TRUE(Rejected("2026-02-29T00:00:00Z"));
  EXPECT_TRUE(Rejected("1900-02-29T00:00:00Z"));  // 100-year rule
  EXPECT_TRUE(Rejected("2100-02-29T00:00:00Z"));
  EXPECT_EQ(FormatTimestamp(Ts("2024-02-29T23:59:59.5Z")), "2024-02-29T23:59:59.500000Z");
  EXPECT_EQ(IngestDate(Ts("2024-12-31T23:59:59.999999Z")), "2024-12-31");
  EXPECT_EQ(IngestDate(Ts("2025-01-01T00:00:00Z")), "2025-01-01");
}

TEST(Time, OffsetsAreNormalisedToUtc) {
  EXPECT_EQ(Ts("2026-02-05T15:41:12.123456+05:30"), Ts("2026-02-05T10:11:12.123456Z"));
  EXPECT_EQ(Ts("2026-02-05T02:11:12.123456-08:00"), Ts("2026-02-05T10:11:12.123456Z"));
  EXPECT_EQ(Ts("2026-02-05T10:11:12+00:00"), Ts("2026-02-05T10:11:12Z"));
  EXPECT_EQ(Ts("2026-02-05T10:11:12-00:00"), Ts("2026-02-05T10:11:12Z"));
  // An offset can move the instant to another UTC day (and another ingest_date).
  EXPECT_EQ(IngestDate(Ts("2026-03-01T01:00:00+02:00")), "2026-02-28");
  EXPECT_EQ(IngestDate(Ts("2024-02-28T20:00:00-05:00")), "2024-02-29");
}

TEST(Time, FractionsAndSeparators) {
  EXPECT_EQ(Ts("2026-02-05T10:11:12.1Z") % 1000000, 100000);
  EXPECT_EQ(Ts("2026-02-05T10:11:12.123456789Z") % 1000000, 123456);  // truncated, not rounded
  EXPECT_EQ(Ts("2026-02-05t10:11:12z"), Ts("2026-02-05T10:11:12Z"));
  EXPECT_EQ(Ts("2026-02-05 10:11:12Z"), Ts("2026-02-05T10:11:12Z"));
}

TEST(Time, BadInputIsRejected) {
  for (std::string_view bad : {"", "2026", "2026-02-05", "2026-02-05T10:11:12", "2026-02-05T10:11:12.Z",
                               "2026-13-01T00:00:00Z", "2026-00-10T00:00:00Z", "2026-04-31T00:00:00Z",
                               "2026-01-00T00:00:00Z", "2026-02-05T24:00:00Z", "2026-02-05T10:60:00Z",
                               "2026-02-05T10:11:60Z", "2026-02-05X10:11:12Z", "2026-02-05T10:11:12+5:30",
                               "2026-02-05T10:11:12+24:00", "2026-02-05T10:11:12+05:60", "2026-02-05T10:11:12Zjunk",
                               "2026-02-05T10:11:12 Z", "+2026-02-05T10:11:12Z", "2026/02/05T10:11:12Z",
                               "２026-02-05T10:11:12Z", "1970-01-01T00:00:00-00:01junk",
                               "0000-01-01T00:00:00+00:01"}) {
    EXPECT_TRUE(Rejected(bad)) << bad;
  }
}

// Moved from jobs/raw_input_test.cc with the job's own calendar copy (issue 15 item 6).
TEST(Time, ParseDateTakesOnlyRealCalendarDates) {
  for (std::string_view ok : {"2026-02-05", "2024-02-29", "2000-02-29"}) EXPECT_TRUE(ParseDate(ok).ok()) << ok;
  for (std::string_view bad : {"1900-02-29", "2026-02-29", "2026-13-01", "2026-00-10", "2026-04-31", "2026-4-1",
                               "20260205", "2026-02-05x", "2026/02/05", "", "../../etc"}) {
    EXPECT_FALSE(ParseDate(bad).ok()) << bad;
  }
  EXPECT_EQ(*ParseDate("1970-01-01"), 0);
  EXPECT_EQ(*ParseDate("2026-02-05"), 1770249600LL * 1000000);  // date -u -d 2026-02-05 +%s
  EXPECT_EQ(*ParseDate("1969-12-31"), -86400LL * 1000000);
}

TEST(Time, Dates) {
  EXPECT_EQ(IngestDate(-1), "1969-12-31");
  EXPECT_EQ(*ParseDate("2026-02-05"), Ts("2026-02-05T00:00:00Z"));
  EXPECT_FALSE(ParseDate("2026-02-30").ok());
  EXPECT_FALSE(ParseDate("2026-2-5").ok());
}

// ParseTimestamp keeps the last valid date per thread: the same date with other
// times, a bad date between two good ones and a changed date parse as alone.
TEST(Time, ConsecutiveTimestampsOfOneDateParseAsAlone) {
  const int64_t day = 1770249600LL * 1000000;  // 2026-02-05
  EXPECT_EQ(Ts("2026-02-05T00:00:01Z"), day + 1000000);
  EXPECT_EQ(Ts("2026-02-05T23:59:59.5Z"), day + 86399500000);
  EXPECT_EQ(Ts("2026-02-05T10:00:00+10:00"), day);
  EXPECT_TRUE(Rejected("2026-02-05T24:00:00Z"));  // the cached date does not skip the time checks
  EXPECT_TRUE(Rejected("2026-02-05T10:00:00"));
  EXPECT_TRUE(Rejected("2026-02-29T10:00:00Z"));  // another date: checked in full
  EXPECT_EQ(Ts("2026-02-06T00:00:00Z"), day + 86400LL * 1000000);
  EXPECT_EQ(Ts("2026-02-05T00:00:00Z"), day);
  EXPECT_TRUE(Rejected("2026-02-0xT00:00:00Z"));
  EXPECT_EQ(Ts("2024-02-29T00:00:00Z"), *ParseDate("2024-02-29"));
}

// ---------------------------------------------------------------- checksum

TEST(Checksum, KnownSha256Vectors) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(Sha256Hex(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

// ---------------------------------------------------------------- encode / parse

Event SampleEvent(std::string_view type, std::string payload) {
  Event e;
  e.event_id = "0b7e4b9a-2f1c-4c59-9a7e-3d2f1e0c9b8a";
  e.event_type = std::string(type);
  e.event_time_us = Ts("2026-02-05T10:11:12.123456Z");
  e.ingest_time_us = Ts("2026-02-05T10:11:12.623456Z");
  e.tenant_id = "tenant-01";
  e.user_id = "t01-u0000001";
  e.session_id = "sess-0123456789abcdef";
  e.source_system = "web-shop";
  e.environment = "local";
  e.record_source = "evpipe-sim";
  e.payload = std::move(payload);
  SetChecksum(&e);
  return e;
}

void ExpectSame(const Event& e, const EventView& v) {
  EXPECT_EQ(v.event_id, e.event_id);
  EXPECT_EQ(v.event_type, e.event_type);
  EXPECT_EQ(v.schema_version, e.schema_version);
  EXPECT_EQ(v.event_time_us, e.event_time_us);
  EXPECT_EQ(v.ingest_time_us, e.ingest_time_us);
  auto same = [](const std::optional<std::string>& a, const std::optional<std::string_view>& b) {
    return a.has_value() == b.has_value() && (!a || *a == *b);
  };
  EXPECT_TRUE(same(e.tenant_id, v.tenant_id));
  EXPECT_TRUE(same(e.user_id, v.user_id));
  EXPECT_TRUE(same(e.session_id, v.session_id));
  EXPECT_TRUE(same(e.source_system, v.source_system));
  EXPECT_TRUE(same(e.environment, v.environment));
  EXPECT_TRUE(same(e.record_source, v.record_source));
  EXPECT_TRUE(same(e.checksum, v.checksum));
  EXPECT_EQ(v.payload, e.payload);
}

TEST(RoundTrip, EveryEventType) {
  const std::pair<std::string_view, std::string> cases[] = {
      {kOrderCreated,
       R"({"order_id":"ORD-00000000001","channel":"web","currency":"EUR","items":[{"sku":"SKU-00001","quantity":2,"unit_price_minor":1999}],"subtotal_minor":3998,"shipping_minor":499,"total_minor":4497})"},
      {kPaymentAuthorized,
       R"({"order_id":"ORD-00000000001","payment_id":"PAY-00000000001-1","attempt":1,"method":"card","amount_minor":4497,"currency":"EUR"})"},
      {kPaymentFailed,
       R"({"order_id":"ORD-00000000001","payment_id":"PAY-00000000001-1","attempt":1,"method":"card","amount_minor":4497,"currency":"EUR","failure_code":"card_declined"})"},
      {kOrderCancelled, R"({"order_id":"ORD-00000000001","reason":"customer_request"})"},
      {kOrderShipped,
       R"({"order_id":"ORD-00000000001","shipment_id":"SHP-00000000001-1","carrier":"DHL","tracking_number":"000123456789"})"},
      {kOrderDelivered,
       R"({"order_id":"ORD-00000000001","shipment_id":"SHP-00000000001-1","carrier":"DHL","delivered_to":"neighbour"})"},
      {kRefundIssued,
       R"({"order_id":"ORD-00000000001","refund_id":"RFD-00000000001","amount_minor":4497,"currency":"EUR","reason":"returned"})"},
  };
  LineParser parser;
  for (const auto& [type, payload] : cases) {
    Event e = SampleEvent(type, payload);
    std::string line;
    EncodeLine(e, &line);
    EventView v;
    std::optional<std::string> reason = parser.Parse(line, &v);
    ASSERT_FALSE(reason) << *reason << "\n" << line;
    ExpectSame(e, v);
    // The payload view points into the line itself.
    EXPECT_GE(v.payload.data(), line.data());
    EXPECT_LE(v.payload.data() + v.payload.size(), line.data() + line.size());
    EXPECT_EQ(ExtractKey(line, "order_id"), "ORD-00000000001");
    EXPECT_EQ(ExtractIngestTime(line), e.ingest_time_us);
  }
}

// A character that needs escaping is found wherever it sits in a string of
// any length (the clean check reads 16 or 8 bytes at a time), and the view
// overload writes the same bytes as the Event one.
TEST(RoundTrip, EscapesAtEveryPositionAndViewsEncodeTheSame) {
  LineParser parser;
  for (char bad : {'"', '\\', '\n', '\x01', '\x1f'}) {
    for (size_t n = 1; n <= 70; ++n) {
      for (size_t at = 0; at < n; ++at) {
        Event e = SampleEvent("custom_type", R"({"order_id":"x"})");
        std::string user(n, 'u');
        user[at] = bad;
        e.user_id = user;
        std::string line;
        EncodeLine(e, &line);
        EventView v;
        ASSERT_FALSE(parser.Parse(line, &v)) << line;
        ExpectSame(e, v);
        std::string again;
        EncodeLine(v, &again);
        EXPECT_EQ(again, line);
      }
    }
  }
  Event clean = SampleEvent("custom_type", R"({"order_id":"x"})");
  clean.user_id = "\x7f\xc3\xa9 \x20 ok, and past sixteen bytes: \xc3\xa9\x7f";  // DEL, UTF-8, space: no escape
  std::string line;
  EncodeLine(clean, &line);
  EXPECT_NE(line.find(*clean.user_id), std::string::npos) << line;
  EXPECT_TRUE(IsCleanString(*clean.user_id));
  EXPECT_FALSE(IsCleanString("tab\there"));
}

// EncodeCleanLineTo (the simulator's path) writes EncodeLine's bytes for clean
// strings, within MaxCleanLineSize, whichever optionals are null.
TEST(RoundTrip, CleanLineToIsEncodeLine) {
  for (int nulls = 0; nulls < (1 << 7); ++nulls) {
    Event e = SampleEvent("custom_type", R"({"order_id":"x","n":[1,2]})");
    std::optional<std::string>* optionals[] = {&e.tenant_id,   &e.user_id,       &e.session_id, &e.source_system,
                                               &e.environment, &e.record_source, &e.checksum};
    for (int i = 0; i < 7; ++i) {
      if (nulls & (1 << i)) optionals[i]->reset();
    }
    e.schema_version = nulls % 3 == 0 ? -2147483647 - 1 : nulls;
    std::string want;
    EncodeLine(e, &want);
    const EventView v = ViewOf(e);
    const size_t max = MaxCleanLineSize(v);
    std::string got(max + 8, '#');
    char* end = EncodeCleanLineTo(v, got.data());
    ASSERT_LE(static_cast<size_t>(end - got.data()), max);
    EXPECT_EQ(std::string_view(got.data(), static_cast<size_t>(end - got.data())), want) << nulls;
    EXPECT_EQ(got.substr(max), std::string(8, '#'));  // nothing past the bound
  }
}

// Head, a payload written in place and the checksum tail are EncodeCleanLineTo's
// line with that payload's checksum, the head within MaxCleanHeadSize, the
// tail kChecksumTailSize bytes; the checksum is the one LineParser checks.
TEST(RoundTrip, HeadPayloadTailIsCleanLine) {
  for (int nulls = 0; nulls < (1 << 6); ++nulls) {
    const std::string payload = nulls % 2 ? R"({"order_id":"x","n":[1,2]})" : "{}";
    Event e = SampleEvent("custom_type", payload);
    std::optional<std::string>* optionals[] = {&e.tenant_id,   &e.user_id,       &e.session_id, &e.source_system,
                                               &e.environment, &e.record_source};
    for (int i = 0; i < 6; ++i) {
      if (nulls & (1 << i)) optionals[i]->reset();
    }
    SetChecksum(&e);
    std::string want;
    EncodeLine(e, &want);
    const EventView v = ViewOf(e);
    const size_t max = MaxCleanHeadSize(v);
    std::string got(max + payload.size() + kChecksumTailSize + 8, '#');
    char* head_end = EncodeCleanHeadTo(v, got.data());
    ASSERT_LE(static_cast<size_t>(head_end - got.data()), max);
    std::memcpy(head_end, payload.data(), payload.size());
    char* tail = head_end + payload.size();
    char* end = EncodeChecksumTailTo(std::string_view(head_end, payload.size()), tail);
    EXPECT_EQ(static_cast<size_t>(end - tail), kChecksumTailSize);
    const std::string_view line(got.data(), static_cast<size_t>(end - got.data()));
    EXPECT_EQ(line, want) << nulls;
    EXPECT_EQ(std::string_view(end, 8), std::string(8, '#'));  // nothing past the tail
    LineParser parser;
    EventView parsed;
    EXPECT_FALSE(parser.Parse(line, &parsed)) << line;
  }
}

TEST(RoundTrip, NullsEscapesAndUnicode) {
  Event e = SampleEvent("custom_type", R"({"order_id":"x","note":"caf\u00e9 \"q\"","emoji":"😀"})");
  e.tenant_id.reset();
  e.session_id.reset();
  e.checksum.reset();
  e.user_id = "user \"quoted\" \\ back\nslash\ttab é";
  e.schema_version = 7;
  std::string line;
  EncodeLine(e, &line);
  EXPECT_NE(line.find("\"tenant_id\":null"), std::string::npos);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  LineParser parser;
  EventView v;
  ASSERT_FALSE(parser.Parse(line, &v));
  ExpectSame(e, v);
}

TEST(Parse, AcceptsAnyOrderExtraFieldsWhitespaceAndOffsets) {
  const std::string payload = "{ \"order_id\" : 42 , \"a\" : [1, 2.5e3, {\"b\": null}] }";
  const std::string line = "  {\"payload\": " + payload +
                           " , \"extra\": {\"deep\": [true, false, null]}, \"ingest_time\":\"2026-02-05T15:41:12.5+05:30\","
                           "\"event_time\":\"2026-02-05T10:11:12Z\",\"event_type\":\"order_created\","
                           "\"event_id\":\"e1\",\"checksum\":\"" +
                           Sha256Hex(payload) + "\"}\r";
  LineParser parser;
  EventView v;
  std::optional<std::string> reason = parser.Parse(line, &v);
  ASSERT_FALSE(reason) << *reason;
  EXPECT_EQ(v.payload, payload);
  EXPECT_EQ(v.ingest_time_us, Ts("2026-02-05T10:11:12.5Z"));
  EXPECT_EQ(v.schema_version, 1);  // absent: version 1
  EXPECT_FALSE(v.tenant_id);
  EXPECT_EQ(ExtractKey(line, "order_id"), "42");  // numbers keep their JSON text
}

TEST(Parse, PayloadLastAndEmpty) {
  LineParser parser;
  EventView v;
  const std::string line =
      R"({"event_id":"e","event_type":"t","event_time":"2026-02-05T10:11:12Z","ingest_time":"2026-02-05T10:11:12Z","payload":{}})";
  ASSERT_FALSE(parser.Parse(line, &v));
  EXPECT_EQ(v.payload, "{}");
  const std::string spaced =
      R"({"event_id":"e","event_type":"t","event_time":"2026-02-05T10:11:12Z","ingest_time":"2026-02-05T10:11:12Z","payload":{"x":{"y":[]}}   })";
  ASSERT_FALSE(parser.Parse(spaced, &v));
  EXPECT_EQ(v.payload, R"({"x":{"y":[]}})");
}

// ParseInLine: the same event as Parse, with each string that has no escape
// viewing the line at its own bytes, and an escaped one unescaped elsewhere.
TEST(Parse, InLineViewsThePlainStringsOfTheLine) {
  const std::string payload = R"({"k":"v\"w"})";
  const std::string line = R"({"event_id" : "e-1","event_type":"a\"b","event_time":"2026-02-05T10:11:12Z",)"
                           R"("ingest_time":"2026-02-05T10:11:12Z","tenant_id":"t\u0041","user_id":"u 7",)"
                           R"("session_id":null,"environment":"","payload":)" +
                           payload + R"(,"checksum":")" + Sha256Hex(payload) + "\"}";
  LineParser parser;
  EventView in_line, copied;
  ASSERT_FALSE(parser.ParseInLine(line, &in_line));
  auto inside = [&line](std::string_view v) {
    return std::less_equal<const char*>()(line.data(), v.data()) &&
           std::less_equal<const char*>()(v.data() + v.size(), line.data() + line.size());
  };
  EXPECT_EQ(in_line.event_id, "e-1");
  EXPECT_TRUE(inside(in_line.event_id));
  EXPECT_EQ(line.substr(static_cast<size_t>(in_line.event_id.data() - line.data()) - 1, 5), "\"e-1\"");
  EXPECT_EQ(in_line.event_type, "a\"b");
  EXPECT_FALSE(inside(in_line.event_type));
  EXPECT_EQ(in_line.tenant_id, "tA");
  EXPECT_FALSE(inside(*in_line.tenant_id));
  EXPECT_EQ(in_line.user_id, "u 7");
  EXPECT_TRUE(inside(*in_line.user_id));
  EXPECT_FALSE(in_line.session_id);
  EXPECT_EQ(in_line.environment, "");
  EXPECT_TRUE(inside(*in_line.checksum));
  EXPECT_EQ(in_line.payload, payload);
  // Parse gives the same values, none of the small strings inside the line.
  ASSERT_FALSE(parser.Parse(line, &copied));
  EXPECT_EQ(copied.event_id, "e-1");
  EXPECT_FALSE(inside(copied.event_id));
  EXPECT_EQ(copied.event_type, "a\"b");
  EXPECT_EQ(copied.user_id, "u 7");
  EXPECT_FALSE(inside(*copied.user_id));
  EXPECT_EQ(copied.checksum, Sha256Hex(payload));
  EXPECT_EQ(copied.ingest_time_us, in_line.ingest_time_us);
  // Bad lines get the same reasons.
  for (const std::string& bad : {std::string(R"({"event_id":"e\q"})"), line.substr(0, line.size() - 1)}) {
    EXPECT_EQ(parser.ParseInLine(bad, &in_line), parser.Parse(bad, &copied)) << bad;
  }
}

// A valid line with one field's raw JSON replaced (or removed when value is empty).
std::string With(std::string_view field, std::string_view value) {
  const std::string payload = R"({"order_id":"ORD-1","n":1})";
  std::vector<std::pair<std::string, std::string>> fields = {
      {"event_id", "\"e1\""},
      {"event_type", "\"order_created\""},
      {"schema_version", "1"},
      {"event_time", "\"2026-02-05T10:11:12.123456Z\""},
      {"ingest_time", "\"2026-02-05T10:11:13.000000Z\""},
      {"tenant_id", "\"t\""},
      {"user_id", "null"},
      {"payload", payload},
      {"checksum", "\"" + Sha256Hex(payload) + "\""},
  };
  std::string line = "{";
  bool first = true;
  bool replaced = false;
  for (auto& [name, raw] : fields) {
    std::string v = raw;
    if (name == field) {
      replaced = true;
      if (value.empty()) continue;
      v = std::string(value);
    }
    if (!first) line += ",";
    first = false;
    line += "\"" + name + "\":" + v;
  }
  if (!replaced && !value.empty()) line += ",\"" + std::string(field) + "\":" + std::string(value);
  return line + "}";
}

std::string Reason(std::string_view line) {
  LineParser parser;
  EventView v;
  std::optional<std::string> r = parser.Parse(line, &v);
  return r ? *r : "ok";
}

TEST(Validation, BaselineIsValid) { EXPECT_EQ(Reason(With("", "")), "ok"); }

TEST(Validation, EveryReason) {
  EXPECT_EQ(Reason(""), "empty_line");
  EXPECT_EQ(Reason("  \t\r"), "empty_line");
  EXPECT_EQ(Reason("{\"event_id\":\"\xff\"}"), "invalid_utf8");
  EXPECT_EQ(Reason(With("tenant_id", "\"caf\xe9\"")), "invalid_utf8");
  EXPECT_EQ(Reason(With("tenant_id", "\"\xed\xa0\x80\"")), "invalid_utf8");  // encoded surrogate
  EXPECT_EQ(Reason("not json"), "invalid_json");
  EXPECT_EQ(Reason("{"), "invalid_json");
  EXPECT_EQ(Reason(With("", "").substr(0, 40)), "invalid_json");
  std::string truncated = With("", "");
  truncated.pop_back();
  EXPECT_EQ(Reason(truncated), "invalid_json");
  EXPECT_EQ(Reason(With("", "") + "x"), "invalid_json");
  EXPECT_EQ(Reason(With("", "") + "{}"), "invalid_json");
  EXPECT_EQ(Reason(With("payload", R"({"order_id":"x",})")), "invalid_json");
  EXPECT_EQ(Reason(With("payload", R"({"order_id":"x" "y":1})")), "invalid_json");
  EXPECT_EQ(Reason(With("payload", R"({"order_id":01})")), "invalid_json");
  EXPECT_EQ(Reason(With("payload", R"({"order_id":tru})")), "invalid_json");
  EXPECT_EQ(Reason(With("payload", R"({"order_id":"\x"})")), "invalid_json");
  EXPECT_EQ(Reason(With("extra", R"([1,,2])")), "invalid_json");
  EXPECT_EQ(Reason("[1,2]"), "not_an_object");
  EXPECT_EQ(Reason("\"string\""), "not_an_object");
  EXPECT_EQ(Reason("42"), "not_an_object");
  EXPECT_EQ(Reason("[" + With("", "") + "]"), "not_an_object");
  for (std::string_view f : {"event_id", "event_type", "event_time", "ingest_time", "payload"}) {
    EXPECT_EQ(Reason(With(f, "")), "missing_field:" + std::string(f)) << f;
  }
  EXPECT_EQ(Reason(With("event_id", "12345")), "bad_type:event_id");
  EXPECT_EQ(Reason(With("event_id", "null")), "bad_type:event_id");
  EXPECT_EQ(Reason(With("event_type", "[\"x\"]")), "bad_type:event_type");
  EXPECT_EQ(Reason(With("schema_version", "\"1\"")), "bad_type:schema_version");
  EXPECT_EQ(Reason(With("schema_version", "1.5")), "bad_type:schema_version");
  EXPECT_EQ(Reason(With("schema_version", "4294967296")), "bad_type:schema_version");
  EXPECT_EQ(Reason(With("schema_version", "null")), "bad_type:schema_version");
  EXPECT_EQ(Reason(With("event_time", "1770286272")), "bad_type:event_time");
  EXPECT_EQ(Reason(With("ingest_time", "null")), "bad_type:ingest_time");
  EXPECT_EQ(Reason(With("payload", "\"{}\"")), "bad_type:payload");
  EXPECT_EQ(Reason(With("payload", "null")), "bad_type:payload");
  EXPECT_EQ(Reason(With("payload", "[]")), "bad_type:payload");
  EXPECT_EQ(Reason(With("tenant_id", "7")), "bad_type:tenant_id");
  EXPECT_EQ(Reason(With("checksum", "false")), "bad_type:checksum");
  EXPECT_EQ(Reason(With("event_time", "\"2026-02-30T10:11:12Z\"")), "bad_time:event_time");
  EXPECT_EQ(Reason(With("ingest_time", "\"yesterday\"")), "bad_time:ingest_time");
  EXPECT_EQ(Reason(With("event_id", "\"\"")), "empty_field:event_id");
  EXPECT_EQ(Reason(With("event_type", "\"\"")), "empty_field:event_type");
  EXPECT_EQ(Reason(With("", "") .substr(0, With("", "").size() - 1) + ",\"event_id\":\"e2\"}"),
            "duplicate_field:event_id");
  EXPECT_EQ(Reason(With("checksum", "\"" + std::string(64, '0') + "\"")), "checksum_mismatch");
  EXPECT_EQ(Reason(With("checksum", "\"abc\"")), "checksum_mismatch");
  std::string upper = Sha256Hex(R"({"order_id":"ORD-1","n":1})");
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(Reason(With("checksum", "\"" + upper + "\"")), "checksum_mismatch");
  // The checksum covers the payload bytes exactly: re-spacing the payload breaks it.
  EXPECT_EQ(Reason(With("payload", R"({"order_id": "ORD-1","n":1})")), "checksum_mismatch");
  // A null checksum is not checked.
  EXPECT_EQ(Reason(With("checksum", "null")), "ok");
}

// Security audit finding 18: valid JSON nested past the limit was reported as invalid_json.
TEST(Validation, TooDeepIsItsOwnReasonAndTheLimitIsAtLeast256) {
  static_assert(kMaxDepth >= 256);
  auto nested = [](int depth) { return std::string(depth, '[') + std::string(depth, ']'); };
  // Inside an event, depth counts the event object itself as level 1.
  EXPECT_EQ(Reason(With("extra", nested(100))), "ok");
  EXPECT_EQ(Reason(With("extra", nested(kMaxDepth - 1))), "ok");
  EXPECT_EQ(Reason(With("extra", nested(kMaxDepth + 1))), "too_deep");
  EXPECT_EQ(Reason(With("payload", "{\"a\":" + nested(300) + "}")), "too_deep");
  EXPECT_EQ(Reason(With("extra", nested(2000))), "too_deep");  // past even the DOM parser's own limit
  // Broken as well as deep stays invalid_json; brackets inside strings do not count.
  EXPECT_EQ(Reason(With("extra", std::string(300, '[') + "1,,2" + std::string(300, ']'))), "invalid_json");
  EXPECT_EQ(Reason(With("extra", "\"" + std::string(300, '[') + "\"")), "ok");
}

TEST(Validation, PriorityWhenSeveralRulesBreak) {
  // A syntax error anywhere wins over a field-level problem before it.
  EXPECT_EQ(Reason(R"({"event_id":1,"payload":{"a":}})"), "invalid_json");
  // The first field-level problem in line order wins over missing fields.
  EXPECT_EQ(Reason(R"({"event_type":2,"event_id":3})"), "bad_type:event_type");
  // Missing fields are reported in a fixed order.
  EXPECT_EQ(Reason(R"({"payload":{}})"), "missing_field:event_id");
}

TEST(Validation, ParserIsReusableAfterErrors) {
  LineParser parser;
  EventView v;
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(parser.Parse("{\"a\":", &v));
    EXPECT_TRUE(parser.Parse(std::string(5000, '['), &v));
    EXPECT_FALSE(parser.Parse(With("", ""), &v));
    EXPECT_EQ(v.event_id, "e1");
  }
}

// ---------------------------------------------------------------- keys

TEST(Key, TopLevelFirstThenPayload) {
  EXPECT_EQ(ExtractKey(R"({"order_id":"top","payload":{"order_id":"inner"}})", "order_id"), "top");
  EXPECT_EQ(ExtractKey(R"({"payload":{"order_id":"inner"},"order_id":"top"})", "order_id"), "top");
  EXPECT_EQ(ExtractKey(R"({"payload":{"order_id":"inner"}})", "order_id"), "inner");
  EXPECT_EQ(ExtractKey(R"({"order_id":null,"payload":{"order_id":"inner"}})", "order_id"), "inner");
  EXPECT_EQ(ExtractKey(R"({"payload":{"order_id":12.50 }})", "order_id"), "12.50");
  EXPECT_EQ(ExtractKey(R"({"tenant_id":"t\u00e9"})", "tenant_id"), "t\xc3\xa9");
  EXPECT_EQ(ExtractKey(R"({"k":true})", "k"), "true");
  EXPECT_EQ(ExtractKey(R"({"k":{"a": 1}})", "k"), R"({"a": 1})");
  EXPECT_EQ(ExtractKey(R"({"k":[1, 2]})", "k"), "[1, 2]");
  EXPECT_EQ(ExtractKey(R"({"payload":{"other":1}})", "order_id"), std::nullopt);
  EXPECT_EQ(ExtractKey(R"({"payload":"order_id"})", "order_id"), std::nullopt);
  EXPECT_EQ(ExtractKey(R"([{"order_id":"x"}])", "order_id"), std::nullopt);
  EXPECT_EQ(ExtractKey("garbage", "order_id"), std::nullopt);
  EXPECT_EQ(ExtractKey("", "order_id"), std::nullopt);
}

TEST(Key, IngestTimeIsReadLeniently) {
  EXPECT_EQ(ExtractIngestTime(R"({"ingest_time":"2026-02-05T10:11:12Z","payload":{"a":},"event_id":7})"),
            Ts("2026-02-05T10:11:12Z"));
  EXPECT_EQ(ExtractIngestTime(R"({"ingest_time":"2026-02-30T10:11:12Z"})"), std::nullopt);
  EXPECT_EQ(ExtractIngestTime(R"({"ingest_time":5})"), std::nullopt);
  EXPECT_EQ(ExtractIngestTime("[1]"), std::nullopt);
}

}  // namespace
}  // namespace evpipe::event
