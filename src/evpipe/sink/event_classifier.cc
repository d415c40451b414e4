// The event model's rules (evpipe/event) as the sink's record classifier, in
// the two depths of --validate.
#include "evpipe/event/event.h"
#include "evpipe/sink/sink.h"

namespace evpipe::sink {
namespace {

// --validate full: every rule of the event model.
class FullClassifier final : public RecordClassifier {
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
  std::string_view name() const override { return ValidationName(Validation::kFull); }

 private:
  event::LineParser parser_;
  event::EventView view_;
};

// --validate route: the ingest_time only (the same look-up reconcile uses to
// date a topic's records). The full rules run only on a record whose
// ingest_time cannot be read, to name its reason as --validate full would.
class RouteClassifier final : public RecordClassifier {
 public:
  std::optional<std::string> Classify(std::string_view value, int64_t* ingest_us) override {
    std::optional<int64_t> t = event::ExtractIngestTime(value);
    if (t) {
      *ingest_us = *t;
      return std::nullopt;
    }
    *ingest_us = -1;
    std::optional<std::string> reason = parser_.Parse(value, &view_);
    if (!reason) {
      // Not expected (a valid event has a readable ingest_time); land it anyway.
      *ingest_us = view_.ingest_time_us;
      return std::nullopt;
    }
    return reason;
  }
  std::string_view name() const override { return ValidationName(Validation::kRoute); }

 private:
  event::LineParser parser_;
  event::EventView view_;
};

}  // namespace

std::string_view ValidationName(Validation v) { return v == Validation::kFull ? "full" : "route"; }

Result<Validation> ParseValidation(std::string_view name) {
  if (name == "route") return Validation::kRoute;
  if (name == "full") return Validation::kFull;
  return Status::InvalidArgument("--validate " + std::string(name) + ": expected route or full");
}

std::unique_ptr<RecordClassifier> NewEventClassifier(Validation validation) {
  if (validation == Validation::kFull) return std::make_unique<FullClassifier>();
  return std::make_unique<RouteClassifier>();
}

}  // namespace evpipe::sink
