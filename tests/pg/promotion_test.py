"""PostgreSQL's own failover: a primary with a synchronous streaming standby (synchronous_commit on,
synchronous_standby_names set); two nodes whose conninfo names both servers with
target_session_attrs=read-write; clients posting to both. The primary is stopped (immediate: as a
crash) and the standby promoted; the nodes reconnect through the multi-host conninfo, take their
zones again and go on; no acknowledged command is lost. Run by ctest as:
python3 tests/pg/promotion.py /path/to/twoline"""

import cluster_lib as t

LEASE_MS = 1000


def test(twoline):
    pg = t.PgCluster(standby=True)
    conninfo = pg.multi_host()
    token = twoline.token(conninfo)
    nodes = [t.Node(twoline, conninfo, "n1", LEASE_MS, zones=["hengqin"]),
             t.Node(twoline, conninfo, "n2", LEASE_MS)]
    clients = [t.Client(nodes, token, "hengqin", twoline.simulated("hengqin", 300, 70 + i, "k%d-" % i),
                        give_up_s=120)
               for i in range(2)]
    for client in clients:
        client.start()
    acknowledged = lambda: sum(len(c.acknowledged) for c in clients)
    t.wait_for("commands acknowledged on the first primary", lambda: acknowledged() >= 60, 60)
    pg.stop("primary", "immediate")
    before = acknowledged()
    pg.promote()
    t.wait_for("commands acknowledged on the promoted standby", lambda: acknowledged() >= before + 60, 120)
    for client in clients:
        client.stop_requested.set()
    for client in clients:
        client.join(180)
        t.check(client.error is None, "client failed: %s" % client.error)
    count = t.check_journal(twoline, conninfo, "hengqin", clients, nodes, token)
    print("acknowledged %d (%d before the primary stopped), client retries %d" %
          (count, before, sum(c.refusals for c in clients)))
    return 4


if __name__ == "__main__":
    t.main(test)
