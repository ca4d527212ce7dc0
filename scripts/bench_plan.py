#!/usr/bin/env python3
"""scripts/bench_plan.py — measure what a folder costs on this machine as one tarball
(`ST/artifacts?path=DIR`) and as one request per file (`ST/artifact?path=FILE&force=true`),
to set the constants of pxa's folder plan (src/pull/tree/plan.rs, docs/pull.md "How a folder
is fetched").

    . /path/to/sandbox/env   # a fresh sandbox: scripts/sandbox start (own state dir)
    .venv/bin/python scripts/bench_plan.py [--rounds 3] [--parallel 4] [--only GROUP]

It seeds project `pxa-plan` (one run) with folders of random and of text-like (CSV) files
of one size each, from 4 KiB to 16 MiB, plus a 300-file text folder in 6 sub-folders and a
2,000-file random folder in 20, then times with curl (native, keep-alive, like pxa):

* tar:      `curl -o` of the folder's tarball (the server gzips it at level 9 first);
* per-file: `curl -Z --parallel-max N` of every file with `force=true` (one process, one
            connection pool), N = --parallel;
* split:    the sub-folders' tarballs and the folder's own files (per-file), N at once, for
            the folders with sub-folders (what the plan's split rule would ask for).

Rounds are interleaved (every case once per round) so the machine's drift is shared; the
median per case is reported, with the load average before and after, and a least-squares
fit of the per-file cost (r + size·w) and of the tarball cost (T0 + n·t + bytes·g) per kind
of data. Standard library + requests (the venv) + curl.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from typing import Dict, List, Tuple

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_seed import csv_bytes  # noqa: E402
from seed import Api, RunFiles, SeedError, log  # noqa: E402

OWNER = "default"
PROJECT = "pxa-plan"
KIB = 1024
MIB = 1024 * KIB
# (size, count): about 1–64 MiB per folder.
SIZES = [(4 * KIB, 256), (16 * KIB, 128), (64 * KIB, 64), (256 * KIB, 32), (MIB, 16),
         (4 * MIB, 8), (16 * MIB, 4)]


def seed(api: Api, data: str) -> Tuple[str, Dict[str, List[Tuple[str, int]]]]:
    try:
        api.post(f"/api/v1/{OWNER}/projects/create", {"name": PROJECT})
    except SeedError as e:
        if "already exists" not in str(e):
            raise
    uuid = api.post(f"/api/v1/{OWNER}/{PROJECT}/runs", {"name": "plan", "is_managed": False}).json()["uuid"]
    files = RunFiles(data, uuid)
    rng = random.Random(7)
    folders: Dict[str, List[Tuple[str, int]]] = {}
    for kind in ("rand", "text"):
        for size, count in SIZES:
            d = f"outputs/{kind}-{size // KIB}k"
            for i in range(count):
                content = rng.randbytes(size) if kind == "rand" else csv_bytes(rng, size)
                files.write(f"{d}/f{i:04d}.{'bin' if kind == 'rand' else 'csv'}", content)
    for i in range(300):
        files.write(f"outputs/small300/part-{i % 6}/f{i:04d}.csv",
                    csv_bytes(rng, rng.randint(8 * KIB, 56 * KIB)))
    for i in range(2000):
        files.write(f"outputs/dataset/d{i % 20:02d}/f{i:05d}.bin", rng.randbytes(rng.randint(KIB, 64 * KIB)))
    for i in range(3):  # a model: three weight files beside a tokenizer folder of small files
        files.write(f"outputs/mixed/w{i}.bin", rng.randbytes(3 * MIB))
    for i in range(40):
        files.write(f"outputs/mixed/tokenizer/t{i:02d}.json", csv_bytes(rng, rng.randint(KIB, 8 * KIB)))
    for i in range(4):
        files.write(f"outputs/shards/shard-{i}.bin", rng.randbytes(64 * MIB))
    for rel, f in files.files.items():
        d = rel.rsplit("/", 1)[0]
        folders.setdefault(d, []).append((rel, f["size"]))
        if d.count("/") == 2:
            folders.setdefault(d.rsplit("/", 1)[0], []).append((rel, f["size"]))
    return uuid, folders


def url(host: str, uuid: str, endpoint: str, path: str, force: bool = False) -> str:
    q = {"path": path, **({"force": "true"} if force else {})}
    return (f"{host}/streams/v1/polyaxon/{OWNER}/{PROJECT}/runs/{uuid}/{endpoint}?"
            + urllib.parse.urlencode(q, quote_via=urllib.parse.quote))


def curl_many(pairs: List[Tuple[str, str]], parallel: int) -> float:
    """Fetches (url, output file) pairs with one curl, `parallel` at a time; wall seconds."""
    with tempfile.NamedTemporaryFile("w", suffix=".cfg", delete=False) as cfg:
        for u, out in pairs:
            cfg.write(f'url = "{u}"\noutput = "{out}"\n')
    try:
        t0 = time.monotonic()
        subprocess.run(["curl", "-sSf", "--no-progress-meter", "-Z", "--parallel-immediate",
                        "--parallel-max", str(parallel), "-K", cfg.name],
                       check=True)
        return time.monotonic() - t0
    finally:
        os.unlink(cfg.name)


def fit(rows: List[Tuple[List[float], float]]) -> List[float]:
    """Least squares for y = Σ c_i x_i (normal equations, tiny sizes only)."""
    k = len(rows[0][0])
    a = [[sum(x[i] * x[j] for x, _ in rows) for j in range(k)] for i in range(k)]
    b = [sum(x[i] * y for x, y in rows) for i in range(k)]
    for i in range(k):  # Gauss-Jordan
        p = a[i][i]
        for j in range(i, k):
            a[i][j] /= p
        b[i] /= p
        for r in range(k):
            if r != i and a[r][i]:
                f = a[r][i]
                for j in range(i, k):
                    a[r][j] -= f * a[i][j]
                b[r] -= f * b[i]
    return b


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--host", default=os.environ.get("PXA_E2E_HOST"))
    ap.add_argument("--data", default=os.environ.get("PXA_E2E_DATA"))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--parallel", type=int, default=4)
    ap.add_argument("--only", choices=["sizes", "split"], help="one group of cases")
    args = ap.parse_args()
    if not args.host or not args.data:
        ap.error("--host and --data are required (or source the sandbox env file)")
    host = args.host.rstrip("/")
    api = Api(host)
    t0 = time.monotonic()
    uuid, folders = seed(api, args.data)
    log(f"seeded run {uuid} in {time.monotonic() - t0:.1f}s")
    work = tempfile.mkdtemp(prefix="pxa-plan-")

    cases = []  # (label, fn)
    if args.only != "split":
        for kind in ("rand", "text"):
            for size, count in SIZES:
                d = f"outputs/{kind}-{size // KIB}k"
                cases.append((f"{d} tar", lambda d=d: curl_many([(url(host, uuid, "artifacts", d), f"{work}/t")], 1)))
                pairs = [(url(host, uuid, "artifact", rel, True), f"{work}/{i}") for i, (rel, _) in enumerate(folders[d])]
                cases.append((f"{d} per-file", lambda p=pairs: curl_many(p, args.parallel)))
    if args.only != "sizes":
        tar = lambda d: (url(host, uuid, "artifacts", d), f"{work}/{d.replace('/', '_')}.tgz")
        per_file = lambda rels: [(url(host, uuid, "artifact", r, True), f"{work}/{i}") for i, r in enumerate(rels)]
        for d in ("outputs/small300", "outputs/dataset", "outputs/mixed", "outputs/shards"):
            subs = sorted({rel.rsplit("/", 1)[0] for rel, _ in folders[d]} - {d})
            direct = [rel for rel, _ in folders[d] if rel.rsplit("/", 1)[0] == d]
            cases.append((f"{d} tar", lambda d=d: curl_many([tar(d)], 1)))
            if subs:  # the sub-folders' tarballs and the folder's own files, N at once
                pairs = [tar(x) for x in subs] + per_file(direct)
                cases.append((f"{d} split ({len(subs)} tar + {len(direct)} files)",
                              lambda p=pairs: curl_many(p, args.parallel)))
            pairs = per_file([rel for rel, _ in folders[d]])
            cases.append((f"{d} per-file", lambda p=pairs: curl_many(p, args.parallel)))

    load0 = open("/proc/loadavg").read().split()[:3]
    # Warm the server (workers import lazily) and its cache folders once, untimed.
    for label, fn in cases:
        fn()
    times: Dict[str, List[float]] = {label: [] for label, _ in cases}
    for r in range(args.rounds):
        for label, fn in cases:
            times[label].append(fn())
        log(f"round {r + 1}/{args.rounds} done (load {open('/proc/loadavg').read().split()[0]})")
    load1 = open("/proc/loadavg").read().split()[:3]

    print(f"# load before {' '.join(load0)}, after {' '.join(load1)}; {args.rounds} rounds, "
          f"per-file {args.parallel} at once; median (min-max) seconds")
    med = {k: statistics.median(v) for k, v in times.items()}
    for label, _ in cases:
        v = times[label]
        print(f"{label:40s} {med[label]:7.3f} ({min(v):.3f}-{max(v):.3f})")
    if args.only != "split":
        for kind in ("rand", "text"):
            pf, tar = [], []
            for size, count in SIZES:
                d = f"outputs/{kind}-{size // KIB}k"
                pf.append(([count, count * size / MIB], med[f"{d} per-file"]))
                tar.append(([1, count, count * size / MIB], med[f"{d} tar"]))
            r, w = fit(pf)
            t0_, tf, g = fit(tar)
            print(f"{kind}: per-file r = {r * 1000:.2f} ms, w = {w * 1000:.2f} ms/MiB; "
                  f"tar T0 = {t0_ * 1000:.0f} ms, t = {tf * 1000:.3f} ms/file, g = {g * 1000:.1f} ms/MiB")
    subprocess.run(["rm", "-rf", work], check=False)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except SeedError as e:
        print(f"[bench_plan] FAILED: {e}", file=sys.stderr)
        sys.exit(1)
