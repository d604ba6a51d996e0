#include "store/snapshot_files.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cerrno>
#include <cstring>
#include <optional>

#include "base/pages.h"
#include "store/paced_vfs.h"

namespace twoline::store {

namespace {

std::string ErrnoText() { return std::strerror(errno); }

Status SyncDirectory(const std::string& directory) {
  int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Error{directory + ": " + ErrnoText()};
  int rc = ::fsync(fd);
  std::string error = rc != 0 ? ErrnoText() : "";
  ::close(fd);
  if (rc != 0) return Error{directory + ": fsync: " + error};
  return Status::Ok();
}

// The seq of `name` when it is `<zone>.<seq, 20 digits><suffix>`.
std::optional<uint64_t> SeqOfName(std::string_view name, const std::string& zone,
                                  std::string_view suffix) {
  if (name.size() != zone.size() + 1 + 20 + suffix.size() || name.substr(0, zone.size()) != zone ||
      name[zone.size()] != '.' || name.substr(name.size() - suffix.size()) != suffix) {
    return std::nullopt;
  }
  // Digits only (from_chars takes no sign or space), within 64 bits: twenty digits may exceed them.
  std::string_view digits = name.substr(zone.size() + 1, 20);
  uint64_t seq = 0;
  auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), seq);
  if (error != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
  return seq;
}

// Calls `each` with the name and seq of every file of `zone` ending in `suffix`.
Status ForEachFile(const std::string& directory, const std::string& zone, std::string_view suffix,
                   const std::function<void(const std::string&, uint64_t)>& each) {
  DIR* dir = ::opendir(directory.c_str());
  if (dir == nullptr) {
    if (errno == ENOENT) return Status::Ok();
    return Error{directory + ": " + ErrnoText()};
  }
  while (dirent* entry = ::readdir(dir)) {
    if (auto seq = SeqOfName(entry->d_name, zone, suffix)) each(entry->d_name, *seq);
  }
  ::closedir(dir);
  return Status::Ok();
}

}  // namespace

std::string SnapshotFiles::PathOf(const std::string& zone, uint64_t seq) const {
  char digits[24];
  std::snprintf(digits, sizeof digits, "%020llu", static_cast<unsigned long long>(seq));
  return directory_ + "/" + zone + "." + digits + ".snap";
}

Status SnapshotFiles::Write(const std::string& zone, uint64_t seq, std::string_view bytes) const {
  if (Status staged = Stage(zone, seq, bytes); !staged) return staged;
  return Publish(zone, seq);
}

Status SnapshotFiles::Stage(const std::string& zone, uint64_t seq, std::string_view bytes) const {
  if (::mkdir(directory_.c_str(), 0755) != 0 && errno != EEXIST) {
    return Error{directory_ + ": " + ErrnoText()};
  }
  const std::string temporary = StagedPathOf(zone, seq);
  int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Error{temporary + ": " + ErrnoText()};
  // Written in pieces, each handed to the disk as soon as it is written and waited for before the
  // next but one: a snapshot of hundreds of MB never sits dirty in the page cache as a whole, to be
  // flushed in one burst by the fdatasync below while the journal's commits wait for their own.
  // Pieces of the paced VFS's size (store/paced_vfs.h: a writer fsyncing every 16 MB beside the
  // committer's pattern made 0.15% of its fdatasyncs take over 3 ms, one started every 256 KiB none).
  constexpr size_t kPiece = kPacedWritebackBytes;
  size_t written = 0, flushed = 0;
  while (written < bytes.size()) {
    const size_t piece_end = std::min(bytes.size(), written + kPiece);
    while (written < piece_end) {
      ssize_t n = ::write(fd, bytes.data() + written, piece_end - written);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        std::string error = ErrnoText();
        ::close(fd);
        ::unlink(temporary.c_str());
        return Error{temporary + ": write: " + error};
      }
      written += static_cast<size_t>(n);
    }
    // Start writing this piece back; wait for the one before (errors surface at fdatasync).
    (void)::sync_file_range(fd, static_cast<off_t>(flushed), static_cast<off_t>(written - flushed),
                            SYNC_FILE_RANGE_WRITE);
    if (flushed >= kPiece) {
      (void)::sync_file_range(fd, static_cast<off_t>(flushed - kPiece), static_cast<off_t>(kPiece),
                              SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE |
                                  SYNC_FILE_RANGE_WAIT_AFTER);
    }
    flushed = written;
  }
  if (::fdatasync(fd) != 0) {
    std::string error = ErrnoText();
    ::close(fd);
    ::unlink(temporary.c_str());
    return Error{temporary + ": fdatasync: " + error};
  }
  ::close(fd);
  return Status::Ok();
}

Status SnapshotFiles::Publish(const std::string& zone, uint64_t seq) const {
  const std::string path = PathOf(zone, seq);
  const std::string temporary = StagedPathOf(zone, seq);
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    std::string error = ErrnoText();
    ::unlink(temporary.c_str());
    return Error{path + ": rename: " + error};
  }
  if (Status synced = SyncDirectory(directory_); !synced) return synced;
  // Staged files of older seqs are of no use now (a crash left them, or their process died before
  // publishing): removed, so that they do not pile up. A newer one may be another process's in
  // progress, and stays.
  (void)ForEachFile(directory_, zone, ".snap.tmp", [&](const std::string& name, uint64_t staged) {
    if (staged < seq) (void)::unlink((directory_ + "/" + name).c_str());
  });
  return Status::Ok();
}

void SnapshotFiles::DiscardStaged(const std::string& zone, uint64_t seq) const {
  (void)::unlink(StagedPathOf(zone, seq).c_str());
}

Result<std::vector<SnapshotInfo>> SnapshotFiles::List(const std::string& zone) const {
  std::vector<SnapshotInfo> out;
  Status listed = ForEachFile(directory_, zone, ".snap", [&](const std::string& name, uint64_t seq) {
    SnapshotInfo info;
    info.seq = seq;
    struct stat st;
    if (::stat((directory_ + "/" + name).c_str(), &st) == 0) {
      info.bytes = static_cast<uint64_t>(st.st_size);
    }
    out.push_back(info);
  });
  if (!listed) return Error{listed.message()};
  std::sort(out.begin(), out.end(),
            [](const SnapshotInfo& a, const SnapshotInfo& b) { return a.seq > b.seq; });
  return out;
}

// Opens a snapshot file for reading and gives its size; the caller closes `*fd`.
static Status OpenSnapshotFile(const std::string& path, int* fd, size_t* size) {
  *fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (*fd < 0) return Error{path + ": " + ErrnoText()};
  struct stat st;
  if (::fstat(*fd, &st) != 0) {
    std::string error = ErrnoText();
    ::close(*fd);
    return Error{path + ": " + error};
  }
  *size = static_cast<size_t>(st.st_size);
  return Status::Ok();
}

Result<std::string> SnapshotFiles::Read(const std::string& zone, uint64_t seq) const {
  const std::string path = PathOf(zone, seq);
  int fd = -1;
  size_t size = 0;
  if (Status opened = OpenSnapshotFile(path, &fd, &size); !opened) return Error{opened.message()};
  std::string bytes;
  bytes.reserve(size);
  // Tens or hundreds of megabytes read at every start: in huge pages the buffer costs a few dozen
  // page faults instead of one per 4 KiB (the faults, not the copy, were most of reading it).
  AdviseHugePages(bytes.data(), bytes.capacity());
  bytes.resize(size);
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::read(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      std::string error = n == 0 ? std::string("unexpected end of file") : ErrnoText();
      ::close(fd);
      return Error{path + ": read: " + error};
    }
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  return bytes;
}

Status SnapshotFiles::Use(const std::string& zone, uint64_t seq,
                          const SnapshotUse& use) const {
  const std::string path = PathOf(zone, seq);
  int fd = -1;
  size_t size = 0;
  if (Status opened = OpenSnapshotFile(path, &fd, &size); !opened) return Error{opened.message()};
  if (size == 0) {
    ::close(fd);
    return use(std::string_view(), nullptr);
  }
  void* map = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
  const std::string error = map == MAP_FAILED ? ErrnoText() : "";
  ::close(fd);
  if (map == MAP_FAILED) return Error{path + ": mmap: " + error};
  // Unmapped when the last copy of the owner goes: at once, or with the engine restored from it.
  // A file deleted meanwhile keeps its blocks until then.
  std::shared_ptr<const void> owner(map, [size](const void* mapped) {
    ::munmap(const_cast<void*>(mapped), size);
  });
  return use(std::string_view(static_cast<const char*>(map), size), owner);
}

Status SnapshotFiles::Delete(const std::string& zone, uint64_t seq) const {
  const std::string path = PathOf(zone, seq);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return Error{path + ": " + ErrnoText()};
  return Status::Ok();
}

}  // namespace twoline::store
