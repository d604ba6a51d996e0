"""Shared by the cluster tests and benchmarks: a throwaway PostgreSQL cluster (pg_cluster.sh),
`twoline serve --postgres` nodes, clients that post simulated commands to every node and retry with
the same command id until acknowledged, and the checks every test ends with (the journal holds each
acknowledged command exactly once with the acknowledged seq and hash, the chain verifies, retries
return the original decisions byte for byte).

Conditions are waited for with deadlines, never assumed after a sleep. Every server listens on
127.0.0.1 only, and everything started here is stopped when the test ends (atexit), also when it
fails. Standard library only (urllib-free http.client for keep-alive)."""

import atexit
import http.client
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PG_CLUSTER = os.path.join(HERE, "pg_cluster.sh")


class Failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


def wait_for(what, predicate, timeout_s, interval_s=0.05):
    """Polls `predicate` until it returns a true value; fails naming `what` after the deadline."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise Failure("timed out waiting for " + what)
        time.sleep(interval_s)


class PgCluster:
    """A throwaway PostgreSQL cluster in a temporary directory (removed at exit)."""

    def __init__(self, standby=False):
        base = os.environ.get("TMPDIR") or "/tmp"
        self.dir = os.path.join(base, "twoline-pgtest-%d-%d" % (os.getpid(), int(time.time() * 1000)))
        self.primary = self._script("start", self.dir, str(os.getpid()))
        atexit.register(self.destroy)
        self.standby = self._script("standby", self.dir) if standby else None

    @staticmethod
    def _script(*args):
        result = subprocess.run(["bash", PG_CLUSTER] + list(args), capture_output=True, text=True)
        if result.returncode != 0:
            raise Failure("pg_cluster.sh %s: %s" % (args[0], result.stderr.strip()))
        return result.stdout.strip()

    def stop(self, server, mode="fast"):
        self._script("stop", self.dir, server, mode)

    def promote(self):
        self._script("promote", self.dir)

    def port(self, server):
        with open(os.path.join(self.dir, server + ".port")) as f:
            return f.read().strip()

    def multi_host(self):
        """A conninfo naming primary and standby, for whichever accepts writes."""
        return ("host=127.0.0.1,127.0.0.1 port=%s,%s user=twoline dbname=postgres "
                "connect_timeout=2 target_session_attrs=read-write"
                % (self.port("primary"), self.port("standby")))

    def destroy(self):
        subprocess.run(["bash", PG_CLUSTER, "destroy", self.dir], capture_output=True)


class Twoline:
    def __init__(self, binary):
        self.binary = binary
        self.tmp = tempfile.mkdtemp(prefix="twoline-cluster-")
        atexit.register(lambda: subprocess.run(["rm", "-rf", self.tmp]))

    def run(self, *args, stdin=None):
        result = subprocess.run([self.binary] + list(args), capture_output=True, text=True, input=stdin)
        if result.returncode != 0:
            raise Failure("twoline %s: %s%s" % (args[0], result.stdout, result.stderr))
        return result.stdout

    def token(self, conninfo, role="admin"):
        return self.run("token", "create", "--postgres", conninfo, "--role", role).strip().splitlines()[-1]

    def simulated(self, zone, persons, seed, prefix):
        out = self.run("simulate", "--zone", zone, "--date", "2026-03-02", "--persons", str(persons),
                       "--seed", str(seed), "--id-prefix", prefix)
        return [line for line in out.splitlines() if line]


class Node:
    """One `twoline serve --postgres` process."""

    def __init__(self, twoline, conninfo, node_id, lease_ms, zones=(), extra=()):
        self.twoline, self.conninfo, self.node_id, self.lease_ms = twoline, conninfo, node_id, lease_ms
        self.zones, self.extra = list(zones), list(extra)
        self.log_path = os.path.join(twoline.tmp, node_id + ".log")
        self.process = None
        self.url = None
        self.start()
        atexit.register(self.kill)

    def start(self):
        args = [self.twoline.binary, "serve", "--postgres", self.conninfo, "--node-id", self.node_id,
                "--listen", "127.0.0.1:0", "--lease-ms", str(self.lease_ms)] + self.extra
        for zone in self.zones:
            args += ["--zone", zone]
        log = open(self.log_path, "a")
        self.process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=log, text=True)
        line = self.process.stdout.readline()
        if not line.startswith("listening on "):
            raise Failure("node %s did not start: %s (log %s)" % (self.node_id, line, self.read_log()))
        self.url = line.split()[-1]
        self.port = int(self.url.rsplit(":", 1)[1])

    def read_log(self):
        with open(self.log_path) as f:
            return f.read()

    def signal(self, number):
        if self.process and self.process.poll() is None:
            self.process.send_signal(number)

    def kill(self):
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=60)

    def alive(self):
        return self.process is not None and self.process.poll() is None


def request(port, method, path, token, body=None, timeout=15):
    """Returns (status, body text); status 0 when the connection failed."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        headers = {"Authorization": "Bearer " + token}
        if body is not None:
            headers["Content-Type"] = "application/json"
        connection.request(method, path, body=body.encode() if body is not None else None,
                           headers=headers)
        response = connection.getresponse()
        return response.status, response.read().decode()
    except (OSError, http.client.HTTPException):
        return 0, ""
    finally:
        connection.close()


def cluster_view(port, token):
    status, body = request(port, "GET", "/v1/cluster", token, timeout=5)
    return json.loads(body) if status == 200 else None


def live_owner(nodes, token, zone):
    """(owner, epoch) of `zone` as any running node sees it, when its lease is live."""
    for node in nodes:
        if not node.alive():
            continue
        view = cluster_view(node.port, token)
        if view is None:
            continue
        for entry in view["zones"]:
            if entry["zone"] == zone and entry["live"]:
                return entry["owner"], entry["epoch"]
        return None
    return None


class Client(threading.Thread):
    """Posts its commands in order, each to the next node (round robin), retrying a command with the
    same id on any node until it is acknowledged (200 or 409) or `give_up_s` passes."""

    def __init__(self, nodes, token, zone, commands, give_up_s=60):
        super().__init__(daemon=True)
        self.nodes, self.token, self.zone, self.commands = nodes, token, zone, commands
        self.give_up_s = give_up_s
        self.acknowledged = {}  # command id -> (command, answer text)
        self.refusals = 0       # 503s and failed connections, each followed by a retry
        self.stop_requested = threading.Event()
        self.error = None
        self.turn = 0

    def run(self):
        try:
            for command in self.commands:
                if self.stop_requested.is_set():
                    return
                self.post_until_acknowledged(command)
        except Exception as error:  # reported by the test, not lost in the thread
            self.error = error

    def post_until_acknowledged(self, command):
        deadline = time.monotonic() + self.give_up_s
        while time.monotonic() < deadline:
            live = [n for n in self.nodes if n.alive()]
            node = live[self.turn % len(live)] if live else None
            self.turn += 1
            if node is None:
                time.sleep(0.05)
                continue
            status, body = request(node.port, "POST", "/v1/zones/%s/commands" % self.zone, self.token,
                                   command)
            if status == 200:
                self.acknowledged[json.loads(command)["id"]] = (command, body)
                return
            if status in (0, 503):
                self.refusals += 1
                time.sleep(0.02)
                continue
            raise Failure("unexpected answer %d to %s: %s" % (status, command[:80], body))
        raise Failure("command %s was never acknowledged" % command[:80])


def journal_entries(twoline, conninfo, zone):
    path = os.path.join(twoline.tmp, "export-%s.journal" % zone)
    twoline.run("export", "--postgres", conninfo, "--zone", zone, "--journal", path)
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def check_journal(twoline, conninfo, zone, clients, nodes, token, retries_max=None):
    """Every acknowledged, journaled command is in the journal exactly once, at the acknowledged seq
    with the acknowledged hash; the chain verifies; retries give the original decision byte for byte.
    Returns the number of acknowledged commands."""
    verified = twoline.run("verify", "--postgres", conninfo, "--zone", zone)
    check(verified.startswith("ok "), "verify: " + verified)
    entries = journal_entries(twoline, conninfo, zone)
    check([e["seq"] for e in entries] == list(range(1, len(entries) + 1)), "journal seqs have gaps")
    by_id = {}
    for entry in entries:
        if entry["kind"] == "command":
            command_id = entry["command"]["id"]
            check(command_id not in by_id, "command %s journaled twice" % command_id)
            by_id[command_id] = entry
    acknowledged = {}
    for client in clients:
        acknowledged.update(client.acknowledged)
    for command_id, (command, answer) in acknowledged.items():
        decision = json.loads(answer)
        if decision["outcome"] == "invalid":
            check(command_id not in by_id, "invalid command %s was journaled" % command_id)
            continue
        check(command_id in by_id, "acknowledged command %s is not in the journal" % command_id)
        entry = by_id[command_id]
        check(entry["seq"] == decision["seq"] and entry["hash"] == decision["hash"],
              "command %s: acknowledged seq %s hash %s, journal seq %s hash %s" %
              (command_id, decision["seq"], decision["hash"], entry["seq"], entry["hash"]))
    items = list(acknowledged.items())
    if retries_max is not None:
        items = items[:retries_max]
    live = [n for n in nodes if n.alive()]
    for i, (command_id, (command, answer)) in enumerate(items):
        status, again = request(live[i % len(live)].port, "POST", "/v1/zones/%s/commands" % zone, token,
                                command)
        check(status == 200 and again == answer,
              "retry of %s answered %d %s, first answer %s" % (command_id, status, again, answer))
    return len(acknowledged)


def report(name, checks, started):
    print("%s: %d passed, 0 failed (%.1f s)" % (name, checks, time.monotonic() - started))


def main(test):
    """Runs test(twoline) -> number of checks; exit status 1 with the failure on stderr."""
    if len(sys.argv) != 2:
        print("usage: %s /path/to/twoline" % sys.argv[0], file=sys.stderr)
        sys.exit(2)
    started = time.monotonic()
    name = os.path.basename(sys.argv[0]).replace(".py", "")
    try:
        checks = test(Twoline(sys.argv[1]))
    except Failure as failure:
        print("FAIL: %s" % failure, file=sys.stderr)
        print("%s: 0 passed, 1 failed" % name)
        sys.exit(1)
    report(name, checks, started)
