// The SQLite files' writes handed to the disk as they are made, in small pieces, so that no fsync
// of one file pushes tens of megabytes onto the disk at once while a group commit of the journal
// waits behind them.
//
// Every connection of the store opens its files through "twoline-paced" (PacedVfsName), a VFS that
// wraps the platform's own and changes one thing: once a database or WAL file has taken
// kPacedWritebackBytes of writes since its last sync, the range written is handed to the kernel's
// writeback (sync_file_range with SYNC_FILE_RANGE_WRITE: start writing, do not wait). Durability is
// unchanged: SQLite's fsyncs are made as before; they just find little left to write.
//
// Why: the read models' file (synchronous=NORMAL) and the checkpoint thread's copies into the
// database file fsync 16–64 MB at a time. Measured with a loop of 48 KiB writes each followed by
// fdatasync (the committer's pattern) beside a writer of 110 MB/s of 16 KiB pages: with an fsync of
// the other file every 16 MB, 0.15% of the loop's fdatasyncs took over 3 ms (max 9.1 ms); with the
// same writes started every 256 KiB, 0.00% (max 3.9 ms). A slow fdatasync of the journal holds
// every request of its group commit and those queued behind it.
//
// Thread-safety: a file belongs to the connection that opened it (SQLite's own rule); registration
// is done once, safely from any thread.
#pragma once

#include <cstdint>

namespace twoline::store {

// Written bytes after which a file's written range is handed to writeback.
inline constexpr int64_t kPacedWritebackBytes = 256 * 1024;

// Registers the VFS (once, after reserving SQLite's page cache: store/sqlite_page_cache.h) and
// returns its name for sqlite3_open_v2; nullptr (the default VFS) when
// the platform has no file descriptors to pace.
const char* PacedVfsName();

// Writebacks started so far by every paced file of the process (for tests and /metrics).
uint64_t PacedWritebacks();

}  // namespace twoline::store
