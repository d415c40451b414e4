// The event model's rules (evpipe/event) as the sink's record classifier.
#include "evpipe/event/event.h"
#include "evpipe/sink/sink.h"

namespace evpipe::sink {
namespace {

class EventClassifier final : public RecordClassifier {
 public:
  std::optional<std::string> Classify(std::string_view value, int64_t* ingest_us) override {
    std::optional<std::string> reason = parser_.Parse(value, &view_);
    if (!reason) {
      *ingest_us = view_.ingest_time_us;
      return std::nullopt;
    }
    // Filed under its ingest date when that much is readable; else under unknown.
    std::optional<int64_t> t = event::ExtractIngestTime(value);
    *ingest_us = t.value_or(-1);
    return reason;
  }

 private:
  event::LineParser parser_;
  event::EventView view_;
};

}  // namespace

std::unique_ptr<RecordClassifier> NewEventClassifier() { return std::make_unique<EventClassifier>(); }

}  // namespace evpipe::sink
