#!/usr/bin/env python3
"""scripts/bench_seed.py — seed a fresh Polyaxon CE sandbox with the benchmark profile used
by scripts/bench, and write a shell-sourceable file describing it.

    .venv/bin/python scripts/bench_seed.py --host H --data DIR --out FILE \\
        [--big-mib 256] [--huge-mib 1024] [--files 2000] [--quad-mib 64] [--shard-mib 64]
        [--small-files 300] [--versions 120] [--upload-dir DIR]

Projects (owner `default`):

* `pxa-bench`: one run `bench` whose files are written straight into the artifact store,
  with lineage entries
    - `big`     (file) outputs/big.bin, --big-mib MiB of random bytes
    - `huge`    (file) outputs/huge.bin, --huge-mib MiB (peak-RSS check at a second size)
    - `dataset` (dir)  outputs/dataset/, --files small files of 1-64 KiB, nested 0-3 deep
    - `q1`..`q4` (file) outputs/quad/part-N.bin, --quad-mib MiB each
    - `shards`  (model) outputs/shards/shard-N.bin, N = 1..4, --shard-mib MiB of random bytes
                each: a model folder of 4 shards (issue 12)
    - `small300` (dir) outputs/small300/part-K/fNNNN.csv, --small-files CSV files of 8-56 KiB
                in 6 sub-folders (~10 MB at 300), numbers as text: gzip -9 is slowest on them
  and the versions `big`, `huge`, `dataset`, `shards`, `small300` (one entry each), `quad`
  (the four `q*` entries) and `q1`..`q4` (one entry each, for the "slowest single entry"
  comparison).
* `pxa-bench-ls`: --versions artifact versions `v000`... with descriptions, tags and
  content (no run), so that listing them all takes two pages of the server's 100 cap.
* `pxa-bench-write`: empty; scripts/bench creates and deletes versions there.
* `pxa-bench-upload` (with --upload-dir): one empty run `target` that every upload benchmark
  sends into (pxa with --run-uid, curl -F and `polyaxon ops upload` alike), and the local
  files they send, written into --upload-dir: `big.bin` (--big-mib), `huge.bin` (--huge-mib,
  peak RSS only), `quad/part-N.bin` (4 × --quad-mib) and `small/` (--files files of 1-8 KiB,
  nested 0-3 deep like the dataset).

The output file (KEY='value' lines) gives the host, projects, run uuid, the streams URLs
of every entry (exactly as the official client requests them: URL_<ENTRY>), the shards one
by one as a per-file pull asks for them (URL_SHARD1..4, with force=true), the tree URL of
the shards folder (TREE_SHARDS) and the sizes.

The HTTP helper, the run-file writer and the retry rules come from scripts/seed.py.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import random
import shlex
import sys
import time
import urllib.parse
from typing import Dict, List

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from seed import Api, RunFiles, SeedError, log  # noqa: E402  (scripts/seed.py)

OWNER = "default"
PROJECT = "pxa-bench"
LS_PROJECT = "pxa-bench-ls"
WRITE_PROJECT = "pxa-bench-write"
UPLOAD_PROJECT = "pxa-bench-upload"
MIB = 1024 * 1024
QUAD = ["q1", "q2", "q3", "q4"]
SHARDS = 4
SMALL_PARTS = 6
KIB = 1024


def versions_path(project: str, name: str = "") -> str:
    p = f"/api/v1/{OWNER}/{project}/versions/artifact"
    return f"{p}/{name}" if name else p


def create_project(api: Api, name: str) -> None:
    try:
        api.post(f"/api/v1/{OWNER}/projects/create", {"name": name}, exists_ok=True)
    except SeedError as e:
        hint = " (the sandbox is not fresh: restart it)" if "already exists" in str(e) else ""
        raise SeedError(f"creating project {name} failed{hint}: {e}") from e


def random_chunks(total: int):
    def gen():
        remaining = total
        while remaining > 0:
            n = min(remaining, MIB)
            remaining -= n
            yield os.urandom(n)

    return gen


def csv_bytes(rng: random.Random, size: int) -> bytes:
    """CSV of numbers (metrics, tabular data): about 2.9:1 under gzip -9, which spends
    ~150 ms/MiB on it here, 7x what it spends on random bytes (docs/pull.md)."""
    out = bytearray(b"step,loss,accuracy,lr,label\n")
    while len(out) < size:
        out += (f"{rng.randint(0, 10**6)},{rng.random():.6f},{rng.random():.4f},"
                f"{rng.choice(['1e-3', '5e-4', '1e-4'])},{rng.choice(['cat', 'dog', 'bird'])}\n"
                ).encode()
    return bytes(out[:size])


def write_files(files: RunFiles, args: argparse.Namespace) -> Dict[str, Dict]:
    """Writes the run's files; returns the lineage entries by name."""
    files.write_chunks("outputs/big.bin", random_chunks(args.big_mib * MIB))
    files.write_chunks("outputs/huge.bin", random_chunks(args.huge_mib * MIB))
    rng = random.Random(20261127)
    for i in range(args.files):
        parts = [f"a{i % 4}", f"b{(i // 4) % 5}", f"c{(i // 20) % 5}"][: i % 4]
        rel = "/".join(["outputs/dataset", *parts, f"f{i:05d}.bin"])
        files.write(rel, rng.randbytes(rng.randint(1024, 64 * 1024)))
    for n, name in enumerate(QUAD, start=1):
        files.write_chunks(f"outputs/quad/part-{n}.bin", random_chunks(args.quad_mib * MIB))
    for n in range(1, SHARDS + 1):
        files.write_chunks(f"outputs/shards/shard-{n}.bin", random_chunks(args.shard_mib * MIB))
    for i in range(args.small_files):
        files.write(f"outputs/small300/part-{i % SMALL_PARTS}/f{i:04d}.csv",
                    csv_bytes(rng, rng.randint(8 * KIB, 56 * KIB)))

    entries = {
        "big": {"kind": "file", "rel": "outputs/big.bin"},
        "huge": {"kind": "file", "rel": "outputs/huge.bin"},
        "dataset": {"kind": "dir", "rel": "outputs/dataset"},
        "shards": {"kind": "model", "rel": "outputs/shards"},
        "small300": {"kind": "dir", "rel": "outputs/small300"},
    }
    for n, name in enumerate(QUAD, start=1):
        entries[name] = {"kind": "file", "rel": f"outputs/quad/part-{n}.bin"}
    return entries


def write_upload_inputs(root: str, args: argparse.Namespace) -> Dict[str, int]:
    """The local files the upload benchmarks send; returns their sizes by key."""
    def chunks_to(path: str, total: int) -> None:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            for chunk in random_chunks(total)():
                f.write(chunk)
    chunks_to(os.path.join(root, "big.bin"), args.big_mib * MIB)
    chunks_to(os.path.join(root, "huge.bin"), args.huge_mib * MIB)
    for n in range(1, len(QUAD) + 1):
        chunks_to(os.path.join(root, f"quad/part-{n}.bin"), args.quad_mib * MIB)
    rng = random.Random(20261130)
    small = 0
    for i in range(args.files):
        parts = [f"a{i % 4}", f"b{(i // 4) % 5}", f"c{(i // 20) % 5}"][: i % 4]
        path = os.path.join(root, "small", *parts, f"f{i:05d}.txt")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        data = rng.randbytes(rng.randint(1024, 8 * 1024))
        small += len(data)
        with open(path, "wb") as f:
            f.write(data)
    return {"BENCH_UPLOAD_BIG_BYTES": args.big_mib * MIB,
            "BENCH_UPLOAD_HUGE_BYTES": args.huge_mib * MIB,
            "BENCH_UPLOAD_QUAD_FILES": len(QUAD),
            "BENCH_UPLOAD_QUAD_BYTES": len(QUAD) * args.quad_mib * MIB,
            "BENCH_UPLOAD_SMALL_FILES": args.files,
            "BENCH_UPLOAD_SMALL_BYTES": small}


def seed_upload(api: Api, host: str, args: argparse.Namespace) -> Dict[str, object]:
    """The upload benchmarks' project, empty run and local files."""
    create_project(api, UPLOAD_PROJECT)
    run = api.post(f"/api/v1/{OWNER}/{UPLOAD_PROJECT}/runs",
                   {"name": "target", "is_managed": False}).json()
    values: Dict[str, object] = dict(write_upload_inputs(args.upload_dir, args))
    values.update({
        "BENCH_UPLOAD_PROJECT": UPLOAD_PROJECT,
        "BENCH_UPLOAD_RUN": run["uuid"],
        "BENCH_UPLOAD_DIR": os.path.abspath(args.upload_dir),
        "BENCH_UPLOAD_STREAMS": f"{host}/streams/v1/polyaxon/{OWNER}/{UPLOAD_PROJECT}/runs/{run['uuid']}",
    })
    log(f"upload inputs written into {args.upload_dir}; target run {run['uuid']}")
    return values


def streams(host: str, uuid: str, endpoint: str, params: Dict[str, str]) -> str:
    query = urllib.parse.urlencode(params, quote_via=urllib.parse.quote)
    return f"{host}/streams/v1/polyaxon/{OWNER}/{PROJECT}/runs/{uuid}/{endpoint}?{query}"


def stream_url(host: str, uuid: str, entry: Dict) -> str:
    """The URL the official client requests for an entry (contract §5.2): a `model` entry
    with check_path (a folder answers as its tarball), a `dir` entry as a tarball."""
    if entry["kind"] == "model":
        return streams(host, uuid, "artifacts", {"check_path": "True", "path": entry["rel"]})
    endpoint = "artifacts" if entry["kind"] == "dir" else "artifact"
    return streams(host, uuid, endpoint, {"path": entry["rel"]})


def seed_ls_versions(api: Api, count: int) -> None:
    def one(i: int) -> None:
        body = {
            "name": f"v{i:03d}",
            "kind": "artifact",
            "description": f"Benchmark listing version {i}",
            "tags": ["bench", "even" if i % 2 == 0 else "odd", f"group-{i % 5}"],
            "content": json.dumps({"index": i, "lr": round(0.001 * (i + 1), 6)}),
        }
        api.post(versions_path(LS_PROJECT), body, exists_ok=True)

    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        for fut in [pool.submit(one, i) for i in range(count)]:
            fut.result()


def verify(api: Api, args: argparse.Namespace, links: Dict[str, List[str]]) -> None:
    page = api.get_json(versions_path(LS_PROJECT) + "/names", params={"limit": 1000})
    if page.get("count") != args.versions:
        raise SeedError(f"{LS_PROJECT} holds {page.get('count')} versions, expected {args.versions}")
    for name, artifacts in links.items():
        v = api.get_json(versions_path(PROJECT, name))
        got = sorted(e["name"] for e in v.get("meta_info", {}).get("lineage", []))
        if got != sorted(artifacts):
            raise SeedError(f"version {name} is linked to {got}, expected {sorted(artifacts)}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--host", default=os.environ.get("PXA_E2E_HOST"))
    ap.add_argument("--data", default=os.environ.get("PXA_E2E_DATA"))
    ap.add_argument("--out", required=True, help="KEY='value' file to write")
    ap.add_argument("--big-mib", type=int, default=256)
    ap.add_argument("--huge-mib", type=int, default=1024)
    ap.add_argument("--files", type=int, default=2000)
    ap.add_argument("--quad-mib", type=int, default=64)
    ap.add_argument("--shard-mib", type=int, default=64)
    ap.add_argument("--small-files", type=int, default=300)
    ap.add_argument("--versions", type=int, default=120)
    ap.add_argument("--upload-dir", help="write the upload benchmarks' local files here")
    args = ap.parse_args()
    if not args.host or not args.data:
        ap.error("--host and --data are required (or source the sandbox env file)")
    if min(args.big_mib, args.huge_mib, args.files, args.quad_mib, args.shard_mib,
           args.small_files, args.versions) < 1:
        ap.error("sizes and counts must be >= 1")

    t0 = time.monotonic()
    host = args.host.rstrip("/")
    api = Api(host)
    for name in (PROJECT, LS_PROJECT, WRITE_PROJECT):
        create_project(api, name)
    run = api.post(f"/api/v1/{OWNER}/{PROJECT}/runs",
                   {"name": "bench", "is_managed": False}).json()
    uuid = run["uuid"]

    files = RunFiles(args.data, uuid)
    entries = write_files(files, args)
    total = sum(f["size"] for f in files.files.values())
    log(f"wrote {len(files.files)} files ({total / MIB:.0f} MiB) into {files.root}")

    lineage = [
        {"name": name, "kind": e["kind"], "path": f"{uuid}/{e['rel']}", "summary": {},
         "is_input": False}
        for name, e in entries.items()
    ]
    api.post(f"/api/v1/{OWNER}/{PROJECT}/runs/{uuid}/lineage/artifacts", lineage)

    links = {"big": ["big"], "huge": ["huge"], "dataset": ["dataset"], "quad": QUAD,
             "shards": ["shards"], "small300": ["small300"]}
    links.update({name: [name] for name in QUAD})
    for name, artifacts in links.items():
        api.post(versions_path(PROJECT),
                 {"name": name, "kind": "artifact", "description": f"bench {name}",
                  "run": uuid, "artifacts": artifacts}, exists_ok=True)
    seed_ls_versions(api, args.versions)
    verify(api, args, links)

    def under(prefix: str) -> List[int]:
        return [f["size"] for rel, f in files.files.items() if rel.startswith(prefix + "/")]
    values = {
        "BENCH_HOST": host,
        "BENCH_OWNER": OWNER,
        "BENCH_PROJECT": PROJECT,
        "BENCH_LS_PROJECT": LS_PROJECT,
        "BENCH_WRITE_PROJECT": WRITE_PROJECT,
        "BENCH_RUN": uuid,
        "BENCH_LS_VERSIONS": args.versions,
        "BENCH_BIG_BYTES": args.big_mib * MIB,
        "BENCH_HUGE_BYTES": args.huge_mib * MIB,
        "BENCH_QUAD_BYTES": args.quad_mib * MIB,
        "BENCH_DATASET_FILES": args.files,
        "BENCH_DATASET_BYTES": sum(under("outputs/dataset")),
        "BENCH_SHARD_BYTES": args.shard_mib * MIB,
        "BENCH_SHARDS_FILES": SHARDS,
        "BENCH_SHARDS_BYTES": sum(under("outputs/shards")),
        "BENCH_SMALL300_FILES": len(under("outputs/small300")),
        "BENCH_SMALL300_BYTES": sum(under("outputs/small300")),
    }
    for name, e in entries.items():
        values[f"URL_{name.upper()}"] = stream_url(host, uuid, e)
    for n in range(1, SHARDS + 1):
        values[f"URL_SHARD{n}"] = streams(host, uuid, "artifact",
                                          {"path": f"outputs/shards/shard-{n}.bin", "force": "true"})
    values["TREE_SHARDS"] = streams(host, uuid, "artifacts/tree", {"path": "outputs/shards"})
    if args.upload_dir:
        values.update(seed_upload(api, host, args))
    tmp = args.out + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write("# Written by scripts/bench_seed.py\n")
        for key, value in values.items():
            f.write(f"{key}={shlex.quote(str(value))}\n")
    os.replace(tmp, args.out)
    log(f"bench profile seeded in {time.monotonic() - t0:.1f}s; wrote {args.out}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except SeedError as e:
        print(f"[bench_seed] FAILED: {e}", file=sys.stderr)
        sys.exit(1)
