// JournalFile: the JSON Lines journal on disk (one entry per line, see entry.h), appended with
// write(2) and made durable with fdatasync(2).
//
// Open replays the whole file through a Chain, so a file that fails verification is refused with
// the first bad seq. A last line without its '\n' is a torn write and is reported as such: the file
// is never silently repaired. A failed write or sync is sticky: every later Append fails until the
// file is reopened.
// Thread-safety: none; one writer.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "journal/chain.h"

namespace twoline::journal {

class JournalFile {
 public:
  ~JournalFile();
  JournalFile(const JournalFile&) = delete;
  JournalFile& operator=(const JournalFile&) = delete;

  // Opens (creating when absent, unless must_exist) and replays into `chain`.
  static Result<std::unique_ptr<JournalFile>> Open(const std::string& path, Chain* chain,
                                                   bool must_exist);

  // Appends encoded entry lines. Not durable until Sync.
  // `line_sizes` gives the byte size of each entry line in `lines`, in order.
  Status Append(std::string_view lines, const std::vector<uint32_t>& line_sizes);
  uint64_t entries() const { return offsets_.size(); }
  Status Sync();
  // The stored entry at `seq` (1-based), for answering a duplicate with its original decision.
  Result<Entry> ReadEntry(uint64_t seq) const;

 private:
  JournalFile(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  int fd_;
  std::string path_;
  uint64_t size_ = 0;
  std::vector<uint64_t> offsets_;  // offsets_[seq - 1] = byte offset of entry seq
  bool failed_ = false;
};

// Reads a journal file and replays it into `chain` without opening it for writing (`verify`).
Status ReplayJournalFile(const std::string& path, Chain* chain);

}  // namespace twoline::journal
