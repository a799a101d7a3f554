#!/usr/bin/env bash
# Desktop launch benchmark (prints, never fails on time): seeds 100k demo cases unless
# BENCH_DATA_DIR names a seeded folder, then measures the browser build (Chromium against
# `switchboard serve`) and the real Tauri window (WebDriver under Xvfb). Figures: docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
cases=${CASES:-100000}
export PATH="${SWITCHBOARD_CACHE:-$HOME/.cache/switchboard}/cargo-bin/bin:$PATH"
[ -f ui/dist/index.html ] || npm --prefix ui run build
cargo build -p switchboard-cli --locked
cargo build -p switchboard-desktop --features custom-protocol --locked
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
data=${BENCH_DATA_DIR:-$tmp/data}
[ -n "${BENCH_DATA_DIR:-}" ] || target/debug/switchboard demo --into "$data" --cases "$cases"
BENCH_DATA_DIR="$data" node ui/e2e/bench-launch.mjs "$cases" || echo "bench-desktop: the browser run failed" >&2
mkdir -p "$tmp/home" "$tmp/runtime"; chmod 700 "$tmp/runtime"
HOME="$tmp/home" XDG_RUNTIME_DIR="$tmp/runtime" BENCH_DATA_DIR="$data" \
  SWITCHBOARD_DESKTOP="$root/target/debug/switchboard-desktop" \
  timeout 300 xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- \
  node ui/e2e/bench-window.wd.mjs || echo "bench-desktop: the window run failed" >&2
