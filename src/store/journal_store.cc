#include "store/journal_store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <simdjson.h>

#include "base/json_writer.h"
#include "journal/entry.h"
#include "journal/merkle_leaf.h"
#include "store/commit_batch.h"

namespace twoline::store {
namespace {

std::string ErrnoText() { return std::strerror(errno); }

Status PreadAll(int fd, char* data, size_t size, uint64_t offset, const std::string& path) {
  while (size > 0) {
    ssize_t n = ::pread(fd, data, size, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Error{path + ": read: " + (n == 0 ? std::string("unexpected end") : ErrnoText())};
    data += n;
    size -= static_cast<size_t>(n);
    offset += static_cast<uint64_t>(n);
  }
  return Status::Ok();
}

// The stored record of one journal line: its zone, seq and hash as the line says them. The command id
// (a second parse of the command) only when asked: replay scans never read it, and take a command
// entry's fields from their places (journal::SliceCommandLine) instead of parsing the line that the
// replay parses anyway. Nothing read so is trusted: replay checks every byte.
Result<EntryRecord> RecordOfLine(std::string line, const std::string& path, uint64_t seq,
                                 bool with_command_id) {
  if (!with_command_id) {
    journal::CommandLineParts parts;
    if (journal::SliceCommandLine(line, &parts)) {
      EntryRecord record;
      record.zone.assign(parts.zone);
      record.seq = parts.seq;
      record.hash = parts.hash;
      record.line = std::move(line);
      return record;
    }
  }
  auto entry = journal::EntryFromJsonLine(line);
  if (!entry) return Error{path + "seq " + std::to_string(seq) + ": " + entry.error().message};
  EntryRecord record;
  record.zone = entry->zone;
  record.seq = entry->seq;
  record.hash = entry->hash;
  if (with_command_id && entry->kind == journal::EntryKind::kCommand) {
    record.command_id = CommandIdOf(entry->command);
  }
  record.line = std::move(line);
  return record;
}

}  // namespace

JournalStore::JournalStore(int fd, std::string path, bool read_only, bool use_index,
                           bool read_models)
    : fd_(fd),
      path_(std::move(path)),
      read_only_(read_only),
      snapshots_(path_ + ".snapshots"),
      use_index_(use_index),
      read_models_(read_models) {}

JournalStore::~JournalStore() {
  ::close(fd_);
  if (index_fd_ >= 0) ::close(index_fd_);
  if (leaves_fd_ >= 0) ::close(leaves_fd_);
}

Status JournalStore::ForEachLine(
    uint64_t first_seq, const std::vector<uint64_t>& offsets,
    const std::function<Status(uint64_t seq, std::string_view line)>& each) const {
  // The offsets come from the index, which is mapped and checked where it ends only.
  for (size_t i = 0; i + 1 < offsets.size(); ++i) {
    if (offsets[i + 1] <= offsets[i]) {
      return Error{path_ + ": seq " + std::to_string(first_seq + i) + ": the index (" + path_ +
                   ".index) is damaged: delete it to rebuild it"};
    }
  }
  std::string buffer;
  size_t chunk_end = 0;  // index into offsets one past the last entry in buffer
  uint64_t base = 0;
  for (size_t i = 0; i + 1 < offsets.size(); ++i) {
    if (i >= chunk_end) {
      // Read as many whole entries as fit in about 4 MiB (at least one).
      chunk_end = i + 1;
      while (chunk_end + 1 < offsets.size() && offsets[chunk_end + 1] - offsets[i] <= (4u << 20)) {
        ++chunk_end;
      }
      base = offsets[i];
      buffer.resize(static_cast<size_t>(offsets[chunk_end] - base));
      if (Status status = PreadAll(fd_, buffer.data(), buffer.size(), base, path_); !status) {
        return status;
      }
    }
    std::string_view line(buffer.data() + (offsets[i] - base),
                          static_cast<size_t>(offsets[i + 1] - offsets[i] - 1));
    if (Status status = each(first_seq + i, line); !status) return status;
  }
  return Status::Ok();
}

std::vector<uint64_t> JournalStore::OffsetsOf(uint64_t first_seq, uint64_t last_seq) const {
  std::vector<uint64_t> offsets;
  offsets.reserve(last_seq - first_seq + 2);
  offsets.push_back(StartOf(first_seq));
  ends_.CopyTo(first_seq - 1, last_seq, &offsets);
  return offsets;
}

Status JournalStore::LoadLeaves() {
  const uint64_t entries = ends_.size();
  leaves_.clear();
  const std::string leaves_path = path_ + ".leaves";
  int fd = use_index_ ? ::open(leaves_path.c_str(), O_RDONLY | O_CLOEXEC) : -1;
  if (fd >= 0) {
    struct stat st;
    if (::fstat(fd, &st) == 0 && st.st_size % 32 == 0 &&
        static_cast<uint64_t>(st.st_size) / 32 <= entries) {
      // Mapped, not read: the leaf hashes of a long history are paged in when a proof needs them.
      (void)leaves_.Map(fd, static_cast<size_t>(st.st_size) / 32);
    }
    ::close(fd);
  }
  // Derived data is checked before it is trusted: its last leaf hashes must be those of their lines
  // (a file left from another journal, or from before the journal was rewritten, fails here).
  for (size_t i = leaves_.size() >= 4 ? leaves_.size() - 4 : 0; i < leaves_.size(); ++i) {
    auto record = ReadLocked(i + 1);
    if (!record || journal::LeafHashOfLine(record->line) != leaves_[i]) {
      leaves_.clear();
      break;
    }
  }
  const uint64_t first = leaves_.size() + 1;
  if (first > entries) return Status::Ok();
  leaves_.reserve(entries);
  return ForEachLine(first, OffsetsOf(first, entries), [&](uint64_t, std::string_view line) -> Status {
    leaves_.push_back(journal::LeafHashOfLine(line));
    return Status::Ok();
  });
}

void JournalStore::AppendLeaves(size_t first_new) {
  if (!use_index_ || read_only_) return;
  if (leaves_fd_ < 0) {
    const std::string leaves_path = path_ + ".leaves";
    leaves_fd_ = ::open(leaves_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (leaves_fd_ < 0) return;
    // Cut on first use to the leaf hashes this process trusts: the part it mapped (checked when
    // loaded), or nothing; then everything after it is written.
    if (::ftruncate(leaves_fd_, static_cast<off_t>(leaves_.mapped() * 32)) != 0) return;
    first_new = leaves_.mapped();
  }
  size_t count = leaves_.size() - first_new;
  if (count == 0) return;
  (void)::pwrite(leaves_fd_, leaves_.TailFrom(first_new), count * 32,
                 static_cast<off_t>(first_new * 32));
}

bool JournalStore::LoadIndex(uint64_t file_size) {
  const std::string index_path = path_ + ".index";
  int fd = ::open(index_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  struct stat st;
  bool ok = ::fstat(fd, &st) == 0 && st.st_size % 8 == 0 &&
            ends_.Map(fd, static_cast<size_t>(st.st_size) / 8);
  ::close(fd);
  if (!ok) return false;
  // ends_[i]: where entry i + 2 starts (the end of entry i + 1). Within the file, and the last ones
  // just after a '\n' and increasing. Mapped, not read: a long history's offsets are paged in as
  // entries are read; a bad one in the middle is found by the reader (an entry that does not parse
  // or is out of order) as a bad line would be.
  const size_t count = ends_.size();
  uint64_t previous = count > 4 ? ends_[count - 5] : 0;
  for (size_t i = count >= 4 ? count - 4 : 0; i < count; ++i) {
    char c = 0;
    if (ends_[i] <= previous || ends_[i] > file_size || !PreadAll(fd_, &c, 1, ends_[i] - 1, path_) ||
        c != '\n') {
      ends_.clear();
      return false;
    }
    previous = ends_[i];
  }
  return true;
}

void JournalStore::AppendIndex(size_t first_new) {
  if (!use_index_ || read_only_) return;
  if (index_fd_ < 0) {
    const std::string index_path = path_ + ".index";
    index_fd_ = ::open(index_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (index_fd_ < 0) return;
    // Cut on first use to the offsets this process trusts: the part it mapped, or nothing; then
    // everything after it is written.
    if (::ftruncate(index_fd_, static_cast<off_t>(ends_.mapped() * 8)) != 0) return;
    first_new = ends_.mapped();
  }
  size_t count = ends_.size() - first_new;
  if (count == 0) return;
  (void)::pwrite(index_fd_, ends_.TailFrom(first_new), count * 8, static_cast<off_t>(first_new * 8));
}

Result<std::unique_ptr<JournalStore>> JournalStore::Open(const std::string& path,
                                                         const JournalStoreOptions& options) {
  int flags = O_CLOEXEC | (options.read_only ? O_RDONLY : O_RDWR | (options.create ? O_CREAT : 0));
  int fd = ::open(path.c_str(), flags, 0644);
  if (fd < 0) return Error{path + ": " + ErrnoText()};
  // One writer at a time: two processes appending to one file would hand out the same seqs and
  // interleave their writes, each acknowledging decisions the other overwrote. The lock goes with
  // the descriptor (and with the process, however it ends); readers take none.
  if (!options.read_only && ::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const bool held = errno == EWOULDBLOCK;
    const std::string reason = held ? "the journal is open for writing by another process (a second "
                                      "run or serve on the same file?): one writer at a time"
                                    : "cannot lock the journal: " + ErrnoText();
    ::close(fd);
    return Error{path + ": " + reason};
  }
  std::unique_ptr<JournalStore> store(
      new JournalStore(fd, path, options.read_only, options.use_index, options.read_models));
  store->open_torn_ = options.read_only && options.open_torn;
  if (Status status = store->Scan(); !status) return Error{status.message()};
  return store;
}

Status JournalStore::Scan() {
  struct stat st;
  if (::fstat(fd_, &st) != 0) return Error{path_ + ": " + ErrnoText()};
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  ends_.clear();
  if (use_index_) (void)LoadIndex(size);
  std::string buffer(1 << 20, '\0');
  uint64_t position = FileEnd();  // the tail the index does not cover
  while (position < size) {
    size_t chunk = static_cast<size_t>(std::min<uint64_t>(buffer.size(), size - position));
    if (Status status = PreadAll(fd_, buffer.data(), chunk, position, path_); !status) return status;
    const char* begin = buffer.data();
    const char* end = begin + chunk;
    for (const char* p = begin; (p = static_cast<const char*>(std::memchr(p, '\n', end - p)));) {
      ++p;
      ends_.push_back(position + static_cast<uint64_t>(p - begin));
    }
    position += chunk;
  }
  if (FileEnd() != size) {
    Error torn{path_ + ": seq " + std::to_string(ends_.size() + 1) +
               ": entry truncated mid-line (torn write); the file is not repaired automatically"};
    if (!open_torn_) return torn;
    torn_tail_ = std::move(torn);  // read-only: the complete entries before it are served
  }
  if (ends_.empty()) {
    read_models_built_ = read_models_;  // a new journal: its read models are built as it grows
    leaves_.clear();
    return Status::Ok();
  }
  // An audit trusts no derived file: the leaf hashes are computed from the lines when first asked
  // for (a replay computes its own and needs none).
  if (!use_index_) leaves_.clear();
  auto first = ReadLocked(1);
  if (!first) return first.error();
  zone_ = first->zone;
  // The head is the last line's hash; a last line numbered otherwise than its position is found by
  // replay, which names the first bad seq (zone_set.h).
  auto last = ReadLocked(ends_.size());
  if (!last) return last.error();
  head_ = last->hash;
  return use_index_ ? LoadLeaves() : Status::Ok();
}

Status JournalStore::EnsureLeavesLocked() {
  if (leaves_.size() == ends_.size()) return Status::Ok();
  return LoadLeaves();
}

Result<EntryRecord> JournalStore::ReadLocked(uint64_t seq) const {
  const std::string at = path_ + ": seq " + std::to_string(seq) + ": ";
  uint64_t begin = StartOf(seq);
  if (ends_[seq - 1] <= begin) return Error{at + "the index (" + path_ + ".index) is damaged: delete it to rebuild it"};
  uint64_t length = ends_[seq - 1] - begin;
  if (length <= 1) return Error{at + "empty line"};
  std::string line(static_cast<size_t>(length - 1), '\0');
  if (Status status = PreadAll(fd_, line.data(), line.size(), begin, path_); !status) {
    return Error{status.message()};
  }
  auto record = RecordOfLine(std::move(line), path_ + ": ", seq, /*with_command_id=*/true);
  if (!record) return record;
  record->leaf_hash = seq <= leaves_.size() ? leaves_[seq - 1] : journal::LeafHashOfLine(record->line);
  return record;
}

Status JournalStore::Append(AppendBatch batch) {
  RenderLines(batch);
  std::lock_guard<std::mutex> lock(mutex_);
  if (read_only_) return Error{path_ + ": opened read-only"};
  if (failed_) return Error{path_ + ": writes stopped after an earlier failure (" + failure_ + "); restart to recover"};
  std::string text;
  size_t text_bytes = 0;
  for (const EntryRecord& entry : batch.entries) text_bytes += entry.line.size() + 1;
  text.reserve(text_bytes);
  uint64_t next = ends_.size() + 1;
  std::string zone = zone_;
  for (const EntryRecord& entry : batch.entries) {
    if (zone.empty()) zone = entry.zone;
    // A batch that does not continue the chain is a caller's bug or a second writer: as with a
    // failed write, nothing more is appended until the file is reopened.
    std::string refused;
    if (entry.zone != zone) {
      refused = "a journal file holds one zone (" + zone + "), not " + entry.zone;
    } else if (entry.seq != next) {
      refused = "zone " + zone + ": entry " + std::to_string(entry.seq) +
                " does not continue the chain at seq " + std::to_string(next);
    }
    if (!refused.empty()) {
      failed_ = true;
      failure_ = refused;
      return Error{path_ + ": " + refused};
    }
    ++next;
    text += entry.line;
    text += '\n';
  }
  for (const ReadModelChanges& changes : batch.read_models) {
    if (changes.zone != zone) return Error{path_ + ": read models for unknown zone " + changes.zone};
  }
  if (Status status = EnsureLeavesLocked(); !status) return status;
  const uint64_t end = FileEnd();
  if (!text.empty()) {
    size_t written = 0;
    Status status = Status::Ok();
    while (written < text.size()) {
      ssize_t n = ::pwrite(fd_, text.data() + written, text.size() - written,
                           static_cast<off_t>(end + written));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        status = Error{path_ + ": write: " + ErrnoText()};
        break;
      }
      written += static_cast<size_t>(n);
    }
    if (status && ::fdatasync(fd_) != 0) status = Error{path_ + ": fdatasync: " + ErrnoText()};
    if (!status) {
      // Whatever reached the file is not acknowledged; cut it off so that no torn line remains.
      (void)::ftruncate(fd_, static_cast<off_t>(end));
      failed_ = true;
      failure_ = status.message();
      return status;
    }
    uint64_t position = end;
    const size_t first_new = ends_.size();
    const size_t first_new_leaf = leaves_.size();
    for (const EntryRecord& entry : batch.entries) {
      position += entry.line.size() + 1;
      ends_.push_back(position);
      leaves_.push_back(entry.leaf_hash);
    }
    AppendIndex(first_new);
    AppendLeaves(first_new_leaf);
    zone_ = zone;
    head_ = batch.entries.back().hash;
  }
  for (const ReadModelChanges& changes : batch.read_models) {
    if (!read_models_) break;
    if (changes.replace_all) {
      read_models_built_ = true;
      presence_.clear();
      views_.Clear();
    }
    if (!read_models_built_) continue;
    for (const std::string& person : changes.outside) presence_.erase(person);
    for (const PresenceRow& row : changes.inside) presence_[row.person] = row;
    for (const ViewRow& row : changes.views) views_.Apply(row);
    if (!changes.partial) read_model_seq_ = changes.through_seq;
  }
  return Status::Ok();
}

bool JournalStore::WantsReadModels(const std::string&) {
  std::lock_guard<std::mutex> lock(mutex_);
  return read_models_built_;
}

bool JournalStore::failed() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return failed_;
}

Result<std::vector<ZoneRecord>> JournalStore::Zones() {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<ZoneRecord> out;
  if (ends_.empty()) return out;
  uint64_t entries = ends_.size();
  out.push_back({zone_, entries, head_, read_models_built_ ? read_model_seq_ : 0});
  return out;
}

Result<std::vector<EntryRecord>> JournalStore::ReadEntries(const std::string& zone,
                                                           uint64_t from_seq, size_t limit) {
  std::vector<EntryRecord> out;
  std::lock_guard<std::mutex> lock(mutex_);
  if (zone != zone_) return out;
  const uint64_t entries = ends_.size();
  for (uint64_t seq = std::max<uint64_t>(from_seq, 1);
       seq <= entries && out.size() < std::min(limit, kReadRowsMax); ++seq) {
    auto record = ReadLocked(seq);
    if (!record) return record.error();
    out.push_back(std::move(*record));
  }
  return out;
}

Status JournalStore::ScanEntries(const std::string& zone, uint64_t from_seq, uint64_t through_seq,
                                 const std::function<Status(EntryRecord&)>& each) {
  // The bounds, offsets and leaf hashes are read under the lock; the file is read outside it in
  // chunks (entries below the bound are never rewritten).
  uint64_t last;
  std::vector<uint64_t> offsets;
  std::vector<Hash256> leaves;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (zone != zone_ || ends_.empty()) return Status::Ok();
    last = std::min<uint64_t>(through_seq, ends_.size());
    from_seq = std::max<uint64_t>(from_seq, 1);
    if (from_seq > last) return Status::Ok();
    offsets = OffsetsOf(from_seq, last);
    if (leaves_.size() > from_seq - 1) {
      leaves_.CopyTo(from_seq - 1, std::min<uint64_t>(last, leaves_.size()), &leaves);
    }
  }
  return ForEachLine(from_seq, offsets, [&](uint64_t seq, std::string_view line) -> Status {
    auto record = RecordOfLine(std::string(line), "", seq,
                               /*with_command_id=*/false);
    if (!record) return Error{record.error().message};
    if (seq - from_seq < leaves.size()) {
      record->leaf_hash = leaves[seq - from_seq];
    } else {
      record->leaf_hash_known = false;
    }
    return each(*record);
  });
}

Result<std::vector<Hash256>> JournalStore::ReadLeafHashes(const std::string& zone,
                                                          uint64_t from_seq, size_t limit) {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<Hash256> out;
  from_seq = std::max<uint64_t>(from_seq, 1);
  if (zone != zone_) return out;
  if (Status status = EnsureLeavesLocked(); !status) return Error{status.message()};
  if (from_seq > leaves_.size()) return out;
  size_t count = std::min<size_t>(std::min(limit, kLeafHashesMax), leaves_.size() - (from_seq - 1));
  leaves_.CopyTo(from_seq - 1, from_seq - 1 + count, &out);
  return out;
}

Status JournalStore::WriteCheckpoint(const CheckpointRecord& checkpoint) {
  std::lock_guard<std::mutex> lock(mutex_);
  const std::string checkpoints_path = path_ + ".checkpoints";
  if (read_only_) return Error{path_ + ": opened read-only"};
  if (failed_) return Error{path_ + ": writes stopped after an earlier failure (" + failure_ + ")"};
  if (checkpoint.zone != zone_) {
    return Error{path_ + ": a checkpoint of zone " + checkpoint.zone + " beside the journal of " +
                 (zone_.empty() ? std::string("no zone yet") : zone_)};
  }
  std::string line;
  JsonWriter w(&line);
  w.BeginObject().Key("zone").String(checkpoint.zone).Key("size").Int(static_cast<int64_t>(checkpoint.size));
  w.Key("signed_at").String(checkpoint.signed_at).Key("note").String(checkpoint.note).EndObject();
  line += '\n';
  int fd = ::open(checkpoints_path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Error{checkpoints_path + ": " + ErrnoText()};
  size_t written = 0;
  Status status = Status::Ok();
  while (written < line.size()) {
    ssize_t n = ::write(fd, line.data() + written, line.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      status = Error{checkpoints_path + ": write: " + ErrnoText()};
      break;
    }
    written += static_cast<size_t>(n);
  }
  if (status && ::fdatasync(fd) != 0) status = Error{checkpoints_path + ": fdatasync: " + ErrnoText()};
  ::close(fd);
  return status;
}

Result<std::optional<CheckpointRecord>> JournalStore::LatestCheckpoint(const std::string& zone) {
  const std::string checkpoints_path = path_ + ".checkpoints";
  std::optional<CheckpointRecord> latest;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (zone != zone_) return latest;
  }
  int fd = ::open(checkpoints_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return latest;
    return Error{checkpoints_path + ": " + ErrnoText()};
  }
  struct stat st;
  std::string text;
  Status read = ::fstat(fd, &st) == 0 ? Status::Ok() : Error{checkpoints_path + ": " + ErrnoText()};
  if (read) {
    text.resize(static_cast<size_t>(st.st_size));
    read = PreadAll(fd, text.data(), text.size(), 0, checkpoints_path);
  }
  ::close(fd);
  if (!read) return Error{read.message()};
  simdjson::dom::parser parser;
  size_t position = 0;
  for (uint64_t number = 1;; ++number) {
    size_t end = text.find('\n', position);
    if (end == std::string::npos) break;  // a last line cut short was never acknowledged
    std::string_view line(text.data() + position, end - position);
    position = end + 1;
    simdjson::dom::object object;
    std::string_view line_zone, note, signed_at;
    int64_t size = 0;
    if (parser.parse(line.data(), line.size()).get(object) || object["zone"].get(line_zone) ||
        object["size"].get(size) || object["note"].get(note) ||
        object["signed_at"].get(signed_at) || size < 0) {
      return Error{checkpoints_path + ": line " + std::to_string(number) + " is not a checkpoint"};
    }
    if (line_zone != zone) continue;
    if (!latest || static_cast<uint64_t>(size) >= latest->size) {
      latest = CheckpointRecord{zone, static_cast<uint64_t>(size), std::string(note),
                                std::string(signed_at)};
    }
  }
  return latest;
}

Result<PresencePage> JournalStore::ReadPresence(const std::string& zone, size_t offset,
                                                size_t limit) {
  std::lock_guard<std::mutex> lock(mutex_);
  PresencePage page;
  if (zone != zone_) return page;
  page.count = static_cast<int64_t>(presence_.size());
  auto row = presence_.begin();
  std::advance(row, std::min(offset, presence_.size()));
  for (; row != presence_.end() && page.rows.size() < std::min(limit, kReadRowsMax); ++row) {
    page.rows.push_back(row->second);
  }
  return page;
}

Result<std::optional<PresenceRow>> JournalStore::ReadPresenceOf(const std::string& zone,
                                                                const std::string& person) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (zone != zone_) return std::optional<PresenceRow>();
  auto row = presence_.find(person);
  if (row == presence_.end()) return std::optional<PresenceRow>();
  return std::optional<PresenceRow>(row->second);
}

Result<std::optional<ViewRow>> JournalStore::ReadView(const std::string& zone,
                                                      const std::string& kind,
                                                      const std::string& key) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (zone != zone_) return std::optional<ViewRow>();
  return views_.Read(kind, key);
}

Result<ViewPage> JournalStore::ListViews(const std::string& zone, const std::string& kind,
                                         const ViewFilter& filter, size_t offset, size_t limit) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (zone != zone_) return ViewPage{};
  return views_.List(kind, filter, offset, limit);
}

Status JournalStore::ReadViews(const std::string& zone,
                               const std::function<Status(ViewReader&)>& read) {
  std::lock_guard<std::mutex> lock(mutex_);
  static const ViewTable kEmpty;
  std::unique_ptr<ViewReader> reader = (zone == zone_ ? views_ : kEmpty).Reader();
  return read(*reader);
}

Status JournalStore::WriteSnapshot(const std::string& zone, uint64_t seq, std::string_view bytes) {
  return snapshots_.Write(zone, seq, bytes);
}

Result<std::vector<SnapshotInfo>> JournalStore::ListSnapshots(const std::string& zone) {
  return snapshots_.List(zone);
}

Result<std::string> JournalStore::ReadSnapshot(const std::string& zone, uint64_t seq) {
  return snapshots_.Read(zone, seq);
}

Status JournalStore::UseSnapshot(const std::string& zone, uint64_t seq,
                          const SnapshotUse& use) {
  return snapshots_.Use(zone, seq, use);
}

Status JournalStore::DeleteSnapshot(const std::string& zone, uint64_t seq) {
  return snapshots_.Delete(zone, seq);
}

Status JournalStore::StageSnapshot(const std::string& zone, uint64_t seq, std::string_view bytes) {
  return snapshots_.Stage(zone, seq, bytes);
}

Status JournalStore::PublishSnapshot(const std::string& zone, uint64_t seq) {
  return snapshots_.Publish(zone, seq);
}

void JournalStore::DiscardStagedSnapshot(const std::string& zone, uint64_t seq) {
  snapshots_.DiscardStaged(zone, seq);
}

Status JournalStore::CreateToken(const TokenRecord&) {
  return Error{path_ + ": a journal file holds no tokens (use --db)"};
}

Result<std::vector<TokenRecord>> JournalStore::ListTokens() { return std::vector<TokenRecord>(); }

Result<bool> JournalStore::RevokeToken(const std::string&, const std::string&) {
  return Error{path_ + ": a journal file holds no tokens (use --db)"};
}

}  // namespace twoline::store
