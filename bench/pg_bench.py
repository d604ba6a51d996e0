"""PostgreSQL figures for `make bench` (figures, not tests), on a throwaway cluster with fsync on:

1. durable commands/s of `twoline run --postgres` on the simulated Hengqin record day with group
   commit (4,096 commands per transaction) against one transaction per command (--batch 1, on the
   first 5,000 commands of the same day);
2. HTTP commands/s with three zones on one node against three nodes each holding one zone (clients
   post batches of 100 commands to the zone's owner);
3. time from a SIGKILL of a zone's owner to the first decision by the new owner (lease 2,000 ms).

  python3 bench/pg_bench.py path/to/twoline"""

import os
import signal
import statistics
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "pg"))
import cluster_lib as t  # noqa: E402


def schema(pg, name):
    subprocess.run(["bash", t.PG_CLUSTER, "psql", pg.dir, "primary", "-c", "CREATE SCHEMA " + name],
                   check=True, capture_output=True)
    return pg.primary + " options='-csearch_path=%s'" % name


def timed_run(twoline, conninfo, lines, batch):
    started = time.monotonic()
    twoline.run("run", "--zone", "hengqin", "--postgres", conninfo, "--batch", str(batch),
                stdin="".join(lines))
    return time.monotonic() - started


def group_commit(twoline, pg):
    day = twoline.run("simulate", "--zone", "hengqin", "--date", "2025-05-02", "--persons", "64200",
                      "--crossings", "128400", "--seed", "7").splitlines(keepends=True)
    seconds = timed_run(twoline, schema(pg, "grouped"), day, 4096)
    grouped = len(day) / seconds
    print("run --postgres, group commit:      %d commands in %.2f s = %s durable commands/s" %
          (len(day), seconds, format(round(grouped), ",")))
    head = day[:5000]
    seconds = timed_run(twoline, schema(pg, "single"), head, 1)
    single = len(head) / seconds
    print("run --postgres --batch 1 baseline: %d commands in %.2f s = %s durable commands/s" %
          (len(head), seconds, format(round(single), ",")))
    print("group commit / per-command transaction: %.1fx" % (grouped / single))


def post_batches(port, token, zone, batches, done):
    for body in batches:
        status, text = t.request(port, "POST", "/v1/zones/%s/commands" % zone, token, body, timeout=60)
        if status != 200:
            raise t.Failure("%s: %d %s" % (zone, status, text[:200]))
        done.append(body.count('"id"'))


def http_throughput(twoline, conninfo, token, layout, zones, streams):
    """`layout`: node id -> zones it takes. Clients post each zone's batches to its owner."""
    nodes = {node_id: t.Node(twoline, conninfo, node_id, 2000, zones=owned) for node_id, owned in layout.items()}
    owner = {zone: nodes[node_id] for node_id, owned in layout.items() for zone in owned}
    done = []
    threads = []
    for zone in zones:
        per_client = [streams[zone][i::4] for i in range(4)]  # 4 clients per zone
        for batches in per_client:
            threads.append(threading.Thread(target=post_batches,
                                            args=(owner[zone].port, token, zone, batches, done)))
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.monotonic() - started
    for node in nodes.values():
        node.stop()
    return sum(done), seconds


def zone_batches(twoline, zone, persons, seed):
    """Independent registrations (one person each) in batches of 100: commands that every order of
    batches decides alike, so that concurrent clients measure the commit path, not the rules."""
    lines = twoline.simulated(zone, persons, seed, "b-")
    registrations = [line for line in lines if '"register_person"' in line]
    return ["[" + ",".join(registrations[i:i + 100]) + "]" for i in range(0, len(registrations), 100)]


def scaling(twoline, pg):
    zones = ["hengqin", "qianhai", "nansha"]
    streams = {zone: zone_batches(twoline, zone, 40000, 3 + i) for i, zone in enumerate(zones)}
    for label, layout, name in (("one node, three zones", {"solo": zones}, "one"),
                                ("three nodes, one zone each", {"a": [zones[0]], "b": [zones[1]],
                                                                "c": [zones[2]]}, "three")):
        conninfo = schema(pg, name)
        token = twoline.token(conninfo)
        commands, seconds = http_throughput(twoline, conninfo, token, layout, zones, streams)
        print("HTTP, %-28s %d commands in %.2f s = %s durable commands/s" %
              (label + ":", commands, seconds, format(round(commands / seconds), ",")))


def takeover(twoline, pg, rounds=5):
    conninfo = schema(pg, "takeover")
    token = twoline.token(conninfo)
    nodes = [t.Node(twoline, conninfo, "n%d" % i, 2000, zones=["hengqin"] if i == 1 else []) for i in (1, 2, 3)]
    commands = iter(twoline.simulated("hengqin", 20000, 5, "s-"))
    times = []
    for _ in range(rounds):
        owner, _epoch = t.wait_for("an owner", lambda: t.live_owner(nodes, token, "hengqin"), 30)
        victim = next(n for n in nodes if n.node_id == owner)
        survivor = next(n for n in nodes if n.alive() and n is not victim)
        # Warm: the owner is committing when it dies.
        for _ in range(20):
            t.request(survivor.port, "POST", "/v1/zones/hengqin/commands", token, next(commands))
        victim.signal(signal.SIGKILL)
        victim.process.wait()
        killed = time.monotonic()
        command = next(commands)
        while True:
            status, body = t.request(survivor.port, "POST", "/v1/zones/hengqin/commands", token, command)
            if status == 200:
                break
            time.sleep(0.005)
        times.append(time.monotonic() - killed)
        victim.start()
    for node in nodes:
        node.stop()
    print("SIGKILL of the owner to the first decision by the new owner (lease 2000 ms, %d kills): "
          "min %.2f s, median %.2f s, max %.2f s" % (rounds, min(times), statistics.median(times), max(times)))


def main():
    twoline = t.Twoline(sys.argv[1])
    pg = t.PgCluster()
    group_commit(twoline, pg)
    scaling(twoline, pg)
    takeover(twoline, pg)


if __name__ == "__main__":
    main()
