// Security audit finding 4: raw-to-parquet refuses a topic that is not one safe
// path component and roots that overlap (on 12c1cb9 both destroyed raw input).
#include "evpipe/jobs/roots.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "support/temp_dir.h"

namespace evpipe::jobs {
namespace {

Options Roots(const std::string& base) {
  Options o;
  o.raw_dir = base + "/raw";
  o.parquet_dir = base + "/parquet";
  o.quarantine_dir = base + "/quarantine";
  return o;
}

TEST(SecurityAudit4, TopicMustBeOneSafePathComponent) {
  testing::TempDir tmp;
  Options o = Roots(tmp.path());
  EXPECT_TRUE(CheckTopicAndRoots(o).ok());
  for (const char* bad : {"../victim", "..", ".", "a/b", "", "na\xc3\xafve"}) {
    o.topic = bad;
    Status s = CheckTopicAndRoots(o);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << bad;
  }
}

TEST(SecurityAudit4, OverlappingRootsAreRefused) {
  testing::TempDir tmp;
  Options o = Roots(tmp.path());
  o.parquet_dir = o.raw_dir;  // the audit's reproduction 2
  Status s = CheckTopicAndRoots(o);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("overlap"), std::string::npos) << s.message();
  o = Roots(tmp.path());
  o.parquet_dir = o.raw_dir + "/nested";  // inside the raw root
  EXPECT_EQ(CheckTopicAndRoots(o).code(), StatusCode::kInvalidArgument);
  o = Roots(tmp.path());
  o.raw_dir = tmp.path() + "/./parquet/../raw/";  // the same dir spelled differently
  o.quarantine_dir = tmp.path() + "/raw";
  EXPECT_EQ(CheckTopicAndRoots(o).code(), StatusCode::kInvalidArgument);
  // A symlink to the raw root is the raw root.
  std::filesystem::create_directories(tmp.path() + "/raw");
  std::filesystem::create_directory_symlink(tmp.path() + "/raw", tmp.path() + "/link");
  o = Roots(tmp.path());
  o.parquet_dir = tmp.path() + "/link";
  EXPECT_EQ(CheckTopicAndRoots(o).code(), StatusCode::kInvalidArgument);
  // Siblings with a common prefix do not overlap.
  o = Roots(tmp.path());
  o.parquet_dir = tmp.path() + "/raw2";
  EXPECT_TRUE(CheckTopicAndRoots(o).ok());
}

}  // namespace
}  // namespace evpipe::jobs
