#include "journal/journal_file.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace twoline::journal {
namespace {

Result<std::string> ReadAll(int fd, const std::string& path) {
  struct stat info;
  if (fstat(fd, &info) != 0) return Error{path + ": " + std::strerror(errno)};
  std::string data(static_cast<size_t>(info.st_size), '\0');
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = pread(fd, data.data() + done, data.size() - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Error{path + ": read failed: " + std::strerror(n < 0 ? errno : EIO)};
    done += static_cast<size_t>(n);
  }
  return data;
}

// Replays every line of `data`; records each entry's offset.
Status ReplayLines(const std::string& data, Chain* chain, std::vector<uint64_t>* offsets) {
  size_t position = 0;
  while (position < data.size()) {
    uint64_t seq = chain->entries() + 1;
    size_t end = data.find('\n', position);
    if (end == std::string::npos) {
      return Error{"seq " + std::to_string(seq) +
                   ": entry truncated mid-line (torn write at the end of the journal)"};
    }
    auto entry = EntryFromJsonLine(std::string_view(data).substr(position, end - position));
    if (!entry) return Error{"seq " + std::to_string(seq) + ": " + entry.error().message};
    if (Status status = chain->Replay(*entry); !status) return status;
    if (offsets) offsets->push_back(position);
    position = end + 1;
  }
  return Status::Ok();
}

}  // namespace

JournalFile::~JournalFile() {
  if (fd_ >= 0) close(fd_);
}

Result<std::unique_ptr<JournalFile>> JournalFile::Open(const std::string& path, Chain* chain,
                                                       bool must_exist) {
  int flags = O_RDWR | O_APPEND | O_CLOEXEC | (must_exist ? 0 : O_CREAT);
  int fd = open(path.c_str(), flags, 0644);
  if (fd < 0) return Error{path + ": " + std::strerror(errno)};
  std::unique_ptr<JournalFile> file(new JournalFile(fd, path));
  auto data = ReadAll(fd, path);
  if (!data) return data.error();
  if (Status status = ReplayLines(*data, chain, &file->offsets_); !status) {
    return Error{path + ": " + status.message()};
  }
  file->size_ = data->size();
  return file;
}

Status JournalFile::Append(std::string_view lines, const std::vector<uint32_t>& line_sizes) {
  if (failed_) return Error{path_ + ": an earlier write failed; restart to recover"};
  size_t done = 0;
  while (done < lines.size()) {
    ssize_t n = write(fd_, lines.data() + done, lines.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      failed_ = true;
      return Error{path_ + ": write failed: " + std::strerror(n < 0 ? errno : EIO)};
    }
    done += static_cast<size_t>(n);
  }
  for (uint32_t size : line_sizes) {
    offsets_.push_back(size_);
    size_ += size;
  }
  return Status::Ok();
}

Status JournalFile::Sync() {
  if (failed_) return Error{path_ + ": an earlier write failed; restart to recover"};
  if (fdatasync(fd_) != 0) {
    failed_ = true;
    return Error{path_ + ": fdatasync failed: " + std::strerror(errno)};
  }
  return Status::Ok();
}

Result<Entry> JournalFile::ReadEntry(uint64_t seq) const {
  if (seq == 0 || seq > offsets_.size()) return Error{"no entry " + std::to_string(seq)};
  uint64_t begin = offsets_[seq - 1];
  uint64_t end = seq < offsets_.size() ? offsets_[seq] : size_;
  std::string line(end - begin, '\0');
  if (pread(fd_, line.data(), line.size(), static_cast<off_t>(begin)) !=
      static_cast<ssize_t>(line.size())) {
    return Error{path_ + ": cannot read entry " + std::to_string(seq)};
  }
  if (!line.empty() && line.back() == '\n') line.pop_back();
  return EntryFromJsonLine(line);
}

Status ReplayJournalFile(const std::string& path, Chain* chain) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Error{path + ": " + std::strerror(errno)};
  auto data = ReadAll(fd, path);
  close(fd);
  if (!data) return data.error();
  if (Status status = ReplayLines(*data, chain, nullptr); !status) {
    return Error{path + ": " + status.message()};
  }
  return Status::Ok();
}

}  // namespace twoline::journal
