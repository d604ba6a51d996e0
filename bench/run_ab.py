#!/usr/bin/env python3
"""A against B on the record day: `twoline run --journal --stats` (or --db) of two binaries, N runs each.

    python3 bench/run_ab.py BINARY_A BINARY_B [RUNS] [--db] [-- extra run options]

With --db the runs are `run --db` into an embedded database instead of `run --journal`.

The runs go in ABBA order (A B, B A, A B, ...), so that neither binary always runs right after the
other: on this kind of guest, the kernel's time zeroing fresh pages swings from run to run (the same
binary alternates between 0.1 and 0.7 s of system time), and a strict A B A B order let that swing
land on one side. Prints, per binary, the medians (and minimums) of the whole run's wall time, of
the deciding and committing phase and of the final snapshot (from --stats), and of user and system
CPU. Figures, not a test.
"""
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time


def main():
    args = sys.argv[1:]
    extra = []
    if "--" in args:
        extra = args[args.index("--") + 1:]
        args = args[:args.index("--")]
    use_db = "--db" in args
    args = [a for a in args if a != "--db"]
    if len(args) < 2:
        sys.exit(__doc__)
    binaries = [os.path.abspath(b) for b in args[:2]]
    runs = int(args[2]) if len(args) > 2 else 10
    work = tempfile.mkdtemp()
    day = os.path.join(work, "day.jsonl")
    with open(day, "w") as out:
        subprocess.run([binaries[1], "simulate", "--zone", "hengqin", "--date", "2025-05-02", "--persons", "64200",
                        "--crossings", "128400", "--consignments", "10500", "--seed", "7"], stdout=out, check=True)
    results = {b: [] for b in binaries}
    order = []
    for i in range(runs):
        order += binaries if i % 2 == 0 else binaries[::-1]
    for binary in order:
        journal = os.path.join(work, "day.db" if use_db else "day.journal")
        subprocess.run(f"rm -rf '{journal}'*", shell=True, check=True)
        started = time.monotonic()
        # The decisions go to a file, as in bench/run.sh.
        with open(day) as stdin, open(os.path.join(work, "decisions.jsonl"), "w") as stdout:
            run = subprocess.run(["/usr/bin/time", "-f", "%U %S", binary, "run", "--zone", "hengqin",
                                  "--db" if use_db else "--journal", journal, "--stats"] + extra, stdin=stdin, stdout=stdout,
                                 stderr=subprocess.PIPE, text=True)
        wall = time.monotonic() - started
        stats = re.search(r"durable in ([0-9.e-]+) s.*snapshot ([0-9.e-]+) s", run.stderr)
        if run.returncode != 0 or stats is None:
            sys.exit(f"{binary} failed: {run.stderr}")
        user, system = run.stderr.strip().split("\n")[-1].split()
        results[binary].append((wall, float(stats.group(1)), float(stats.group(2)), float(user), float(system)))
    subprocess.run(["rm", "-rf", work])
    print(f"{runs} runs each, ABBA order; seconds, median (min)")
    for binary in binaries:
        rows = results[binary]
        def figure(i):
            column = [row[i] for row in rows]
            return f"{statistics.median(column):.3f} ({min(column):.3f})"
        print(f"{binary}: wall {figure(0)}, deciding {figure(1)}, snapshot {figure(2)}, "
              f"user {figure(3)}, sys {figure(4)}")


if __name__ == "__main__":
    main()
