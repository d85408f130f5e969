#include "signet/core/time.h"

#include <cstdio>

namespace signet {

using std::chrono::days;
using std::chrono::nanoseconds;
using std::chrono::seconds;

int64_t ToUnixSeconds(Timestamp t) {
  return std::chrono::floor<seconds>(t).time_since_epoch().count();
}

Timestamp SystemClock::Now() const {
  return std::chrono::time_point_cast<nanoseconds>(std::chrono::system_clock::now());
}

namespace {

bool Digits(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  out = v;
  return true;
}

}  // namespace

Result<Timestamp> ParseRfc3339(std::string_view s) {
  auto bad = [] { return InvalidArgument("time: not an RFC 3339 date-time"); };
  int y, mo, d, h, mi, se;
  if (!Digits(s, 0, 4, y) || s.size() < 20 || s[4] != '-' || !Digits(s, 5, 2, mo) || s[7] != '-' ||
      !Digits(s, 8, 2, d) || (s[10] != 'T' && s[10] != 't') || !Digits(s, 11, 2, h) || s[13] != ':' ||
      !Digits(s, 14, 2, mi) || s[16] != ':' || !Digits(s, 17, 2, se)) {
    return bad();
  }
  std::chrono::year_month_day ymd{std::chrono::year(y), std::chrono::month(static_cast<unsigned>(mo)),
                                  std::chrono::day(static_cast<unsigned>(d))};
  if (!ymd.ok() || h > 23 || mi > 59 || se > 59) return InvalidArgument("time: field out of range");
  // Timestamp is signed 64-bit nanoseconds since 1970: it holds 1677-09-21 .. 2262-04-11.
  // Refuse whole years outside 1678..2261 rather than overflow.
  if (y < 1678 || y > 2261) return InvalidArgument("time: year outside 1678..2261");
  size_t pos = 19;
  int64_t frac_ns = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    size_t start = pos;
    int64_t scale = 100000000;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (pos - start >= 9) return InvalidArgument("time: more than nanosecond precision");
      frac_ns += (s[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == start) return bad();
  }
  if (pos >= s.size()) return bad();
  int64_t offset_s = 0;
  if (s[pos] == 'Z' || s[pos] == 'z') {
    ++pos;
  } else if (s[pos] == '+' || s[pos] == '-') {
    int oh, om;
    if (!Digits(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' || !Digits(s, pos + 4, 2, om) ||
        oh > 23 || om > 59) {
      return bad();
    }
    offset_s = (oh * 3600 + om * 60) * (s[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return bad();
  }
  if (pos != s.size()) return bad();
  auto t = std::chrono::sys_days(ymd) + std::chrono::hours(h) + std::chrono::minutes(mi) + seconds(se) -
           seconds(offset_s);
  return Timestamp(std::chrono::time_point_cast<nanoseconds>(t) + nanoseconds(frac_ns));
}

std::string FormatRfc3339(Timestamp t) {
  auto day = std::chrono::floor<days>(t);
  std::chrono::year_month_day ymd(day);
  std::chrono::hh_mm_ss<nanoseconds> hms(t - day);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()));
  std::string out = buf;
  int64_t ns = hms.subseconds().count();
  if (ns != 0) {
    char f[16];
    std::snprintf(f, sizeof f, ".%09lld", static_cast<long long>(ns));
    std::string frac = f;
    while (frac.back() == '0') frac.pop_back();
    out += frac;
  }
  out += 'Z';
  return out;
}

Result<std::chrono::seconds> ParseDuration(std::string_view text) {
  if (text.empty()) return InvalidArgument("duration: empty");
  int64_t total = 0;
  size_t i = 0;
  while (i < text.size()) {
    size_t start = i;
    int64_t v = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      v = v * 10 + (text[i] - '0');
      if (v > 1000000000) return InvalidArgument("duration: too large");
      ++i;
    }
    if (i == start || i >= text.size()) return InvalidArgument("duration: expected <number><h|m|s>");
    char u = text[i++];
    int64_t mult = u == 'h' ? 3600 : u == 'm' ? 60 : u == 's' ? 1 : 0;
    if (mult == 0) return InvalidArgument("duration: unit must be h, m or s");
    total += v * mult;
  }
  return std::chrono::seconds(total);
}

}  // namespace signet
