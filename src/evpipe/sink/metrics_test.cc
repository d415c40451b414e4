// The sink's Prometheus text: escaped labels, lag per partition, the oldest roll's age.
#include "evpipe/sink/metrics.h"

#include <gtest/gtest.h>

namespace evpipe::sink {
namespace {

TEST(SinkMetrics, LagIsUnknownUntilAHighWatermarkIsKnown) {
  SinkMetrics m;
  EXPECT_EQ(m.LagText(), "unknown");  // nothing assigned (the ux walkthrough's "lag 0")
  m.SetDurable(0, -1);
  m.SetLag(0, -1);
  EXPECT_EQ(m.LagText(), "unknown");
  m.SetLag(1, 250);
  EXPECT_EQ(m.LagText(), "250 (1 of 2 partitions known)");
  m.SetLag(0, 50);
  EXPECT_EQ(m.LagText(), "300");
  EXPECT_EQ(m.TotalLag(), 300);
}

TEST(SinkMetrics, RendersLagPerPartitionTheOldestRollAndEscapedLabels) {
  SinkMetrics m;
  m.SetLag(2, 17);
  m.SetDurable(2, 100);
  m.SetCommitted(2, 90);
  m.oldest_roll_age_us = 2'500'000;
  std::string text = m.Render("ev\"il\\\n");
  EXPECT_NE(text.find("evpipe_sink_lag{topic=\"ev\\\"il\\\\\\n\",partition=\"2\"} 17\n"), std::string::npos) << text;
  EXPECT_NE(text.find("evpipe_sink_oldest_open_roll_age_seconds 2.500\n"), std::string::npos) << text;
  EXPECT_NE(text.find("# TYPE evpipe_sink_lag gauge\n"), std::string::npos);
  // Every sample line is "name{labels} value" or "name value": no raw newline inside a label.
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    std::string line = text.substr(pos, nl - pos);
    pos = nl + 1;
    if (line.empty() || line[0] == '#') continue;
    EXPECT_EQ(line.rfind("evpipe_sink_", 0), 0u) << line;
  }
}

}  // namespace
}  // namespace evpipe::sink
