#include "store/snapshotter.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <new>

#include "base/pages.h"
#include "base/thread_priority.h"
#include "journal/snapshot.h"

namespace twoline::store {
namespace {

// A snapshot is work for the cores' idle time: the encoding process and the thread that stores its
// bytes run under SCHED_IDLE, so that they never take a core from deciding, committing or answering
// (a 30-day zone's snapshot is ~470 MB to encode, copy and write; at normal priority every request
// in the meantime waited behind it). Under full load a snapshot takes longer; none is lost.
void YieldToEverythingElse() { SetThreadIdle(); }

// The forked child that encodes a snapshot: idle priority, and its new memory (the snapshot's buffer,
// hundreds of MB) in huge pages. The server turns huge pages off for its own threads once started
// (base/pages.h: a fault that compacts memory stalls the faulting thread); the child's stalls stall
// no one, and on a paravirtualized guest each 4 KiB page's first touch costs about a microsecond,
// so a buffer in 4 KiB pages costs the child a share of its CPU that 2 MiB pages do not.
void BecomeEncoder() {
  YieldToEverythingElse();
  huge_pages_for_new_memory = true;
}

}  // namespace

Status PruneSnapshots(Store& store, const std::string& zone, size_t kept, uint64_t trusted_seq) {
  auto listed = store.ListSnapshots(zone);
  if (!listed) return Error{listed.error().message};
  // Newest first: the `kept` newest whose container checks out stay; a torn or corrupted one is of
  // no use as a fallback and never counts as one (keeping it would delete the valid one behind it).
  size_t valid = 0;
  for (const SnapshotInfo& info : *listed) {
    bool sound = false;
    if (valid < std::max<size_t>(kept, 1)) {
      if (trusted_seq != 0 && info.seq == trusted_seq) {
        ++valid;
        continue;
      }
      Status read = store.UseSnapshot(zone, info.seq, [&](std::string_view bytes,
                                                           const std::shared_ptr<const void>&) -> Status {
        auto header = journal::ReadSnapshotHeader(bytes);
        sound = header.ok() && header->zone == zone && header->seq == info.seq;
        return Status::Ok();
      });
      if (read.ok() && sound) {
        ++valid;
        continue;
      }
    }
    if (Status deleted = store.DeleteSnapshot(zone, info.seq); !deleted) return deleted;
  }
  return Status::Ok();
}

Snapshotter::Snapshotter(Store& store, const SnapshotPolicy& policy,
                         std::function<void(const std::string&)> log)
    : store_(store), policy_(policy), log_(std::move(log)) {}

Snapshotter::~Snapshotter() {
  stopping_ = true;
  Wait();
}

void Snapshotter::Wait() {
  if (worker_.joinable()) worker_.join();
}

bool Snapshotter::MaybeStart(const std::string& zone, const journal::Chain& chain) {
  if (busy_.load()) return false;
  auto now = std::chrono::steady_clock::now();
  auto [it, inserted] = last_.try_emplace(zone);
  if (inserted) {
    // The newest stored snapshot counts as the last one (none: the journal's start).
    auto listed = store_.ListSnapshots(zone);
    it->second.seq = listed && !listed->empty() ? listed->front().seq : 0;
    it->second.at = now;
  }
  const uint64_t entries = chain.entries();
  if (entries <= it->second.seq) return false;
  if (std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count() <
      rest_until_ns_.load()) {
    return false;
  }
  bool by_count = policy_.every_entries > 0 && entries - it->second.seq >= policy_.every_entries;
  bool by_time = policy_.every.count() > 0 && now - it->second.at >= policy_.every;
  if (!by_count && !by_time) return false;
  return Start(zone, chain);
}

// AddressSanitizer's allocator is not fork-safe: a child forked while another thread holds its lock
// hangs at its first allocation. Sanitizer builds therefore encode a copy of the chain on the
// worker thread instead of in a child (the writer pauses for the copy); the C library's allocator
// and tcmalloc, which the product uses, lock around fork.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kForkToEncode = false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kForkToEncode = false;
#else
constexpr bool kForkToEncode = true;
#endif
#else
constexpr bool kForkToEncode = true;
#endif

bool Snapshotter::Start(const std::string& zone, const journal::Chain& chain) {
  if (busy_.exchange(true)) return false;
  Wait();  // the previous worker has finished (busy_ was false); join it
  const auto before = std::chrono::steady_clock::now();
  started_ns_ =
      std::chrono::duration_cast<std::chrono::nanoseconds>(before.time_since_epoch()).count();
  auto paused = [&] {
    last_pause_us_ = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                               std::chrono::steady_clock::now() - before)
                                               .count());
  };
  auto not_started = [&](const char* call, int error) {
    busy_ = false;
    ++failed_;
    if (log_) log_("snapshot of " + zone + " not started: " + call + ": " + std::strerror(error));
    return false;
  };
  if (!kForkToEncode) {
    auto copy = std::make_shared<const journal::Chain>(chain);
    paused();
    last_[zone] = Last{chain.entries(), std::chrono::steady_clock::now()};
    worker_ = std::thread([this, zone, seq = chain.entries(), copy] {
      YieldToEverythingElse();
      KeepBytes(zone, seq, journal::EncodeSnapshot(*copy));
    });
    return true;
  }
  const uint64_t seq = chain.entries();
  const Hash256 head = chain.head();
  const size_t size_hint = LastSnapshotBytes(zone);
  if (store_.StagesSnapshots()) {
    // The child writes the snapshot's file itself: its bytes never cross into this process (half a
    // gigabyte after 30 simulated days: a pipe's copy, as much fresh memory, and a second write).
    pid_t pid = ::fork();
    if (pid == 0) {
      BecomeEncoder();
      std::string bytes = journal::EncodeSnapshot(chain, 1, size_hint);
      ::_exit(store_.StageSnapshot(zone, seq, bytes).ok() ? 0 : 1);
    }
    const int fork_error = errno;
    paused();
    if (pid < 0) return not_started("fork", fork_error);
    last_[zone] = Last{seq, std::chrono::steady_clock::now()};
    image_in_use_ = true;
    worker_ = std::thread([this, zone, seq, head, pid] {
      YieldToEverythingElse();
      const bool staged = WaitForChild(pid);
      image_in_use_ = false;  // the child has exited: its image is released
      if (!staged) {
        store_.DiscardStagedSnapshot(zone, seq);
        return NotWritten(zone, seq, "the encoding process failed");
      }
      Keep(zone, seq, head, [&] { return store_.PublishSnapshot(zone, seq); },
           [&] { store_.DiscardStagedSnapshot(zone, seq); });
    });
    return true;
  }
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return not_started("pipe", errno);
  pid_t pid = ::fork();
  if (pid == 0) {
    // The child: encode the inherited engine and stream it; nothing else.
    ::close(fds[0]);
    BecomeEncoder();
    std::string bytes = journal::EncodeSnapshot(chain, 1, size_hint);
    // Its length first (8 bytes, little-endian), so that the reader takes its buffer at once.
    char length[8];
    for (int i = 0; i < 8; ++i) length[i] = static_cast<char>(uint64_t{bytes.size()} >> (8 * i));
    for (std::string_view out : {std::string_view(length, 8), std::string_view(bytes)}) {
      size_t written = 0;
      while (written < out.size()) {
        ssize_t n = ::write(fds[1], out.data() + written, out.size() - written);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) ::_exit(1);
        written += static_cast<size_t>(n);
      }
    }
    ::_exit(0);
  }
  const int fork_error = errno;
  paused();
  ::close(fds[1]);
  if (pid < 0) {
    ::close(fds[0]);
    return not_started("fork", fork_error);
  }
  last_[zone] = Last{seq, std::chrono::steady_clock::now()};
  image_in_use_ = true;
  worker_ = std::thread([this, zone, seq, fd = fds[0], pid] {
    YieldToEverythingElse();
    Finish(zone, seq, fd, pid);
  });
  return true;
}

namespace {

// A length beyond this from the child is refused rather than allocated (the child is this
// program; a larger one would be a bug).
constexpr uint64_t kSnapshotBytesMax = uint64_t{1} << 40;

// Reads up to `size` bytes into `out`; the count read (less at the end of the stream or an error).
size_t ReadFully(int fd, char* out, size_t size) {
  size_t done = 0;
  while (done < size) {
    ssize_t n = ::read(fd, out + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  return done;
}

}  // namespace

void Snapshotter::Finish(std::string zone, uint64_t seq, int fd, int pid) {
  // The length, then the snapshot straight into a buffer of that size: no copy of a growing string
  // (a 30-day zone's snapshot is half a gigabyte), and no page written before its bytes arrive.
  char length_bytes[8];
  uint64_t length = 0;
  std::unique_ptr<char[]> bytes;
  bool complete = false;
  if (ReadFully(fd, length_bytes, 8) == 8) {
    for (int i = 7; i >= 0; --i) length = length << 8 | static_cast<uint8_t>(length_bytes[i]);
    if (length <= kSnapshotBytesMax) {
      bytes.reset(new (std::nothrow) char[length]);
      complete = bytes != nullptr && ReadFully(fd, bytes.get(), length) == length;
    }
  }
  ::close(fd);
  const bool exited = WaitForChild(pid);
  image_in_use_ = false;  // the child has exited: its image is released
  if (!exited || !complete) return NotWritten(zone, seq, "the encoding process failed");
  KeepBytes(zone, seq, std::string_view(bytes.get(), length));
}

size_t Snapshotter::LastSnapshotBytes(const std::string& zone) {
  auto listed = store_.ListSnapshots(zone);
  return listed && !listed->empty() ? static_cast<size_t>(listed->front().bytes) : 0;
}

bool Snapshotter::WaitForChild(int pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

void Snapshotter::KeepBytes(const std::string& zone, uint64_t seq, std::string_view bytes) {
  auto header = journal::ReadSnapshotHeader(bytes);
  if (!header) return NotWritten(zone, seq, header.error().message);
  Keep(zone, seq, header->head, [&] { return store_.WriteSnapshot(zone, seq, bytes); }, [] {});
}

void Snapshotter::NotWritten(const std::string& zone, uint64_t seq, const std::string& why) {
  ++failed_;
  if (log_) log_("snapshot of " + zone + " at seq " + std::to_string(seq) + " not written: " + why);
  Done();
}

void Snapshotter::Done() {
  if (policy_.share_max > 0 && policy_.share_max < 1) {
    const int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                            std::chrono::steady_clock::now().time_since_epoch())
                            .count();
    const double took = static_cast<double>(now - started_ns_.load());
    const double rest_max = static_cast<double>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(policy_.rest_max).count());
    const double rest = std::min(took * (1 / policy_.share_max - 1), rest_max);
    rest_until_ns_ = now + static_cast<int64_t>(rest);
  }
  busy_ = false;
}

void Snapshotter::Keep(const std::string& zone, uint64_t seq, const Hash256& head,
                       const std::function<Status()>& write, const std::function<void()>& discard) {
  auto fail = [&](const std::string& why) {
    discard();
    NotWritten(zone, seq, why);
  };
  // Wait until the entry the snapshot ends at is durable, then check it is the snapshot's.
  for (;;) {
    if (store_.failed()) return fail("the store stopped accepting writes");
    auto zones = store_.Zones();
    if (!zones) return fail(zones.error().message);
    bool durable = false;
    for (const ZoneRecord& record : *zones) {
      if (record.zone == zone && record.entries >= seq) durable = true;
    }
    if (durable) break;
    if (stopping_) return fail("stopping before its entries were durable");
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  auto entry = store_.ReadEntries(zone, seq, 1);
  if (!entry || entry->empty() || entry->front().seq != seq || entry->front().hash != head) {
    return fail("the stored entry at its seq is not the one it was taken after");
  }
  if (Status written = write(); !written) return fail(written.message());
  // The snapshot just written is sound (written whole, synced, then renamed into place): pruning
  // reads only the older ones again.
  if (Status pruned = PruneSnapshots(store_, zone, policy_.kept, seq); !pruned && log_) {
    log_("older snapshots of " + zone + " not deleted: " + pruned.message());
  }
  ++written_;
  if (log_) {
    uint64_t size = 0;
    if (auto listed = store_.ListSnapshots(zone)) {
      for (const SnapshotInfo& info : *listed) {
        if (info.seq == seq) size = info.bytes;
      }
    }
    log_("snapshot of " + zone + " at seq " + std::to_string(seq) + " written (" +
         std::to_string(size) + " bytes; the writer paused " +
         std::to_string(last_pause_us_.load()) + " us to start it)");
  }
  Done();
}

}  // namespace twoline::store
