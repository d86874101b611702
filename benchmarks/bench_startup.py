"""Cold start from source: `python -m qpvdesk --db FILE` against a bare PySide6 window.

Each program is started N times, alternating, with the same interpreter and the same display;
the time measured runs from just before the process is created to the line `qpvdesk-shown
<epoch seconds>` it prints on the first turn of the event loop after its window first paints
(qpvdesk with QPVDESK_REPORT_SHOWN=1, benchmarks/bare_window.py always). qpvdesk shows its
window's frame first, then opens the file: it also prints `qpvdesk-ready <epoch seconds>`
once the file is attached and the first page has painted, timed the same way and compared to
the same bare window. qpvdesk opens a demonstration database created beforehand, with its
settings, data and log in a scratch folder (the user's own are left alone). On a private
Xvfb screen (`xvfb`) or with Qt's offscreen platform.

`xvfb` and `start_times` serve `run.py` and `bench_bundle.py` too.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import selectors
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MARKER = "qpvdesk-shown"
READY_MARKER = "qpvdesk-ready"
START_TIMEOUT_S = 120
#: Closing writes the journal des décisions: about 30 s on 50 000 dossiers, more under load.
#: Stopped earlier, the next start would write it again.
STOP_TIMEOUT_S = 600
#: The project's target: start to a shown window at most this many times the bare window.
RATIO_TARGET = 1.3


@contextlib.contextmanager
def xvfb() -> Iterator[str]:
    """A private X server (1600×1000) for the windows; its display name."""
    read_end, write_end = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_end), "-screen", "0", "1600x1000x24", "-nolisten", "tcp"],
        pass_fds=(write_end,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        display = f":{pipe.readline().strip()}"
    try:
        yield display
    finally:
        server.terminate()
        server.wait()


def start_times(command: list[str], env: dict[str, str],
                markers: list[str]) -> tuple[list[float], float]:
    """Seconds from creating the process to each of its *markers* lines (in that order), and
    its peak resident memory in MB; the process is then stopped."""
    started = time.time()
    process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True)
    assert process.stdout is not None
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    found: dict[str, float] = {}
    try:
        deadline = started + START_TIMEOUT_S
        while time.time() < deadline and len(found) < len(markers):
            if not selector.select(timeout=deadline - time.time()):
                break
            line = process.stdout.readline()
            if not line:
                raise SystemExit(f"{command} stopped before printing {markers}")
            words = line.split()
            if words and words[0] in markers:
                found[words[0]] = float(words[1]) - started
    finally:
        selector.close()
        peak_mb = _stop(process)
    if len(found) < len(markers):
        raise SystemExit(f"{command} printed {sorted(found)} of {markers} within "
                         f"{START_TIMEOUT_S} s")
    return [found[marker] for marker in markers], peak_mb


def _stop(process: subprocess.Popen[str]) -> float:
    """SIGTERM (qpvdesk closes its database), SIGKILL if it has not ended after
    `STOP_TIMEOUT_S`; the peak RSS in MB."""
    process.terminate()
    deadline = time.monotonic() + STOP_TIMEOUT_S
    while True:
        pid, _status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() > deadline:
            process.kill()
            _pid, _status, usage = os.wait4(process.pid, 0)
            break
        time.sleep(0.01)
    process.returncode = 0  # reaped here: Popen must not wait for it again
    return usage.ru_maxrss / 1024


def load_average() -> str:
    try:
        return " ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "?"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=7, help="starts of each program")
    parser.add_argument("--platform", choices=["xcb", "offscreen"],
                        default="xcb" if shutil.which("Xvfb") else "offscreen",
                        help="Qt platform (xcb: on a private Xvfb; the default when Xvfb "
                        "exists)")
    parser.add_argument("--db", type=Path,
                        help="database to open (default: a new demonstration database)")
    parser.add_argument("--json", type=Path, help="also write the results there")
    args = parser.parse_args(argv)
    with contextlib.ExitStack() as stack:
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-startup-")))
        display = stack.enter_context(xvfb()) if args.platform == "xcb" else ""
        env = dict(os.environ, DISPLAY=display, QT_QPA_PLATFORM=args.platform,
                   QPVDESK_REPORT_SHOWN="1",
                   XDG_CONFIG_HOME=str(work / "config"), XDG_DATA_HOME=str(work / "data"),
                   XDG_STATE_HOME=str(work / "state"), XDG_CACHE_HOME=str(work / "cache"))
        # As an installed copy starts: from compiled bytecode (written by the warm-up run),
        # not recompiling every module of qpvdesk at each start.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        database = args.db
        if database is None:
            database = work / "demo.sqlite"
            subprocess.run([sys.executable, "-m", "qpvdesk", "--db", str(database), "init",
                            "--demo"], env=env, cwd=ROOT, check=True,
                           stdout=subprocess.DEVNULL)
        commands = {
            "qpvdesk": [sys.executable, "-m", "qpvdesk", "--db", str(database)],
            "bare": [sys.executable, str(ROOT / "benchmarks" / "bare_window.py")],
        }
        markers = {"qpvdesk": [MARKER, READY_MARKER], "bare": [MARKER]}
        print(f"Platform {args.platform}, {args.runs} runs each, load average before: "
              f"{load_average()}")
        times: dict[str, list[float]] = {"shown": [], "ready": [], "bare": []}
        for name, command in commands.items():
            start_times(command, env, markers[name])  # warm-up (file cache, first backup)
        for _run in range(args.runs):
            (shown, ready), _peak = start_times(commands["qpvdesk"], env, markers["qpvdesk"])
            times["shown"].append(shown)
            times["ready"].append(ready)
            times["bare"].append(start_times(commands["bare"], env, markers["bare"])[0][0])

    medians = {name: statistics.median(values) for name, values in times.items()}
    ratios = {name: medians[name] / medians["bare"] for name in ("shown", "ready")}
    labels = {"shown": "qpvdesk start to shown window (frame)",
              "ready": "qpvdesk start to ready (file open, first page painted)",
              "bare": "bare window start to shown window"}
    for name, values in times.items():
        listed = ", ".join(f"{value:.2f}" for value in values)
        print(f"{labels[name]:55} median {medians[name]:.2f} s  ({listed})")
    print(f"Ratio qpvdesk shown / bare window: {ratios['shown']:.2f} (target <= {RATIO_TARGET})")
    print(f"Ratio qpvdesk ready / bare window: {ratios['ready']:.2f}")
    print(f"Load average after: {load_average()}")
    if args.json is not None:
        args.json.write_text(json.dumps({
            "platform": args.platform,
            "start_s": {name: [round(v, 3) for v in values] for name, values in times.items()},
            "median_s": {name: round(value, 3) for name, value in medians.items()},
            "ratio": {name: round(value, 2) for name, value in ratios.items()},
        }, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
