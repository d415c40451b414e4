// CheckTopicAndRoots: topic name rule and non-overlapping roots.
#include "evpipe/jobs/roots.h"

#include <filesystem>
#include <string>
#include <system_error>

#include "evpipe/core/names.h"

namespace evpipe::jobs {
namespace {

namespace fs = std::filesystem;

fs::path Canonical(const std::string& dir) {
  std::error_code ec;
  fs::path p = fs::weakly_canonical(fs::absolute(dir.empty() ? "." : dir, ec), ec);
  return ec ? fs::absolute(dir).lexically_normal() : p;
}

// True when `inner` is `outer` or lies below it.
bool Within(const fs::path& inner, const fs::path& outer) {
  auto i = inner.begin();
  for (auto o = outer.begin(); o != outer.end(); ++o, ++i) {
    if (o->empty()) continue;  // a trailing separator
    if (i == inner.end() || *i != *o) return false;
  }
  return true;
}

}  // namespace

Status CheckTopicAndRoots(const Options& options) {
  if (Status s = ValidateTopicName(options.topic); !s.ok()) {
    return Status::InvalidArgument("--topic '" + options.topic + "': " + s.message());
  }
  struct Root {
    const char* flag;
    fs::path path;
  };
  const Root roots[] = {
      {"--raw-dir", Canonical(options.raw_dir)},
      {"--parquet-dir", Canonical(options.parquet_dir)},
      {"--quarantine-dir", Canonical(options.quarantine_dir)},
  };
  for (size_t a = 0; a < std::size(roots); ++a) {
    for (size_t b = a + 1; b < std::size(roots); ++b) {
      if (Within(roots[a].path, roots[b].path) || Within(roots[b].path, roots[a].path)) {
        return Status::InvalidArgument(std::string(roots[a].flag) + " " + roots[a].path.string() + " and " +
                                       roots[b].flag + " " + roots[b].path.string() +
                                       " overlap: give each its own directory (the job would replace its input)");
      }
    }
  }
  return Status::Ok();
}

}  // namespace evpipe::jobs
