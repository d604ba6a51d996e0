"""The --postgres forms of the subcommands: `run --postgres` decides exactly as `run --journal`,
`verify --postgres` prints the same line as verify of the journal, `export` writes that journal byte
for byte, `import` loads it into another database that then verifies alike, `query` answers as the
journal form, `token create|list|revoke` work, and wrong uses are refused with a clear message.
Run by ctest as: python3 tests/pg/store_cli_test.py /path/to/twoline"""

import os
import subprocess

import cluster_lib as t


def schema_conninfo(pg, name):
    """A conninfo whose tables live in schema `name` (an empty database of its own)."""
    subprocess.run(["bash", t.PG_CLUSTER, "psql", pg.dir, "primary", "-c", "CREATE SCHEMA " + name],
                   check=True, capture_output=True)
    return pg.primary + " options='-csearch_path=%s'" % name


def test(twoline):
    pg = t.PgCluster()
    first, second = schema_conninfo(pg, "first"), schema_conninfo(pg, "second")
    tmp = twoline.tmp
    day = twoline.run("simulate", "--zone", "hengqin", "--date", "2026-03-02", "--persons", "300",
                      "--seed", "9")
    lines = day.splitlines(keepends=True)
    journal = os.path.join(tmp, "day.journal")
    checks = 0
    for part in (lines[:500], lines[500:] + ["not JSON\n"]):
        text = "".join(part)
        by_journal = twoline.run("run", "--zone", "hengqin", "--journal", journal, stdin=text)
        by_postgres = twoline.run("run", "--zone", "hengqin", "--postgres", first, stdin=text)
        t.check(by_journal == by_postgres, "run --postgres decides as run --journal")
        checks += 1
    verified = twoline.run("verify", "--journal", journal)
    t.check(twoline.run("verify", "--postgres", first) == verified, "verify --postgres prints the journal's line")
    exported = os.path.join(tmp, "exported.journal")
    twoline.run("export", "--postgres", first, "--journal", exported)
    t.check(open(exported, "rb").read() == open(journal, "rb").read(), "export writes the journal byte for byte")
    imported = twoline.run("import", "--journal", journal, "--postgres", second)
    t.check(imported.startswith("imported %d entries" % len(open(journal).readlines())), imported)
    t.check(twoline.run("verify", "--postgres", second) == verified, "the imported database verifies alike")
    for what in (["presence", "--zone", "hengqin"], ["report", "--zone", "hengqin", "--from", "2026-03-02",
                                                     "--to", "2026-03-02"]):
        by_journal = twoline.run("query", what[0], "--journal", journal, *what[1:])
        t.check(twoline.run("query", what[0], "--postgres", second, *what[1:]) == by_journal,
                "query %s --postgres answers as the journal form" % what[0])
    checks += 6
    created = twoline.run("token", "create", "--postgres", first, "--role", "auditor").splitlines()
    token_id = created[0].split()[1]
    t.check(token_id in twoline.run("token", "list", "--postgres", first), "token list shows it")
    t.check(twoline.run("token", "revoke", "--postgres", first, "--id", token_id).startswith("revoked"),
            "token revoke")
    checks += 2
    refusals = [
        (["verify", "--db", os.path.join(tmp, "x.db"), "--postgres", first], "excludes"),
        (["serve", "--postgres", first], "--node-id"),
        (["verify", "--postgres", "host=127.0.0.1 port=1 connect_timeout=2"], "cannot connect"),
        (["verify", "--postgres", schema_conninfo(pg, "empty")], "not a twoline database"),
    ]
    for args, expected in refusals:
        result = subprocess.run([twoline.binary] + args, capture_output=True, text=True)
        t.check(result.returncode != 0 and expected in result.stdout + result.stderr,
                "%s is refused naming %r: %s" % (" ".join(args[:2]), expected, result.stderr))
        checks += 1
    return checks


if __name__ == "__main__":
    t.main(test)
