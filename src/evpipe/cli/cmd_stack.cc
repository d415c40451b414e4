// `evpipe up|down|restart|logs|ps|health`: the broker's life, for three kinds:
// embedded (our `evpipe broker`), kafka (Apache Kafka from the jars `make deps`
// fetches) and redpanda (docker compose). Each kind lives in stack_<kind>.cc;
// this file parses the flags and dispatches.
//
// Exit codes (LSB init-script style): up when a broker already runs and down
// when none runs both say so and exit 0 (the wanted state holds); ps and health
// exit 0 when the broker runs / is ready, 1 when not; any failure exits 1.
// Without a pid file of ours, ps, down and health still probe the configured
// addresses and name what answers there.
#include <cstdio>
#include <string>

#include "evpipe/cli/command.h"
#include "evpipe/cli/stack_internal.h"
#include "evpipe/core/json_writer.h"

namespace evpipe::cli {
namespace {

using stack::Outcome;
using stack::StackFlags;

// auto: for up, Redpanda when a Docker engine answers, else embedded; for the
// others, the kind whose pid file is here, else the same choice.
const stack::BrokerKind& Resolve(const StackFlags& f, const std::string& command) {
  std::string broker = f.broker;
  if (broker == "auto") {
    bool starting = command == "up" || command == "restart";
    if (!starting && stack::PidFileExists(f, stack::kEmbedded.files)) broker = "embedded";
    else if (!starting && stack::PidFileExists(f, stack::kKafka.files)) broker = "kafka";
    else broker = stack::DockerAnswers() ? "redpanda" : "embedded";
  }
  if (broker == "kafka") return stack::kKafka;
  if (broker == "redpanda") return stack::kRedpanda;
  return stack::kEmbedded;
}

Outcome Dispatch(const StackFlags& f, const std::string& command) {
  const stack::BrokerKind& kind = Resolve(f, command);
  if (command == "up") return kind.up(f);
  if (command == "down") return kind.down(f);
  if (command == "restart") {
    Outcome down = kind.down(f);
    if (down.exit_code != kExitOk) return down;
    if (!down.message.empty()) std::printf("%s\n", down.message.c_str());
    return kind.up(f);
  }
  if (command == "logs") return kind.logs(f);
  if (command == "ps") return kind.ps(f);
  return kind.health(f);
}

// ps --json: {"running","ready","message","exit_code"} (docs/readme/operate.md).
std::string PsJson(const Outcome& o) {
  JsonWriter w;
  bool running = o.exit_code == kExitOk;
  w.BeginObject()
      .Field("running", running)
      .Field("ready", running && o.message.find("not ready") == std::string::npos)
      .Field("message", o.message)
      .Field("exit_code", o.exit_code)
      .EndObject();
  return w.Take();
}

}  // namespace

void RegisterStack(CLI::App& root, Context& ctx) {
  static StackFlags f;
  static bool ps_json = false;
  const std::pair<const char*, const char*> commands[] = {
      {"up", "start the broker (embedded, kafka, or Redpanda where a Docker engine answers) and wait until ready"},
      {"down", "stop the broker"},
      {"restart", "stop, then start the broker"},
      {"logs", "print the broker's log"},
      {"ps", "show whether the broker runs (exit 1 when not)"},
      {"health", "exit 0 when the broker answers ready (admin /v1/status/ready; kafka: a Metadata answer)"},
  };
  for (const auto& [name, help] : commands) {
    CLI::App* sub = root.add_subcommand(name, help);
    sub->add_option("--broker", f.broker, "auto, embedded, kafka or redpanda")
        ->envname("BROKER")
        ->check(CLI::IsMember({"auto", "embedded", "kafka", "redpanda"}))
        ->capture_default_str();
    sub->add_option("--data-dir", f.data_dir, "Data directory (default ./data/broker; kafka: ./data/kafka)")
        ->envname("BROKER_DATA_DIR");
    sub->add_option("--run-dir", f.run_dir, "Pid, log and ready files (<kind>.pid, .log, .ready)")
        ->envname("BROKER_RUN_DIR")->capture_default_str();
    sub->add_option("--listen", f.listen, "Kafka address of the broker we start (embedded: port 0 = any free port)")
        ->envname("BROKER_LISTEN")->capture_default_str();
    sub->add_option("--admin-listen", f.admin_listen, "Embedded broker: admin HTTP address")
        ->envname("BROKER_ADMIN_LISTEN")->capture_default_str();
    sub->add_option("--controller-listen", f.controller_listen, "Kafka: the KRaft controller's address")
        ->envname("KAFKA_CONTROLLER_LISTEN")->capture_default_str();
    sub->add_option("--kafka-lib", f.kafka_lib, "Kafka: the jars (default .evpipe/peers/kafka/lib, from `make deps`)")
        ->envname("EVPIPE_KAFKA_LIB");
    sub->add_option("--admin", f.admin, "Admin address to ask for health (default: the running broker's, else --admin-listen)")
        ->envname("EVPIPE_ADMIN");
    sub->add_option("--compose-file", f.compose_file, "Redpanda: the docker compose file")
        ->envname("EVPIPE_COMPOSE_FILE")->capture_default_str();
    sub->add_option("--timeout", f.timeout_s,
                    "Seconds to wait for ready (up) or exit (down) (default 30; kafka up: 120)")
        ->check(CLI::PositiveNumber);
    if (std::string(name) == "logs") sub->add_flag("-f,--follow", f.follow, "Keep printing new lines");
    if (std::string(name) == "ps") sub->add_flag("--json", ps_json, "one JSON object on stdout instead of the line");
    std::string command = name;
    sub->callback([&ctx, command] {
      Outcome o = Dispatch(f, command);
      if (command == "ps" && ps_json) {
        std::printf("%s\n", PsJson(o).c_str());
        ctx.exit_code = o.exit_code;
        return;
      }
      if (!o.message.empty()) {
        if (o.exit_code == kExitOk) {
          std::printf("%s\n", o.message.c_str());
        } else {
          std::fprintf(stderr, "evpipe %s: %s\n", command.c_str(), o.message.c_str());
        }
      }
      ctx.exit_code = o.exit_code;
    });
  }
}

}  // namespace evpipe::cli
