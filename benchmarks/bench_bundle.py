"""The bundle's size, and its start time to a shown window against a bare PySide6 window.

    .venv/bin/python installer/build.py          # builds dist/qpvdesk first
    .venv/bin/python benchmarks/bench_bundle.py [--bundle dist/qpvdesk] [--runs 7] [--json F]

Both programs run the same way: one-folder PyInstaller bundles (the bare window,
benchmarks/bare_window.py, is frozen here with the same Qt filters as qpvdesk), started on
the same Xvfb screen, each printing `qpvdesk-shown <epoch seconds>` once its window has
first painted (qpvdesk with QPVDESK_REPORT_SHOWN=1). qpvdesk opens an existing demonstration
database. One start of each is not counted (disk cache), then they alternate; medians.
Targets: bundle under 150 MB, start under 1.5 times the bare window's.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_startup import MARKER, start_times, xvfb

ROOT = Path(__file__).resolve().parent.parent
INSTALLER = ROOT / "installer"
sys.path.insert(0, str(INSTALLER))
from build import folder_size, run_pyinstaller  # noqa: E402 - installer/ is not a package

BARE_SCRIPT = Path(__file__).resolve().parent / "bare_window.py"
SIZE_TARGET_MB = 150
RATIO_TARGET = 1.5

BARE_SPEC = """
import sys
sys.path.insert(0, {installer!r})
from bundle_filters import prune

a = Analysis([{script!r}], excludes=["tkinter", "PySide6.QtNetwork"])
a.binaries, a.datas = prune(a.binaries, a.datas)
pyz = PYZ(a.pure)
exe = EXE(pyz, a.scripts, [], exclude_binaries=True, name="bare", console=False)
coll = COLLECT(exe, a.binaries, a.datas, strip=sys.platform != "win32", name="bare")
"""


def freeze_bare_window(work: Path) -> Path:
    spec = work / "bare.spec"
    spec.write_text(BARE_SPEC.format(installer=str(INSTALLER), script=str(BARE_SCRIPT)),
                    encoding="utf-8")
    return run_pyinstaller(work / "dist", work / "build", spec) / "bare"


def start_time(command: list[str], env: dict[str, str]) -> float:
    """Seconds from starting *command* to its marker line; the program is then stopped."""
    return start_times(command, env, [MARKER])[0][0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bundle", type=Path, default=ROOT / "dist" / "qpvdesk",
                        help="the one-folder bundle (default: dist/qpvdesk)")
    parser.add_argument("--runs", type=int, default=7, help="starts of each program")
    parser.add_argument("--json", type=Path, help="also write the results there")
    args = parser.parse_args(argv)
    program = args.bundle / ("qpvdesk.exe" if sys.platform == "win32" else "qpvdesk")
    if not program.is_file():
        raise SystemExit(f"no bundle at {args.bundle}: run installer/build.py first")
    if shutil.which("Xvfb") is None:
        raise SystemExit("Xvfb is needed (Debian: apt-get install xvfb)")

    size_mb = folder_size(args.bundle) / 1e6
    print(f"Bundle {args.bundle}: {size_mb:.1f} MB (target < {SIZE_TARGET_MB} MB)")
    with tempfile.TemporaryDirectory(prefix="bench-bundle-") as scratch:
        work = Path(scratch)
        started = time.monotonic()
        bare = freeze_bare_window(work)
        print(f"Bare window frozen in {time.monotonic() - started:.0f} s: "
              f"{folder_size(bare.parent) / 1e6:.1f} MB")
        database = work / "demo.sqlite"
        subprocess.run([str(program), "--db", str(database), "init", "--demo"], check=True,
                       stdout=subprocess.DEVNULL)
        commands = {"qpvdesk": [str(program), "--db", str(database)], "bare": [str(bare)]}
        times: dict[str, list[float]] = {name: [] for name in commands}
        with xvfb() as display:
            # The user's own settings, data and log are left alone.
            env = dict(os.environ, DISPLAY=display, QT_QPA_PLATFORM="xcb",
                       QPVDESK_REPORT_SHOWN="1", XDG_CONFIG_HOME=str(work / "config"),
                       XDG_DATA_HOME=str(work / "data"), XDG_STATE_HOME=str(work / "state"),
                       XDG_CACHE_HOME=str(work / "cache"))
            for command in commands.values():
                start_time(command, env)  # warm-up: not counted
            for _run in range(args.runs):
                for name, command in commands.items():
                    times[name].append(start_time(command, env))

    medians = {name: statistics.median(values) for name, values in times.items()}
    ratio = medians["qpvdesk"] / medians["bare"]
    for name, values in times.items():
        shown = ", ".join(f"{value:.3f}" for value in values)
        print(f"{name:8} start to shown window: median {medians[name]:.3f} s  ({shown})")
    print(f"Ratio qpvdesk / bare window: {ratio:.2f} (target < {RATIO_TARGET})")
    if args.json is not None:
        args.json.write_text(json.dumps({
            "bundle_mb": round(size_mb, 1),
            "start_s": {name: [round(v, 3) for v in values] for name, values in times.items()},
            "median_s": {name: round(value, 3) for name, value in medians.items()},
            "ratio": round(ratio, 2),
        }, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
