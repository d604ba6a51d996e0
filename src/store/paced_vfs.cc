#include "store/paced_vfs.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstring>
#include <mutex>
#include <new>


namespace twoline::store {
namespace {

std::atomic<uint64_t> writebacks_total{0};

sqlite3_vfs* base_vfs = nullptr;
sqlite3_vfs paced_vfs;

// A file opened through the paced VFS: the platform's file follows this header in the same
// allocation (szOsFile is the sum of both).
struct PacedFile {
  sqlite3_file file;           // pMethods points at `methods`
  sqlite3_io_methods methods;  // the platform file's methods, writes and syncs wrapped
  sqlite3_file* real;          // the platform's file, right after this header
  int fd;                      // the platform file's descriptor; -1: not paced
  int64_t unsynced = 0;        // bytes written since the last sync or writeback
  int64_t low = 0, high = 0;   // the range they were written to
};

constexpr size_t kHeaderSize = (sizeof(PacedFile) + 15) / 16 * 16;

PacedFile* Paced(sqlite3_file* file) { return reinterpret_cast<PacedFile*>(file); }
sqlite3_file* Real(sqlite3_file* file) { return Paced(file)->real; }

// The start of SQLite's unixFile (os_unix.c), unchanged since WAL mode came: the descriptor is its
// fourth member. FileDescriptor checks it names the file opened before trusting it.
struct UnixFileHead {
  const sqlite3_io_methods* methods;
  sqlite3_vfs* vfs;
  void* inode;
  int h;
};

int FileDescriptor(sqlite3_file* real, const char* name) {
  if (name == nullptr || std::strcmp(base_vfs->zName, "unix") != 0) return -1;
  int fd = reinterpret_cast<UnixFileHead*>(real)->h;
  struct stat by_fd {
  }, by_name{};
  if (fd < 0 || fstat(fd, &by_fd) != 0 || stat(name, &by_name) != 0) return -1;
  if (by_fd.st_dev != by_name.st_dev || by_fd.st_ino != by_name.st_ino) return -1;
  return fd;
}

int Close(sqlite3_file* file) {
  sqlite3_file* real = Real(file);
  int code = real->pMethods != nullptr ? real->pMethods->xClose(real) : SQLITE_OK;
  file->pMethods = nullptr;
  return code;
}

int Read(sqlite3_file* file, void* buffer, int amount, sqlite3_int64 offset) {
  return Real(file)->pMethods->xRead(Real(file), buffer, amount, offset);
}

int Write(sqlite3_file* file, const void* buffer, int amount, sqlite3_int64 offset) {
  PacedFile* paced = Paced(file);
  int code = paced->real->pMethods->xWrite(paced->real, buffer, amount, offset);
  if (code != SQLITE_OK || paced->fd < 0) return code;
  if (paced->unsynced == 0) {
    paced->low = offset;
    paced->high = offset + amount;
  } else {
    paced->low = std::min<int64_t>(paced->low, offset);
    paced->high = std::max<int64_t>(paced->high, offset + amount);
  }
  paced->unsynced += amount;
  if (paced->unsynced >= kPacedWritebackBytes) {
    // Start writing the range back and go on; a failure here is SQLite's fsync's to report.
    sync_file_range(paced->fd, paced->low, paced->high - paced->low, SYNC_FILE_RANGE_WRITE);
    writebacks_total.fetch_add(1, std::memory_order_relaxed);
    paced->unsynced = 0;
  }
  return code;
}

int Truncate(sqlite3_file* file, sqlite3_int64 size) {
  PacedFile* paced = Paced(file);
  paced->high = std::min<int64_t>(paced->high, size);
  paced->low = std::min(paced->low, paced->high);
  return paced->real->pMethods->xTruncate(paced->real, size);
}

int Sync(sqlite3_file* file, int flags) {
  PacedFile* paced = Paced(file);
  int code = paced->real->pMethods->xSync(paced->real, flags);
  if (code == SQLITE_OK) paced->unsynced = 0;
  return code;
}

int FileSize(sqlite3_file* file, sqlite3_int64* size) {
  return Real(file)->pMethods->xFileSize(Real(file), size);
}
int Lock(sqlite3_file* file, int level) { return Real(file)->pMethods->xLock(Real(file), level); }
int Unlock(sqlite3_file* file, int level) {
  return Real(file)->pMethods->xUnlock(Real(file), level);
}
int CheckReservedLock(sqlite3_file* file, int* out) {
  return Real(file)->pMethods->xCheckReservedLock(Real(file), out);
}
int FileControl(sqlite3_file* file, int op, void* arg) {
  return Real(file)->pMethods->xFileControl(Real(file), op, arg);
}
int SectorSize(sqlite3_file* file) { return Real(file)->pMethods->xSectorSize(Real(file)); }
int DeviceCharacteristics(sqlite3_file* file) {
  return Real(file)->pMethods->xDeviceCharacteristics(Real(file));
}
int ShmMap(sqlite3_file* file, int region, int size, int extend, void volatile** out) {
  return Real(file)->pMethods->xShmMap(Real(file), region, size, extend, out);
}
int ShmLock(sqlite3_file* file, int offset, int n, int flags) {
  return Real(file)->pMethods->xShmLock(Real(file), offset, n, flags);
}
void ShmBarrier(sqlite3_file* file) { Real(file)->pMethods->xShmBarrier(Real(file)); }
int ShmUnmap(sqlite3_file* file, int remove) {
  return Real(file)->pMethods->xShmUnmap(Real(file), remove);
}
int Fetch(sqlite3_file* file, sqlite3_int64 offset, int amount, void** out) {
  return Real(file)->pMethods->xFetch(Real(file), offset, amount, out);
}
int Unfetch(sqlite3_file* file, sqlite3_int64 offset, void* page) {
  return Real(file)->pMethods->xUnfetch(Real(file), offset, page);
}

int Open(sqlite3_vfs*, const char* name, sqlite3_file* file, int flags, int* out_flags) {
  PacedFile* paced = new (file) PacedFile{};
  paced->real = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(file) + kHeaderSize);
  paced->fd = -1;
  int code = base_vfs->xOpen(base_vfs, name, paced->real, flags, out_flags);
  if (code != SQLITE_OK) {
    // SQLite calls xClose only when pMethods is set: the platform file's, if it set its own.
    if (paced->real->pMethods != nullptr) paced->real->pMethods->xClose(paced->real);
    file->pMethods = nullptr;
    return code;
  }
  const sqlite3_io_methods* real = paced->real->pMethods;
  sqlite3_io_methods& m = paced->methods;
  m.iVersion = real->iVersion;
  m.xClose = Close;
  m.xRead = Read;
  m.xWrite = Write;
  m.xTruncate = Truncate;
  m.xSync = Sync;
  m.xFileSize = FileSize;
  m.xLock = Lock;
  m.xUnlock = Unlock;
  m.xCheckReservedLock = CheckReservedLock;
  m.xFileControl = FileControl;
  m.xSectorSize = SectorSize;
  m.xDeviceCharacteristics = DeviceCharacteristics;
  if (real->iVersion >= 2) {
    m.xShmMap = ShmMap;
    m.xShmLock = ShmLock;
    m.xShmBarrier = ShmBarrier;
    m.xShmUnmap = ShmUnmap;
  }
  if (real->iVersion >= 3) {
    m.xFetch = Fetch;
    m.xUnfetch = Unfetch;
  }
  // Only the files that take the bulk of the writes: databases and their WALs.
  if ((flags & (SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_WAL)) != 0 &&
      (flags & SQLITE_OPEN_READWRITE) != 0) {
    paced->fd = FileDescriptor(paced->real, name);
  }
  file->pMethods = &paced->methods;
  return SQLITE_OK;
}

int Delete(sqlite3_vfs*, const char* name, int sync_dir) {
  return base_vfs->xDelete(base_vfs, name, sync_dir);
}
int Access(sqlite3_vfs*, const char* name, int flags, int* out) {
  return base_vfs->xAccess(base_vfs, name, flags, out);
}
int FullPathname(sqlite3_vfs*, const char* name, int size, char* out) {
  return base_vfs->xFullPathname(base_vfs, name, size, out);
}
void* DlOpen(sqlite3_vfs*, const char* name) { return base_vfs->xDlOpen(base_vfs, name); }
void DlError(sqlite3_vfs*, int size, char* out) { base_vfs->xDlError(base_vfs, size, out); }
void (*DlSym(sqlite3_vfs*, void* handle, const char* symbol))(void) {
  return base_vfs->xDlSym(base_vfs, handle, symbol);
}
void DlClose(sqlite3_vfs*, void* handle) { base_vfs->xDlClose(base_vfs, handle); }
int Randomness(sqlite3_vfs*, int size, char* out) {
  return base_vfs->xRandomness(base_vfs, size, out);
}
int Sleep(sqlite3_vfs*, int microseconds) { return base_vfs->xSleep(base_vfs, microseconds); }
int CurrentTime(sqlite3_vfs*, double* out) { return base_vfs->xCurrentTime(base_vfs, out); }
int GetLastError(sqlite3_vfs*, int size, char* out) {
  return base_vfs->xGetLastError != nullptr ? base_vfs->xGetLastError(base_vfs, size, out) : 0;
}
int CurrentTimeInt64(sqlite3_vfs*, sqlite3_int64* out) {
  return base_vfs->xCurrentTimeInt64(base_vfs, out);
}

void Register() {
  sqlite3_initialize();
  base_vfs = sqlite3_vfs_find(nullptr);
  if (base_vfs == nullptr || base_vfs->iVersion < 2) {
    base_vfs = nullptr;
    return;
  }
  paced_vfs = sqlite3_vfs{};
  paced_vfs.iVersion = 2;
  paced_vfs.szOsFile = static_cast<int>(kHeaderSize) + base_vfs->szOsFile;
  paced_vfs.mxPathname = base_vfs->mxPathname;
  paced_vfs.zName = "twoline-paced";
  paced_vfs.xOpen = Open;
  paced_vfs.xDelete = Delete;
  paced_vfs.xAccess = Access;
  paced_vfs.xFullPathname = FullPathname;
  paced_vfs.xDlOpen = DlOpen;
  paced_vfs.xDlError = DlError;
  paced_vfs.xDlSym = DlSym;
  paced_vfs.xDlClose = DlClose;
  paced_vfs.xRandomness = Randomness;
  paced_vfs.xSleep = Sleep;
  paced_vfs.xCurrentTime = CurrentTime;
  paced_vfs.xGetLastError = GetLastError;
  paced_vfs.xCurrentTimeInt64 = CurrentTimeInt64;
  if (sqlite3_vfs_register(&paced_vfs, 0) != SQLITE_OK) base_vfs = nullptr;
}

}  // namespace

const char* PacedVfsName() {
  static std::once_flag once;
  std::call_once(once, Register);
  return base_vfs != nullptr ? paced_vfs.zName : nullptr;
}

uint64_t PacedWritebacks() { return writebacks_total.load(std::memory_order_relaxed); }

}  // namespace twoline::store
