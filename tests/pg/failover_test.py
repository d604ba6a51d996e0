"""Failover: three nodes on one PostgreSQL database, clients posting hengqin commands to all of
them. Ten times: SIGKILL the node owning the zone while it is committing; another node must own the
zone within the lease plus a margin; the killed node restarts (same id) and the clients go on.
Afterwards every acknowledged command is in the journal exactly once at its acknowledged seq and
hash, the chain verifies, and retrying each acknowledged command returns its original decision.
Run by ctest as: python3 tests/pg/failover.py /path/to/twoline"""

import os
import signal
import time

import cluster_lib as t

ROUNDS = int(os.environ.get("TWOLINE_FAILOVER_ROUNDS", "10"))
LEASE_MS = 1000
TAKEOVER_BOUND_S = 5.0  # lease + margin (the bound); a takeover takes about one lease


def test(twoline):
    pg = t.PgCluster()
    token = twoline.token(pg.primary)
    nodes = [t.Node(twoline, pg.primary, "n%d" % i, LEASE_MS, zones=["hengqin"] if i == 1 else [])
             for i in (1, 2, 3)]
    clients = [t.Client(nodes, token, "hengqin", twoline.simulated("hengqin", 600, 20 + i, "k%d-" % i))
               for i in range(3)]
    for client in clients:
        client.start()
    checks = 0
    takeovers = []
    for round_number in range(ROUNDS):
        owner, epoch = t.wait_for("a live owner of hengqin", lambda: t.live_owner(nodes, token, "hengqin"), 30)
        # Wait until the owner is committing this round's commands.
        before = sum(len(c.acknowledged) for c in clients)
        t.wait_for("commands acknowledged in round %d" % round_number,
                   lambda: sum(len(c.acknowledged) for c in clients) >= before + 20, 30)
        victim = next(n for n in nodes if n.node_id == owner)
        victim.signal(signal.SIGKILL)
        victim.process.wait()
        killed = time.monotonic()
        survivors = [n for n in nodes if n.alive()]
        new_owner = t.wait_for(
            "another node to own hengqin",
            lambda: (lambda o: o if o and o[0] != owner and o[1] > epoch else None)(
                t.live_owner(survivors, token, "hengqin")),
            TAKEOVER_BOUND_S + 10, 0.02)
        takeover_s = time.monotonic() - killed
        takeovers.append(takeover_s)
        t.check(takeover_s <= TAKEOVER_BOUND_S,
                "round %d: node %s owned hengqin %.2f s after the kill (bound %.1f s)" %
                (round_number, new_owner[0], takeover_s, TAKEOVER_BOUND_S))
        checks += 1
        victim.start()  # same node id, fresh process: it loads the zone again before writing it
    for client in clients:
        client.stop_requested.set()
    for client in clients:
        client.join(120)
        t.check(client.error is None, "client failed: %s" % client.error)
    acknowledged = t.check_journal(twoline, pg.primary, "hengqin", clients, nodes, token)
    checks += 3
    print("rounds %d, acknowledged %d, takeover s: max %.2f mean %.2f, client retries %d" % (
        ROUNDS, acknowledged, max(takeovers), sum(takeovers) / len(takeovers),
        sum(c.refusals for c in clients)))
    return checks


if __name__ == "__main__":
    t.main(test)
