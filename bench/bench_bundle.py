"""Start-up of the built bundle against the same version run from source.

    installer/build.sh                      # once: builds dist/hom-desktop-<version>-...tar.gz
    python bench/bench_bundle.py [--runs 5] [--archive dist/hom-desktop-...tar.gz]

The archive is unpacked under bench/results/ (git-ignored). One store with the demo data is made
first; then each run starts a fresh process, ``hom-desktop --smoke --data-dir STORE``, offscreen,
and times (from the moment the process is spawned) the line ``smoke: window:`` (Qt up, fonts
registered, store opened, sign-in window shown: what a clerk waits for) and the whole run (which
also signs in, opens every view and verifies). ``--version`` (no Qt) is timed too. Bundle and
source runs alternate so machine noise hits both alike; medians and the ratio are printed.
Figures only, no pass/fail.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "bundle"

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def unpack(archive: Path) -> Path:
    target = RESULTS / "bundle"
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    with tarfile.open(archive) as tar:
        tar.extractall(target, filter="data")
    (folder,) = target.iterdir()
    return folder / "hom-desktop"


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process ``pid`` has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed_run(command: list[str], marker: str | None) -> dict[str, float]:
    """Wall and CPU seconds from spawn to the first stdout line holding ``marker``, and to exit.
    CPU time is reported beside wall time: on a shared machine it is the steadier figure."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    start = time.perf_counter()
    proc = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env
    )
    seen: dict[str, float] = {}
    assert proc.stdout is not None
    for line in proc.stdout:
        if marker and not seen and marker in line:
            seen = {"wall": time.perf_counter() - start, "cpu": cpu_seconds(proc.pid)}
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    total = {"wall": time.perf_counter() - start, "cpu": usage.ru_utime + usage.ru_stime}
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed with exit code {proc.returncode}")
    return {"marker_" + k: v for k, v in seen.items()} | total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--archive", help="the built archive (default: the newest in dist/)")
    args = parser.parse_args()
    from hom import __version__

    archive = Path(args.archive) if args.archive else None
    if archive is None:
        built = sorted((ROOT / "dist").glob(f"hom-desktop-{__version__}-linux-*.tar.gz"))
        if not built:
            raise SystemExit("no archive in dist/: run installer/build.sh first")
        archive = built[-1]
    bundle = unpack(archive)
    source = [sys.executable, "-m", "hom_desktop"]
    store = RESULTS / "store"
    shutil.rmtree(store, ignore_errors=True)
    files = [p for p in bundle.parent.rglob("*") if p.is_file() and not p.is_symlink()]
    unpacked = sum(p.stat().st_size for p in files) / 2**20
    print(
        f"bundle {archive.name} ({archive.stat().st_size / 2**20:.0f} MB archive, "
        f"{unpacked:.0f} MB unpacked)"
    )
    print("preparing the demo store (2 days of history) ...", flush=True)
    timed_run([str(bundle), "--smoke", "--smoke-days", "2", "--data-dir", str(store)], None)

    figures = ("version", "window", "smoke")
    results: dict[str, dict[str, list[dict[str, float]]]] = {
        kind: {what: [] for what in figures} for kind in ("bundle", "source")
    }
    for run in range(args.runs + 1):  # the first round warms the file cache and is dropped
        for kind, command in (("bundle", [str(bundle)]), ("source", source)):
            version = timed_run([*command, "--version", "--data-dir", str(store)], None)
            smoke = timed_run([*command, "--smoke", "--data-dir", str(store)], "smoke: window:")
            if run:
                results[kind]["version"].append(version)
                results[kind]["window"].append(
                    {"wall": smoke["marker_wall"], "cpu": smoke["marker_cpu"]}
                )
                results[kind]["smoke"].append(smoke)

    print(
        f"\nmedian of {args.runs} runs, seconds     wall: bundle source ratio"
        "    cpu: bundle source ratio"
    )
    labels = {
        "version": "--version (no Qt)",
        "window": "spawn to sign-in window",
        "smoke": "whole --smoke run",
    }
    for what in figures:
        row = f"{labels[what]:<28}"
        for clock in ("wall", "cpu"):
            b = statistics.median(r[clock] for r in results["bundle"][what])
            s = statistics.median(r[clock] for r in results["source"][what])
            row += f"      {b:>6.2f} {s:>6.2f} {b / s:>5.2f}"
        print(row)
    load = os.getloadavg()[0]
    print(f"(load average {load:.1f} on {os.cpu_count()} cores while measuring)")


if __name__ == "__main__":
    main()
