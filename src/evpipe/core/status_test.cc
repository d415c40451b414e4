// Tests of Status and Result.
#include "evpipe/core/status.h"

#include <gtest/gtest.h>

namespace evpipe {
namespace {

Result<int> Half(int x) {
  if (x % 2 != 0) return Status::InvalidArgument("odd");
  return x / 2;
}

Result<int> Quarter(int x) {
  EVPIPE_ASSIGN_OR_RETURN(int h, Half(x));
  EVPIPE_ASSIGN_OR_RETURN(int q, Half(h));
  return q;
}

TEST(StatusTest, OkByDefault) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.ToString(), "ok");
}

TEST(StatusTest, ContextIsPrepended) {
  Status s = Status::FromErrno("fsync", ENOSPC).WithContext("topic=events partition=2");
  EXPECT_EQ(s.code(), StatusCode::kIoError);
  EXPECT_EQ(s.message(), "topic=events partition=2: fsync: No space left on device");
}

TEST(StatusTest, ContextOnOkStaysOk) { EXPECT_TRUE(Status::Ok().WithContext("x").ok()); }

TEST(ResultTest, AssignOrReturnPropagates) {
  EXPECT_EQ(*Quarter(8), 2);
  Result<int> r = Quarter(6);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "odd");
}

}  // namespace
}  // namespace evpipe
