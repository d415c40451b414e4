// A temporary directory for a test, removed at the end unless EVPIPE_KEEP_TMP is set.
#pragma once

#include <string>

namespace evpipe::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace evpipe::testing
