// Logging: one line per message on stderr, "2026-02-05T10:11:12.123Z INFO  message".
#pragma once

#include <fmt/core.h>

#include <string_view>

namespace evpipe::log {

enum class Level { kDebug = 0, kInfo, kWarn, kError };

// Messages below the level are dropped. Default kInfo; EVPIPE_LOG_LEVEL=debug|info|warn|error.
void SetLevel(Level level);
Level GetLevel();
// Thread-safe: each call writes one whole line.
void Write(Level level, std::string_view message);

template <typename... Args>
void Debug(fmt::format_string<Args...> f, Args&&... args) {
  if (GetLevel() <= Level::kDebug) Write(Level::kDebug, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void Info(fmt::format_string<Args...> f, Args&&... args) {
  if (GetLevel() <= Level::kInfo) Write(Level::kInfo, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void Warn(fmt::format_string<Args...> f, Args&&... args) {
  if (GetLevel() <= Level::kWarn) Write(Level::kWarn, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void Error(fmt::format_string<Args...> f, Args&&... args) {
  Write(Level::kError, fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace evpipe::log
