// Fixed-width little-endian (host order) reads and writes for the broker's own
// files: index, checkpoint, producer state, group offsets.
#pragma once

#include <cstring>
#include <string>
#include <string_view>

namespace evpipe::broker::storage {

// Appends the bytes of `v`.
template <typename T>
void Put(std::string& out, T v) {
  char buf[sizeof(T)];
  std::memcpy(buf, &v, sizeof(T));
  out.append(buf, sizeof(T));
}

// The T at byte `pos` of `in`; the caller has checked the bounds.
template <typename T>
T GetAt(std::string_view in, size_t pos) {
  T v;
  std::memcpy(&v, in.data() + pos, sizeof(T));
  return v;
}

// Reads a T from the front of `in` and consumes it; false when `in` is too short.
template <typename T>
bool Get(std::string_view& in, T* v) {
  if (in.size() < sizeof(T)) return false;
  std::memcpy(v, in.data(), sizeof(T));
  in.remove_prefix(sizeof(T));
  return true;
}

}  // namespace evpipe::broker::storage
