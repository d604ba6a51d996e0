"""Fencing: SIGSTOP the node owning hengqin past its lease while commands are queued on it; another
node takes the zone over and commits; SIGCONT the old owner. None of the old owner's queued
commands may be appended by it (its appends carry the old epoch and are refused in their
transaction), its clients get an error (503) or an answer relayed from the new owner, and the chain
has no fork: it verifies, and every acknowledged command is in it exactly once with the
acknowledged seq and hash. Run by ctest as: python3 tests/pg/fencing.py /path/to/twoline"""

import json
import signal
import threading
import time

import cluster_lib as t

LEASE_MS = 1000


def test(twoline):
    pg = t.PgCluster()
    token = twoline.token(pg.primary)
    old = t.Node(twoline, pg.primary, "n1", LEASE_MS, zones=["hengqin"])
    others = [t.Node(twoline, pg.primary, "n%d" % i, LEASE_MS) for i in (2, 3)]
    nodes = [old] + others
    owner, epoch = t.wait_for("n1 to own hengqin", lambda: t.live_owner(nodes, token, "hengqin"), 30)
    t.check(owner == "n1", "n1 took hengqin at start (owner %s)" % owner)
    # Clients on the other nodes (relayed to n1 while it owns the zone) and one on n1 itself.
    clients = [t.Client(others, token, "hengqin", twoline.simulated("hengqin", 300, 40 + i, "k%d-" % i))
               for i in range(2)]
    clients.append(t.Client([old], token, "hengqin", twoline.simulated("hengqin", 300, 50, "d-"), give_up_s=5))
    for client in clients:
        client.start()
    t.wait_for("commands acknowledged before the pause",
               lambda: sum(len(c.acknowledged) for c in clients) >= 60, 30)

    old.signal(signal.SIGSTOP)
    clients[2].stop_requested.set()  # its last request stays queued on the paused node
    paused = time.monotonic()
    # More commands queued on the paused owner: sent now, read only after SIGCONT.
    queued = twoline.simulated("hengqin", 20, 60, "q-")[:8]
    answers = {}

    def post_to_paused(command):
        answers[json.loads(command)["id"]] = t.request(old.port, "POST", "/v1/zones/hengqin/commands",
                                                        token, command, timeout=60)

    posters = [threading.Thread(target=post_to_paused, args=(c,)) for c in queued]
    for poster in posters:
        poster.start()
    new_owner = t.wait_for(
        "another node to take hengqin over",
        lambda: (lambda o: o if o and o[0] != "n1" and o[1] > epoch else None)(
            t.live_owner(others, token, "hengqin")), 60, 0.02)
    before = sum(len(c.acknowledged) for c in clients)
    t.wait_for("the new owner to commit", lambda: sum(len(c.acknowledged) for c in clients) >= before + 30, 30)
    t.check(time.monotonic() - paused > LEASE_MS / 1000.0, "paused past the lease")
    old.signal(signal.SIGCONT)
    for poster in posters:
        poster.join(90)
    checks = 2
    # Each queued command: refused (503, then retried through the live nodes) or answered with the
    # new owner's relayed decision. The old owner never answers from a write of its own.
    log = t.wait_for("the old owner to notice it lost hengqin",
                     lambda: (lambda text: text if "zone_dropped" in text else None)(old.read_log()), 30)
    t.check("lease lost" in log or "fenced" in log, "the old owner logged why it stopped writing: " +
            " | ".join(line for line in log.splitlines() if "zone_dropped" in line or "writes_stopped" in line))
    checks += 1
    retry = t.Client(others, token, "hengqin", [])
    for command in queued:
        command_id = json.loads(command)["id"]
        status, body = answers.get(command_id, (0, ""))
        t.check(status in (0, 200, 503), "queued command %s answered %d %s" % (command_id, status, body))
        if status == 200:
            retry.acknowledged[command_id] = (command, body)
        else:
            retry.post_until_acknowledged(command)
    checks += 1
    for client in clients:
        client.stop_requested.set()
    for client in clients:
        client.join(120)
        t.check(client.error is None or client is clients[2], "client failed: %s" % client.error)
    acknowledged = t.check_journal(twoline, pg.primary, "hengqin", clients + [retry], others, token)
    refused = sum(1 for status, _ in answers.values() if status != 200)
    print("acknowledged %d; queued on the paused owner: %d refused, %d relayed; takeover by %s epoch %d" %
          (acknowledged, refused, len(queued) - refused, new_owner[0], new_owner[1]))
    for line in old.read_log().splitlines():
        if "writes_stopped" in line or "zone_dropped" in line:
            print("old owner: " + line)
    return checks + 3


if __name__ == "__main__":
    t.main(test)
