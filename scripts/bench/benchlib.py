"""Shared helpers of the benchmarks in scripts/bench/ (not part of the test suite).

Each benchmark runs cwb and a peer program in the same run on the same machine, so the ratio between
them means something even when the machine is busy; absolute numbers only mean something together with
the machine description printed first.
"""
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CWB = os.path.join(REPO, "cwb")


def machine_line():
    """nproc, kernel, CPU model and Java version: what a reader needs to compare numbers."""
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    java = "no java"
    if shutil.which("java"):
        out = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr
        java = out.splitlines()[0] if out else "java (version unknown)"
    return f"machine: nproc {os.cpu_count()}, kernel {platform.release()}, {cpu}; {java}\n" + load_line()


def load_line():
    """The load average now, to be printed before a measurement."""
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"load average before the run: {load} (a busy machine inflates every number below)"


def timed(argv, env=None, cwd=None, stdin=None):
    """Seconds from spawn to exit of argv (output discarded); raises when it fails."""
    start = time.perf_counter()
    result = subprocess.run(argv, env=env, cwd=cwd, stdin=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} exited {result.returncode}: {result.stderr.decode(errors='replace').strip()[:400]}")
    return elapsed


def median_of(samples):
    return statistics.median(samples) if samples else float("nan")


def fmt(seconds, digits=0):
    """Seconds as milliseconds (with `digits` decimals) below 10 s, else as seconds."""
    if seconds != seconds:  # NaN
        return "   n/a  "
    return f"{seconds * 1000:7.{digits}f} ms" if seconds < 10 else f"{seconds:7.2f} s "


def row(label, samples, note="", digits=0):
    """One result line: median, min, max and how many runs."""
    if not samples:
        print(f"  {label:<44} {'n/a':>10}  {note}")
        return
    print(f"  {label:<44} {fmt(median_of(samples), digits)}  (min {fmt(min(samples), digits).strip()}, "
          f"max {fmt(max(samples), digits).strip()}, n={len(samples)}) {note}")


def verdict(name, measured, goal):
    """Prints PASS/FAIL of a median against its goal and returns whether it passed."""
    ok = measured == measured and measured <= goal
    ratio = measured / goal if measured == measured else float("nan")
    print(f"{'PASS' if ok else 'FAIL'}: {name}: median {fmt(measured).strip()} vs goal ≤ {fmt(goal).strip()} "
          f"({ratio:.2f}× the goal)")
    return ok


def verdict_ratio(name, ratio, goal):
    """Prints PASS/FAIL of a ratio of medians (cwb / peer) against its goal and returns whether it passed."""
    ok = ratio == ratio and ratio <= goal
    print(f"{'PASS' if ok else 'FAIL'}: {name}: {ratio:.2f}× vs goal ≤ {goal:.2f}×")
    return ok


def prepare_cwb(env):
    """Runs ./cwb --version once so the jar and its CDS archive exist before anything is timed."""
    print("preparing: ./cwb --version (builds the jar and CDS archive when needed)", flush=True)
    result = subprocess.run([CWB, "--version"], env=env, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"bench: ./cwb --version failed:\n{result.stderr}")
    return result.stdout.strip()
