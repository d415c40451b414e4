// RFC 3339 timestamps and ingest dates, in UTC microseconds (no libc time zone calls).
#include <cstdint>
#include <cstring>

#include "evpipe/core/digit_tables.h"
#include "evpipe/event/event.h"

namespace evpipe::event {
namespace {

constexpr int64_t kMicrosPerSecond = 1000000;
constexpr int64_t kMicrosPerDay = 86400 * kMicrosPerSecond;
// 0000-01-01T00:00:00Z and 10000-01-01T00:00:00Z: the range four-digit years can show.
constexpr int64_t kMinDays = -719528;
constexpr int64_t kMaxDays = 2932897;

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void CivilFromDays(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int64_t>(yoe) + era * 400 + (*m <= 2);
}

bool IsLeap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned DaysInMonth(int64_t y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

inline void Put2(unsigned v, char* out) { std::memcpy(out, kDigitPairs + 2 * v, 2); }

// Floor division of micros into (days, micros of day).
inline void SplitDays(int64_t micros, int64_t* days, int64_t* of_day) {
  int64_t q = micros / kMicrosPerDay;
  int64_t r = micros % kMicrosPerDay;
  if (r < 0) {
    r += kMicrosPerDay;
    --q;
  }
  *days = q;
  *of_day = r;
}

void PutDateUncached(int64_t days, char* out) {
  int64_t y;
  unsigned m, d;
  CivilFromDays(days, &y, &m, &d);
  if (y < 0) y = 0;  // outside the four-digit range: clamped (ParseTimestamp never yields it)
  if (y > 9999) y = 9999;
  Put2(static_cast<unsigned>(y / 100), out);
  Put2(static_cast<unsigned>(y % 100), out + 2);
  out[4] = '-';
  Put2(m, out + 5);
  out[7] = '-';
  Put2(d, out + 8);
}

// Timestamps written one after another mostly fall on the same day, so each
// thread keeps the last day's text (the calendar arithmetic is half the cost).
inline void PutDate(int64_t days, char* out) {
  struct Last {
    int64_t days = INT64_MIN;
    char text[kDateLength];
  };
  thread_local Last last;
  if (days != last.days) {
    PutDateUncached(days, last.text);
    last.days = days;
  }
  std::memcpy(out, last.text, kDateLength);
}

// Reads exactly n digits at p.
inline bool Digits(const char* p, int n, int* value) {
  int v = 0;
  for (int i = 0; i < n; ++i) {
    unsigned c = static_cast<unsigned char>(p[i]) - '0';
    if (c > 9) return false;
    v = v * 10 + static_cast<int>(c);
  }
  *value = v;
  return true;
}

Status BadTime(std::string_view text, const char* why) {
  std::string shown(text.substr(0, 64));
  return Status::InvalidArgument("bad timestamp '" + shown + "': " + why);
}

}  // namespace

void FormatTimestampTo(int64_t micros, char* out) {
  int64_t days, of_day;
  SplitDays(micros, &days, &of_day);
  PutDate(days, out);
  out[10] = 'T';
  const int64_t secs = of_day / kMicrosPerSecond;
  const unsigned frac = static_cast<unsigned>(of_day % kMicrosPerSecond);
  Put2(static_cast<unsigned>(secs / 3600), out + 11);
  out[13] = ':';
  Put2(static_cast<unsigned>(secs / 60 % 60), out + 14);
  out[16] = ':';
  Put2(static_cast<unsigned>(secs % 60), out + 17);
  out[19] = '.';
  Put2(frac / 10000, out + 20);
  Put2(frac / 100 % 100, out + 22);
  Put2(frac % 100, out + 24);
  out[26] = 'Z';
}

std::string FormatTimestamp(int64_t micros) {
  std::string s(kTimestampLength, '\0');
  FormatTimestampTo(micros, s.data());
  return s;
}

void IngestDateTo(int64_t micros, char* out) {
  int64_t days, of_day;
  SplitDays(micros, &days, &of_day);
  PutDate(days, out);
}

std::string IngestDate(int64_t micros) {
  std::string s(kDateLength, '\0');
  IngestDateTo(micros, s.data());
  return s;
}

Result<int64_t> ParseDate(std::string_view date) {
  int y, m, d;
  if (date.size() != kDateLength || date[4] != '-' || date[7] != '-' || !Digits(date.data(), 4, &y) ||
      !Digits(date.data() + 5, 2, &m) || !Digits(date.data() + 8, 2, &d)) {
    return Status::InvalidArgument("bad date '" + std::string(date.substr(0, 32)) + "': want YYYY-MM-DD");
  }
  if (m < 1 || m > 12 || d < 1 || static_cast<unsigned>(d) > DaysInMonth(y, static_cast<unsigned>(m))) {
    return Status::InvalidArgument("bad date '" + std::string(date) + "': no such day");
  }
  return DaysFromCivil(y, static_cast<unsigned>(m), static_cast<unsigned>(d)) * kMicrosPerDay;
}

Result<int64_t> ParseTimestamp(std::string_view text) {
  const char* p = text.data();
  const size_t n = text.size();
  int h, mi, s;
  if (n < 20) return BadTime(text, "too short for YYYY-MM-DDThh:mm:ssZ");
  // Timestamps parsed one after another mostly share their date: each thread
  // keeps the last valid date's text and day number (a date that matches it
  // passed every date check before, so the checks and reasons are the same).
  struct LastDate {
    char text[kDateLength] = {};
    int64_t days = 0;
    bool valid = false;
  };
  thread_local LastDate last;
  const bool same_date = last.valid && std::memcmp(p, last.text, kDateLength) == 0;
  int y = 0, mo = 0, d = 0;
  if (!same_date && (!Digits(p, 4, &y) || p[4] != '-' || !Digits(p + 5, 2, &mo) || p[7] != '-' ||
                     !Digits(p + 8, 2, &d))) {
    return BadTime(text, "want YYYY-MM-DD");
  }
  if (p[10] != 'T' && p[10] != 't' && p[10] != ' ') return BadTime(text, "want 'T' after the date");
  if (!Digits(p + 11, 2, &h) || p[13] != ':' || !Digits(p + 14, 2, &mi) || p[16] != ':' ||
      !Digits(p + 17, 2, &s)) {
    return BadTime(text, "want hh:mm:ss");
  }
  if (!same_date) {
    if (mo < 1 || mo > 12) return BadTime(text, "month out of range");
    if (d < 1 || static_cast<unsigned>(d) > DaysInMonth(y, static_cast<unsigned>(mo))) {
      return BadTime(text, "no such day");
    }
    std::memcpy(last.text, p, kDateLength);
    last.days = DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
    last.valid = true;
  }
  if (h > 23 || mi > 59) return BadTime(text, "time of day out of range");
  if (s > 59) return BadTime(text, "seconds out of range (leap seconds are not accepted)");
  size_t i = 19;
  int64_t frac = 0;
  if (i < n && p[i] == '.') {
    ++i;
    const size_t start = i;
    int64_t scale = 100000;
    while (i < n && static_cast<unsigned>(static_cast<unsigned char>(p[i]) - '0') <= 9) {
      frac += (p[i] - '0') * scale;  // digits past the sixth are truncated
      scale /= 10;
      ++i;
    }
    if (i == start) return BadTime(text, "empty fraction");
  }
  if (i >= n) return BadTime(text, "missing 'Z' or offset");
  int64_t offset_minutes = 0;
  if (p[i] == 'Z' || p[i] == 'z') {
    ++i;
  } else if (p[i] == '+' || p[i] == '-') {
    int oh, om;
    if (n - i < 6 || !Digits(p + i + 1, 2, &oh) || p[i + 3] != ':' || !Digits(p + i + 4, 2, &om)) {
      return BadTime(text, "want offset +hh:mm");
    }
    if (oh > 23 || om > 59) return BadTime(text, "offset out of range");
    offset_minutes = (oh * 60 + om) * (p[i] == '-' ? -1 : 1);
    i += 6;
  } else {
    return BadTime(text, "want 'Z' or an offset");
  }
  if (i != n) return BadTime(text, "trailing characters");
  const int64_t local = last.days * kMicrosPerDay +
                        (static_cast<int64_t>(h) * 3600 + mi * 60 + s) * kMicrosPerSecond + frac;
  const int64_t utc = local - offset_minutes * 60 * kMicrosPerSecond;
  if (utc < kMinDays * kMicrosPerDay || utc >= kMaxDays * kMicrosPerDay) {
    return BadTime(text, "outside years 0000..9999 in UTC");
  }
  return utc;
}

}  // namespace evpipe::event
