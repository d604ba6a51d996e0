"""End-to-end attacks on `twoline serve` (docs/security.md): a hostile client on 127.0.0.1 against a
real server on a temporary database. Each attack must be answered with a 4xx (or the connection
closed) while the client is still sending, the server's memory must stay bounded (/proc/PID/status),
/healthz must keep answering within 2 s under a flood of 300 slow clients, and no command that was
acknowledged meanwhile may be lost (checked after a SIGKILL and a restart).
Run by tests/cli/attack.sh:  python3 attack.py /path/to/twoline
"""
import datetime
import json
import os
import select
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import zlib

TWOLINE = sys.argv[1]
HOST = "127.0.0.1"
MIB = 1 << 20
passed = 0
failed = 0


def check(what, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print(f"FAIL: {what} {detail}", file=sys.stderr)


def memory_kib(pid, field):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def start_server(db, log):
    server = subprocess.Popen([TWOLINE, "serve", "--db", db, "--listen", f"{HOST}:0", "--zone", "hengqin"],
                              stdout=subprocess.PIPE, stderr=log, text=True)
    line = server.stdout.readline()
    assert line.startswith("listening on http://"), line
    return server, int(line.rsplit(":", 1)[1])


def token(db, *args):
    out = subprocess.run([TWOLINE, "token", "create", "--db", db, *args], check=True,
                         capture_output=True, text=True).stdout
    return out.strip().splitlines()[-1]


def connect(port, timeout=10.0):
    connection = socket.create_connection((HOST, port), timeout=timeout)
    connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return connection


def status_of(response):
    if not response.startswith(b"HTTP/1.1 "):
        return 0
    return int(response[9:12])


def read_response(connection, timeout=5.0):
    """Reads one response (through its Content-Length) or until the server closes."""
    connection.settimeout(timeout)
    data = b""
    try:
        while True:
            end = data.find(b"\r\n\r\n")
            if end >= 0:
                head = data[:end].decode("latin-1").lower()
                for line in head.split("\r\n"):
                    if line.startswith("content-length:") and len(data) >= end + 4 + int(line.split(":")[1]):
                        return data
            chunk = connection.recv(65536)
            if not chunk:
                return data
            data += chunk
    except (socket.timeout, ConnectionResetError):
        return data


def stream_attack(port, head, pieces, limit_bytes):
    """Sends `head`, then pieces until the server answers or closes, or limit_bytes were sent.
    Returns (status, bytes sent): status 0 when the server closed without an answer."""
    connection = connect(port)
    sent = 0
    response = b""
    try:
        connection.sendall(head)
        for piece in pieces:
            readable, _, _ = select.select([connection], [], [], 0)
            if readable:
                break
            connection.sendall(piece)
            sent += len(piece)
            if sent >= limit_bytes:
                break
    except (BrokenPipeError, ConnectionResetError):
        pass
    response = read_response(connection)
    connection.close()
    return status_of(response), sent


def repeat(piece, total):
    for _ in range(total // len(piece)):
        yield piece


class Poster(threading.Thread):
    """Well-behaved traffic during the attacks: one command at a time on a keep-alive connection,
    remembering every id acknowledged with 200."""

    def __init__(self, port, secret):
        super().__init__(daemon=True)
        self.port, self.secret = port, secret
        self.acknowledged, self.errors = [], 0
        self.stop = threading.Event()

    def run(self):
        connection, n = None, 0
        while not self.stop.is_set():
            command = json.dumps({"id": f"ack-{n}", "zone": "hengqin", "at": now_at(),
                                  "type": "register_party", "party": {"id": f"P-ACK-{n}", "name": "Firm",
                                  "kind": "enterprise", "credit": "general", "lists": []}}).encode()
            request = (f"POST /v1/zones/hengqin/commands HTTP/1.1\r\nHost: {HOST}\r\nAuthorization: Bearer "
                       f"{self.secret}\r\nContent-Type: application/json\r\nContent-Length: {len(command)}\r\n\r\n"
                       ).encode() + command
            try:
                if connection is None:
                    connection = connect(self.port)
                connection.sendall(request)
                response = read_response(connection)
                if status_of(response) == 200:
                    self.acknowledged.append(f"ack-{n}")
                    n += 1
                else:
                    raise ConnectionError(response[:80])
            except (OSError, ConnectionError):
                self.errors += 1  # shed or closed: reconnect and resend the same id (idempotent)
                if connection is not None:
                    connection.close()
                connection = None
            time.sleep(0.01)


def now_at():
    """The server's time at +08:00: declarants and officers send times within the zone's skew."""
    return datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=8))).isoformat(timespec="seconds")


def post(port, secret, body):
    connection = connect(port)
    data = json.dumps(body).encode()
    connection.sendall((f"POST /v1/zones/hengqin/commands HTTP/1.1\r\nHost: {HOST}\r\nAuthorization: Bearer "
                        f"{secret}\r\nContent-Type: application/json\r\nContent-Length: {len(data)}\r\n"
                        f"Connection: close\r\n\r\n").encode() + data)
    response = read_response(connection, timeout=30)
    connection.close()
    return status_of(response), json.loads(response.split(b"\r\n\r\n", 1)[1] or b"null")


def journal_entries(port, secret):
    entries, start = [], 1
    while start:
        connection = connect(port)
        connection.sendall((f"GET /v1/zones/hengqin/journal?from={start}&limit=1000 HTTP/1.1\r\nHost: {HOST}\r\n"
                            f"Authorization: Bearer {secret}\r\nConnection: close\r\n\r\n").encode())
        response = read_response(connection, timeout=30)
        connection.close()
        page = json.loads(response.split(b"\r\n\r\n", 1)[1])
        entries += page["entries"]
        start = page["next"]
    return entries


def rules_attacks(port, db, admin, officer):
    """The attacks on the rules of the table: a declarant's past `at`, and a declarant taking an
    officer's command id."""
    def envelope(command_id, at, kind, **members):
        return {"id": command_id, "zone": "hengqin", "at": at, "type": kind, **members}

    past = "2023-05-01T09:00:00+08:00"
    setup = [envelope("atk-p", past, "register_party",
                      party={"id": "P-ATK", "name": "Firm", "kind": "enterprise", "credit": "general", "lists": []}),
             envelope("atk-i", past, "register_item",
                      item={"sku": "ATK-OIL", "hs_code": "3301.29", "description": "oil", "unit": "kg", "tags": []})]
    status, _ = post(port, admin, setup)
    check("an admin imports past events", status == 200, f"status {status}")
    declarant = token(db, "--role", "declarant", "--zone", "hengqin", "--party", "P-ATK")
    time.sleep(1.5)  # the server re-reads the token table once a second

    def declare(command_id, declaration_id, at):
        return envelope(command_id, at, "declare", declaration={
            "id": declaration_id, "kind": "first_line_in", "declarant": "P-ATK",
            "lines": [{"sku": "ATK-OIL", "qty": "1", "value": "10.00", "currency": "CNY", "origin": "FR",
                       "certificates": []}]})

    # 7. A declarant's declare with `at` in 2023: refused with the reason, nothing journaled.
    status, body = post(port, declarant, declare("atk-d1", "D-ATK-1", past))
    check("a declarant's declare dated 2023 is refused 400 naming the allowed skew",
          status == 400 and body.get("path") == "$.at" and "skew" in body.get("message", ""), f"{status} {body}")
    #    Within the skew it is decided at the server's time, and the journal says who and when.
    status, body = post(port, declarant, declare("atk-d2", "D-ATK-2", now_at()))
    check("a declarant's declare within the skew is decided", status == 200, f"{status} {body}")
    entries = {e.get("command", {}).get("id"): e for e in journal_entries(port, admin)}
    check("the declare dated 2023 left no entry", "atk-d1" not in entries)
    stamped = entries.get("atk-d2", {}).get("command", {})
    received = stamped.get("received", {})
    check("the journal records the declarant, its token and the server's time of receipt",
          received.get("role") == "declarant" and received.get("party") == "P-ATK" and
          received.get("token", "").startswith("tok_") and stamped.get("at") == received.get("at"),
          json.dumps(stamped)[:300])

    # 8. A declarant takes the id an officer is about to use: the officer's command is still decided.
    status, first = post(port, declarant, declare("gate-0001", "D-ATK-3", now_at()))
    check("a declarant's command with id gate-0001 is decided", status == 200, f"{status} {first}")
    person = envelope("gate-0001", now_at(), "register_party",
                      party={"id": "P-GATE", "name": "Gate", "kind": "logistics", "credit": "general", "lists": []})
    status, body = post(port, officer, person)
    check("an officer's gate-0001 afterwards is decided on its own, not 409",
          status == 200 and body.get("outcome") == "accepted" and body.get("seq") != first.get("seq"),
          f"{status} {body}")
    status, body = post(port, declarant, declare("gate-0001", "D-ATK-4", now_at()))
    check("the declarant reusing its own id with another body gets 409 naming only its own command",
          status == 409 and "P-GATE" not in json.dumps(body), f"{status} {body}")


def health_within(port, seconds):
    try:
        connection = connect(port, timeout=seconds)
        started = time.monotonic()
        connection.sendall(f"GET /healthz HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode())
        response = read_response(connection, timeout=seconds)
        connection.close()
        return status_of(response) == 200 and time.monotonic() - started <= seconds
    except OSError:
        return False


def journal_ids(port, secret):
    ids, start = set(), 1
    while start:
        connection = connect(port)
        connection.sendall((f"GET /v1/zones/hengqin/journal?from={start}&limit=1000 HTTP/1.1\r\nHost: {HOST}\r\n"
                            f"Authorization: Bearer {secret}\r\nConnection: close\r\n\r\n").encode())
        response = read_response(connection, timeout=30)
        connection.close()
        page = json.loads(response.split(b"\r\n\r\n", 1)[1])
        ids.update(entry.get("command", {}).get("id", "") for entry in page["entries"])
        start = page["next"]
    return ids


def main():
    work = tempfile.mkdtemp(prefix="twoline-attack-")
    db = os.path.join(work, "attack.db")
    log = open(os.path.join(work, "serve.log"), "w")
    server, port = start_server(db, log)
    admin = token(db, "--role", "admin")
    officer = token(db, "--role", "officer", "--zone", "hengqin")
    pid = server.pid
    baseline = memory_kib(pid, "VmRSS")
    poster = Poster(port, officer)
    poster.start()
    auth = f"Authorization: Bearer {admin}\r\n"
    commands = f"POST /v1/zones/hengqin/commands HTTP/1.1\r\nHost: {HOST}\r\n{auth}Content-Type: application/json\r\n"

    # 1. A POST with no Content-Length, streaming 200 MiB: 411 before the body is read.
    status, sent = stream_attack(port, (commands + "\r\n").encode(), repeat(b"a" * MIB, 200 * MIB), 200 * MIB)
    check("a POST without Content-Length is refused 411 while sending", status == 411 and sent < 200 * MIB,
          f"status {status}, sent {sent}")

    # 2. Chunked (capital C) POST of 200 MiB: refused 413 once past the 8 MiB body limit.
    piece = b"100000\r\n" + b"a" * MIB + b"\r\n"
    status, sent = stream_attack(port, (commands + "Transfer-Encoding: Chunked\r\n\r\n").encode(),
                                 repeat(piece, 200 * len(piece)), 200 * len(piece))
    check("a Chunked POST is refused 413 as it streams", status == 413 and sent < 32 * MIB,
          f"status {status}, sent {sent}")
    #    and a chunked PUT (a route that takes no body): refused before its body.
    put = f"PUT /v1/zones/hengqin/commands HTTP/1.1\r\nHost: {HOST}\r\n{auth}Transfer-Encoding: chunked\r\n\r\n"
    status, sent = stream_attack(port, put.encode(), repeat(piece, 200 * len(piece)), 200 * len(piece))
    check("a chunked PUT is refused while sending", 400 <= status < 500 and sent < 32 * MIB,
          f"status {status}, sent {sent}")

    # 3. A gzip bomb (1 GiB of zeros in about 1 MiB): refused 415 unread, with and without a token.
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    zeros = bytes(MIB)
    bomb = b"".join(compressor.compress(zeros) for _ in range(1024)) + compressor.flush()
    for who, header in (("an admin", auth), ("no token", "")):
        head = (f"POST /v1/zones/hengqin/commands HTTP/1.1\r\nHost: {HOST}\r\n{header}Content-Encoding: gzip\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(bomb)}\r\n\r\n").encode()
        status, sent = stream_attack(port, head, [bomb[i:i + 65536] for i in range(0, len(bomb), 65536)], len(bomb))
        check(f"a gzip bomb from {who} is refused 415 unread", status == 415, f"status {status}, sent {sent}")

    # 4. One request with 10,000 headers (about 1 MB): 431 after the header limits.
    headers = (f"X-Pad-{i}: {'v' * 80}\r\n".encode() for i in range(10000))
    status, sent = stream_attack(port, f"GET /healthz HTTP/1.1\r\nHost: {HOST}\r\n".encode(), headers, 2 * MIB)
    check("10,000 headers are refused 431 while sending", status == 431 and sent < 500000,
          f"status {status}, sent {sent}")

    # 5. A GET with a body that is a second request (smuggling): refused, closed, never answered twice.
    smuggled = f"GET /v1/zones HTTP/1.1\r\nHost: {HOST}\r\n{auth}\r\n".encode()
    connection = connect(port)
    connection.sendall(f"GET /healthz HTTP/1.1\r\nHost: {HOST}\r\nContent-Length: {len(smuggled)}\r\n\r\n".encode()
                       + smuggled + f"GET /healthz HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode())
    connection.settimeout(10)
    everything = b""
    try:
        while True:
            chunk = connection.recv(65536)
            if not chunk:
                break
            everything += chunk
    except (socket.timeout, ConnectionResetError):
        pass
    connection.close()
    check("a GET with a body is refused 400 and the connection closed",
          status_of(everything) == 400 and everything.count(b"HTTP/1.1 ") == 1, repr(everything[:200]))

    # 6. 300 slow clients, each sending a header byte every 2 s: /healthz answers within 2 s, and
    #    the slow ones are closed (shed at the per-address limit, or at the head deadline).
    slow = []
    for _ in range(300):
        try:
            s = connect(port)
            s.sendall(f"GET /healthz HTTP/1.1\r\nHost: {HOST}\r\n".encode())
            s.setblocking(False)
            slow.append(s)
        except OSError:
            pass
    check("300 slow clients connect", len(slow) == 300, f"{len(slow)} connected")
    answered, closed = 0, set()
    deadline = time.monotonic() + 30
    rounds = 0
    while time.monotonic() < deadline and (len(closed) < len(slow) or rounds < 10):
        for i, s in enumerate(slow):
            if i in closed:
                continue
            try:
                data = s.recv(4096)
                if data or data == b"":
                    closed.add(i)  # an answer (408) or a close
                    continue
            except BlockingIOError:
                pass
            except OSError:
                closed.add(i)
                continue
            try:
                s.send(b"X")
            except OSError:
                closed.add(i)
        started = time.monotonic()
        if rounds < 10:
            answered += health_within(port, 2.0)
            rounds += 1
        time.sleep(max(0.0, 2.0 - (time.monotonic() - started)))
    for s in slow:
        s.close()
    check("/healthz answers within 2 s while 300 slow clients are attached", answered == 10,
          f"{answered} of 10")
    check("every slow client is closed by the server", len(closed) == len(slow), f"{len(closed)} of {len(slow)}")

    rules_attacks(port, db, admin, officer)

    poster.stop.set()
    poster.join()
    peak = memory_kib(pid, "VmHWM")
    print(f"server RSS: {baseline} KiB at start, peak {peak} KiB (+{(peak - baseline) // 1024} MiB)")
    check("the server's memory stays bounded (peak RSS within 96 MiB of the start)", peak - baseline < 96 * 1024,
          f"+{(peak - baseline) // 1024} MiB")
    check("normal traffic went on during the attacks", len(poster.acknowledged) > 10,
          f"{len(poster.acknowledged)} acknowledged, {poster.errors} errors")

    # Nothing acknowledged is lost: kill the server outright, restart it, read the journal.
    server.send_signal(signal.SIGKILL)
    server.wait()
    server, port = start_server(db, log)
    ids = journal_ids(port, admin)
    lost = [i for i in poster.acknowledged if i not in ids]
    check("every acknowledged command is in the journal after SIGKILL and restart", not lost, f"lost {lost[:5]}")
    server.send_signal(signal.SIGTERM)
    check("the server stops cleanly", server.wait(timeout=30) == 0)
    subprocess.run(["rm", "-rf", work])
    print(f"attack: {passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
