// Helpers shared by `run --journal` and `run --db`: the profile a run puts in force, the decision
// line written for a malformed input line, and the thread that reads and parses a run's input. One
// definition, so that both backends answer the same input with the same bytes (SPEC behaviour 15).
// Thread-safety: pure functions (LoadZoneProfile reads files), except RunInput (below).
#pragma once

#include <cstddef>
#include <istream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "base/batch_queue.h"
#include "base/result.h"
#include "engine/command.h"
#include "policy/profile.h"

namespace twoline::cli {

// The profile to put in force for `zone`: the file at `profile_path` when given (it must be a
// profile for `zone`), else the built-in profile.
Result<std::shared_ptr<const policy::Profile>> LoadZoneProfile(const std::string& zone,
                                                              const std::string& profile_path);

// {"id":..|null,"line":N,"outcome":"invalid","reasons":[{"rule":"command.malformed","detail":"line N: ..."}]}
std::string MalformedLineDecision(const engine::ParseFailure& failure, size_t line_number);

// One input line of a run, parsed: its command, or the decision answering it as malformed.
struct RunLine {
  bool parsed = false;
  engine::Command command;
  std::string malformed;  // MalformedLineDecision, when not parsed
};

// Reads a run's input lines and parses them on a thread of its own, handing them over in batches
// of up to `batch_lines` or kBatchLinesMax, whichever is less (in order), so that the deciding thread only decides: parsing was a
// quarter of a record day's deciding thread (perf of `run --journal`). Next() returns null at the
// end of the input. Stopping early (the destructor) ends the reader at the next line it reads or
// at the end of the input, whichever comes first: after a failure, a run fed by a pipe that stays
// open without writing ends when its writer writes or closes.
// The stream is untied while the reader runs (std::cin is tied to std::cout, so each read would
// flush std::cout from the reader's thread while the deciding thread writes to it).
// Thread-safety: one thread calls Next and Recycle; `in` is read by the reader thread only.
class RunInput {
 public:
  using Batch = std::vector<RunLine>;
  static constexpr size_t kBatchLinesMax = 512;
  RunInput(std::istream& in, size_t batch_lines);
  ~RunInput();
  RunInput(const RunInput&) = delete;
  RunInput& operator=(const RunInput&) = delete;

  std::unique_ptr<Batch> Next() { return queue_.Pop(); }
  // Hands a batch Next returned back once its lines are decided: the reader destroys them and
  // fills the batch again, off the deciding thread.
  void Recycle(std::unique_ptr<Batch> batch) { spent_.Put(std::move(batch)); }

 private:
  std::istream& in_;
  std::ostream* const tied_;  // in_'s tie before, restored after the reader ends
  BatchQueue<RunLine> queue_;
  SpentBatches<RunLine> spent_;
  std::thread reader_;
};

// True when a profile differs from the one in force (text or tariff), so that putting it in force
// is a new journal entry.
bool ProfileChanged(const policy::Profile& in_force, const policy::Profile& candidate);

}  // namespace twoline::cli
