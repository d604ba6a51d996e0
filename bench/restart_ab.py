"""Restart A against B: process start to the first decision on an existing store, the two builds
alternating (ABBA), each started N times; prints each build's median, minimum and maximum. The probe
is the registration bench/history.sh uses: the first start appends it, later ones answer it as a
duplicate from the same state.
  python3 bench/restart_ab.py BIN_A BIN_B N --journal PATH   (or --db PATH)"""
import statistics
import subprocess
import sys
import tempfile
import time

PROBE = ('{"id":"restart-probe","zone":"hengqin","at":"2026-12-01T08:00:00+08:00","type":"register_party",'
         '"party":{"id":"P-RESTART","name":"Restart probe","kind":"enterprise","credit":"general","lists":[]}}\n')


def main():
    if len(sys.argv) != 6 or sys.argv[4] not in ("--journal", "--db"):
        sys.exit(__doc__)
    binaries, runs, flag, path = sys.argv[1:3], int(sys.argv[3]), sys.argv[4], sys.argv[5]
    times = {binary: [] for binary in binaries}
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl") as probe:
        probe.write(PROBE)
        probe.flush()
        for run in range(runs):
            for binary in (binaries if run % 2 == 0 else binaries[::-1]):
                with open(probe.name) as stdin:
                    started = time.monotonic()
                    process = subprocess.Popen([binary, "run", "--zone", "hengqin", flag, path,
                                                "--snapshot-every", "0"], stdin=stdin,
                                               stdout=subprocess.PIPE, text=True)
                    first = process.stdout.readline()
                    times[binary].append(time.monotonic() - started)
                    process.stdout.read()
                    process.wait()
                if process.returncode != 0 or '"restart-probe"' not in first:
                    sys.exit(f"{binary}: restart probe failed: {first!r} (exit {process.returncode})")
    for binary in binaries:
        t = sorted(times[binary])
        print(f"{binary}: restart to first decision median {statistics.median(t):.3f} s "
              f"(min {t[0]:.3f}, max {t[-1]:.3f}, {runs} starts)")


if __name__ == "__main__":
    main()
