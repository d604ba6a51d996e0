#!/usr/bin/env python3
# bench/parse_flood.py BIN [SECONDS]: the large-body flood of docs/security.md (run by hand, not by make bench).
# 32 connections post ~7.5 MiB batches whose last command is invalid, for SECONDS; meanwhile one
# officer posts a crossing and one client GETs /healthz every 100 ms. Prints the latencies.
import http.client, json, os, subprocess, sys, tempfile, threading, time, datetime

binary = sys.argv[1]
seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 10
work = tempfile.mkdtemp()
db = os.path.join(work, "z.db")
def token(*args):
    out = subprocess.run([binary, "token", "create", "--db", db, *args], capture_output=True, text=True, check=True).stdout
    return out.strip().splitlines()[-1]
admin = token("--role", "admin")
officers = [token("--role", "officer", "--zone", "hengqin") for _ in range(33)]
server = subprocess.Popen([binary, "serve", "--db", db, "--zone", "hengqin", "--listen", "127.0.0.1:0"],
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
port = None
for line in server.stdout:
    if line.startswith("listening on http://127.0.0.1:"):
        port = int(line.strip().rsplit(":", 1)[1]); break
def now_at():
    t = datetime.datetime.utcnow() + datetime.timedelta(hours=8)
    return t.strftime("%Y-%m-%dT%H:%M:%S+08:00")
def post(conn, tok, body):
    conn.request("POST", "/v1/zones/hengqin/commands", body=body,
                 headers={"Authorization": "Bearer " + tok, "Content-Type": "application/json"})
    r = conn.getresponse(); data = r.read(); return r.status, data
c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
status, data = post(c, admin, json.dumps({"id": "p1", "zone": "hengqin", "at": now_at(), "type": "register_person", "person": {
    "id": "MO-1", "name": "Traveller", "nationality": "CN", "resident_of": "MO", "birth_date": "1980-01-01",
    "documents": [{"type": "home_return_permit", "number": "H1", "valid_from": "2019-01-01", "valid_until": "2029-01-01"}], "lists": []}}))
assert status == 200, data
line = {"sku": "OIL", "qty": "1", "value": "10.00", "currency": "CNY", "origin": "FR", "certificates": []}
one = {"id": "X", "zone": "hengqin", "at": now_at(), "type": "declare",
       "declaration": {"id": "D-X", "kind": "first_line_in", "declarant": "P-X", "lines": [line] * 80}}
text = json.dumps(one)
body = "[" + ",".join([text] * 999) + ',{"id":"last","zone":"hengqin"}]'
print(f"attack body {len(body)/1048576:.2f} MiB", flush=True)
stop = time.time() + seconds
counts = {"400": 0, "429": 0, "other": 0}
def attacker(i):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    while time.time() < stop:
        try:
            s, _ = post(conn, officers[i], body)
            counts["400" if s == 400 else "429" if s == 429 else "other"] += 1
        except Exception:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
crossing, health = [], []
def measure():
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    n = 0
    time.sleep(1)
    while time.time() < stop:
        n += 1
        t = time.time()
        s, d = post(conn, officers[32], json.dumps({"id": f"c{n}", "zone": "hengqin", "at": now_at(), "type": "cross",
                    "person": "MO-1", "gate": "HQ-L1-GEN-01", "direction": "in" if n % 2 else "out"}))
        crossing.append((time.time() - t) * 1000)
        h = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        t = time.time(); h.request("GET", "/healthz"); h.getresponse().read(); health.append((time.time() - t) * 1000); h.close()
        time.sleep(0.1)
threads = [threading.Thread(target=attacker, args=(i,)) for i in range(32)] + [threading.Thread(target=measure)]
for t in threads: t.start()
for t in threads: t.join()
server.terminate(); server.wait()
def q(v, p): v = sorted(v); return v[min(len(v) - 1, int(len(v) * p))]
print(f"attacker answers {counts}")
print(f"officer crossing ms: n={len(crossing)} p50 {q(crossing,.5):.1f} p90 {q(crossing,.9):.1f} max {max(crossing):.1f}")
print(f"/healthz ms: p50 {q(health,.5):.1f} p90 {q(health,.9):.1f} max {max(health):.1f}")
