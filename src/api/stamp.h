// Stamping: the server's part of a command submitted over HTTP (SPEC §2, `at` and `id`).
//
// Time belongs to the server, because the rules in force depend on it:
//   declarant  the command is decided at the server's time of receipt; a client `at` further than
//              the zone's allowed skew from it is refused (the client's `at` is kept in the stamp
//              as client_at, so that a retry is still recognised as the same command);
//   officer    the gate device's `at` is kept if it is within the skew, else refused;
//   admin      any past `at`: importing past events is an admin's job; a future one beyond the
//              skew is refused like anyone's (an import of an event that has not happened).
// Every command gets a `received` stamp (engine::Received): the receive time, the role, the
// token's public id, the declarant's party (which scopes its ids), and for declarants and officers
// a nonce from the CSPRNG that makes the inspection draw unpredictable (policy::SamplingDraw). The
// stamp is part of the journaled command, so replay needs nothing from outside the journal.
//
// A body that tries to send its own stamp is refused: only the server writes one.
// Thread-safety: pure apart from the CSPRNG (OpenSSL's is thread-safe).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "api/auth.h"
#include "api/request_body.h"
#include "engine/command.h"

namespace twoline::api {

struct ZoneTime {
  int64_t now_unix_seconds = 0;   // the server's time of receipt
  int32_t utc_offset_minutes = 0;  // the zone's offset, for the stamp's text
  int64_t allowed_skew_seconds = 300;
};

// A command whose `at` is beyond the allowed skew: refused unless it repeats a command already
// decided (a retry keeps its original decision however late it arrives; only the writer knows).
struct LateCommand {
  size_t index = 0;
  BodyError refusal;  // 400 invalid_command, naming "$.at" or "$[3].at"
};

// Stamps every command of a request in place. On a refusal nothing is changed and the error
// (400 invalid_command) names the command's path: "$.at", "$[3].at", "$.received". With `late`,
// a command beyond the skew is stamped all the same and listed there instead of refused: the
// caller submits it as answerable only as a repeat (store::RepeatOnly).
std::optional<BodyError> StampCommands(const Principal& principal, const ZoneTime& time, bool batch,
                                       std::vector<engine::Command>* commands,
                                       std::vector<LateCommand>* late = nullptr);

}  // namespace twoline::api
