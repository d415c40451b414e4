// Tests of the manifest's JSON round trip.
#include "evpipe/jobs/manifest.h"

#include <gtest/gtest.h>

namespace evpipe::jobs {
namespace {

TEST(ManifestTest, RoundTripsAndIsDeterministic) {
  Manifest m;
  m.topic = "events";
  m.date = "2026-02-05";
  m.rows_per_file = 250000;
  m.codec = "zstd";
  m.inputs = {{"part-00000.ndjson", 123}, {"part \"1\".ndjson", 4}};
  m.rows_in = 10;
  m.duplicates_removed = 2;
  m.quarantined = 1;
  m.rows_out = 7;
  m.outputs = {{"part-00000.parquet", 7, 999}};
  const std::string json = ManifestToJson(m);
  EXPECT_EQ(json, ManifestToJson(m));
  EXPECT_EQ(json.back(), '\n');
  auto back = ParseManifest(json);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->topic, "events");
  EXPECT_EQ(back->date, "2026-02-05");
  EXPECT_EQ(back->rows_per_file, 250000);
  EXPECT_EQ(back->codec, "zstd");
  EXPECT_EQ(back->inputs, m.inputs);
  EXPECT_EQ(back->rows_in, 10);
  EXPECT_EQ(back->duplicates_removed, 2);
  EXPECT_EQ(back->quarantined, 1);
  EXPECT_EQ(back->rows_out, 7);
  ASSERT_EQ(back->outputs.size(), 1u);
  EXPECT_EQ(back->outputs[0].file, "part-00000.parquet");
  EXPECT_EQ(back->outputs[0].rows, 7);
  EXPECT_EQ(back->outputs[0].size, 999u);
}

TEST(ManifestTest, RejectsGarbage) {
  EXPECT_EQ(ParseManifest("{\"rows_in\": \"x\"}").status().code(), StatusCode::kCorruption);
  EXPECT_EQ(ParseManifest("not json").status().code(), StatusCode::kCorruption);
}

}  // namespace
}  // namespace evpipe::jobs
