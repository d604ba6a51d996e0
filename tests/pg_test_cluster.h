// PgTestCluster: a throwaway PostgreSQL cluster for the tests of one process
// (tests/pg/pg_cluster.sh creates it in a temporary directory on a free port of 127.0.0.1; running
// as root, it runs as the `postgres` user). Started on first use, destroyed when the process exits
// — and by the script's watchdog if the process dies without exiting. Each test takes a database of
// its own (NewDatabase), so tests never see each other's rows. Thread-safety: Shared() and
// NewDatabase() may be called from any thread.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>

#include "store/pg_connection.h"

namespace twoline::testing {

class PgTestCluster {
 public:
  // The process's cluster, started on first use; null (after a test failure) when it cannot start.
  static PgTestCluster* Shared() {
    static std::once_flag once;
    static std::unique_ptr<PgTestCluster> cluster;
    std::call_once(once, [] {
      auto started = std::unique_ptr<PgTestCluster>(new PgTestCluster());
      if (started->Start()) cluster = std::move(started);
    });
    if (!cluster) ADD_FAILURE() << "the test PostgreSQL cluster could not start (see stderr)";
    return cluster.get();
  }

  ~PgTestCluster() {
    if (!directory_.empty()) (void)Script("destroy " + directory_);
  }

  // The conninfo of the cluster's `postgres` database.
  const std::string& admin_conninfo() const { return conninfo_; }

  // Creates an empty schema (cheaper than a database) and returns a conninfo whose search_path is
  // that schema, so that everything created through it lands there.
  std::string NewDatabase() {
    static std::atomic<int> counter{0};
    std::string name = "t" + std::to_string(getpid()) + "_" + std::to_string(counter++);
    auto admin = store::PgConnection::Connect(conninfo_, store::PgOptions{});
    if (!admin) {
      ADD_FAILURE() << admin.error().message;
      return "";
    }
    if (Status status = (*admin)->Execute("CREATE SCHEMA " + name); !status) {
      ADD_FAILURE() << status.message();
      return "";
    }
    return conninfo_ + " options='-csearch_path=" + name + "'";
  }

  // Runs pg_cluster.sh with `arguments`; its standard output.
  static std::string Script(const std::string& arguments, bool* ok = nullptr) {
    std::string command = "bash " TWOLINE_SOURCE_DIR "/tests/pg/pg_cluster.sh " + arguments;
    std::string output;
    FILE* pipe = popen(command.c_str(), "r");
    if (pipe == nullptr) {
      if (ok) *ok = false;
      return "";
    }
    char buffer[4096];
    while (size_t read = fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, read);
    int status = pclose(pipe);
    if (ok) *ok = status == 0;
    while (!output.empty() && output.back() == '\n') output.pop_back();
    return output;
  }

  static std::string Replace(std::string text, const std::string& from, const std::string& to) {
    size_t at = text.find(from);
    if (at != std::string::npos) text.replace(at, from.size(), to);
    return text;
  }

 private:
  PgTestCluster() = default;

  bool Start() {
    // Under ctest, the cluster the pg.cluster.start fixture started (CMakeLists.txt).
    const char* shared = getenv("TWOLINE_TEST_POSTGRES_DIR");
    if (shared != nullptr && shared[0] != '\0') {
      bool ok = false;
      conninfo_ = Script(std::string("conninfo ") + shared + " primary", &ok);
      return ok;
    }
    const char* base = getenv("TMPDIR");
    // The cluster directory is created by the script (it must not exist yet).
    std::string parent = base != nullptr && base[0] != '\0' ? base : "/tmp";
    char unique[64];
    std::snprintf(unique, sizeof unique, "/twoline-pg-%d-%lx", static_cast<int>(getpid()),
                  static_cast<unsigned long>(reinterpret_cast<uintptr_t>(this)));
    std::string directory = parent + unique;
    bool ok = false;
    conninfo_ = Script("start " + directory + " " + std::to_string(getpid()), &ok);
    if (!ok) {
      (void)Script("destroy " + directory);
      return false;
    }
    directory_ = directory;
    return true;
  }

  std::string directory_;
  std::string conninfo_;
};

}  // namespace twoline::testing
