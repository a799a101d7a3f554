#!/usr/bin/env bash
# Runs every test of Switchboard. Installs what is missing first (idempotent), so it works on a
# fresh Debian 12 / Ubuntu machine as root or with sudo. CI runs exactly this (.ci/run).
#
#   bash scripts/test.sh            # everything
#   SKIP_INSTALL=1 bash scripts/test.sh   # assume the machine is already set up
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

step() { printf '\n==> %s\n' "$*"; }
elapsed() { echo "    ($(( SECONDS - $1 )) s)"; }

if [ -z "${SKIP_INSTALL:-}" ]; then
  step "Installing what is missing"
  bash scripts/install-deps.sh test
fi

export CARGO_TERM_COLOR=never
export RUST_BACKTRACE=1

t=$SECONDS; step "Formatting (cargo fmt --check)"
cargo fmt --all -- --check
elapsed $t

t=$SECONDS; step "Lints (cargo clippy, warnings are errors)"
cargo clippy --all-targets --locked -- -D warnings
elapsed $t

t=$SECONDS; step "Rust tests (core, store, channels, sync, api, cli)"
# The corpus test reads ../shared/testdata/eml when it is there (SWITCHBOARD_TESTDATA overrides).
cargo test --locked
elapsed $t

t=$SECONDS; step "Mail test servers (Dovecot IMAP/LMTP/submission + SMTP sink on loopback)"
[ -n "${SKIP_INSTALL:-}" ] || bash tests/servers/mail.sh install
# Stop them on exit only if this run started them (someone else's servers keep running).
if ! bash tests/servers/mail.sh status >/dev/null 2>&1; then
  trap 'bash tests/servers/mail.sh down || true' EXIT
fi
eval "$(bash tests/servers/mail.sh up)"
elapsed $t

# --- social: mastodon (helper B) ---
t=$SECONDS; step "Mastodon test server (mastodon_mock 0.6.1 on 127.0.0.1:14300)"
# Stopped on exit only if this run started it; keeps whatever EXIT trap is already set.
if ! bash tests/servers/mastodon.sh status >/dev/null 2>&1; then
  prev_exit_trap=$(trap -p EXIT | sed -E "s/^trap -- '(.*)' EXIT$/\1/")
  trap "bash tests/servers/mastodon.sh down || true; ${prev_exit_trap:-:}" EXIT
fi
eval "$(bash tests/servers/mastodon.sh up)"
elapsed $t
# --- end social: mastodon ---

# --- social: bluesky (helper A) ---
t=$SECONDS; step "AT Protocol test network (@atproto/dev-env: PLC 2582, PDS 2583, AppView 2584)"
# Stopped on exit only if this run started it; keeps whatever EXIT trap is already set.
if ! bash tests/servers/atproto.sh status >/dev/null 2>&1; then
  prev_exit_trap=$(trap -p EXIT | sed -E "s/^trap -- '(.*)' EXIT$/\1/")
  trap "bash tests/servers/atproto.sh down || true; ${prev_exit_trap:-:}" EXIT
fi
eval "$(bash tests/servers/atproto.sh up)"
elapsed $t
# --- end social: bluesky ---

t=$SECONDS; step "Tests that need real services (OS keychain, mail servers; run with --ignored)"
# Every #[ignore]d test in this workspace needs a service this script provides; none is skipped.
bash scripts/with-keyring.sh cargo test --locked -- --ignored
elapsed $t

t=$SECONDS; step "Desktop: web UI checks and tests (svelte-check, vitest), build"
npm --prefix ui run check
npm --prefix ui test
npm --prefix ui run build
elapsed $t

t=$SECONDS; step "Desktop: Tauri shell (clippy, tests, build with the UI embedded)"
cargo fmt -p switchboard-desktop -- --check
cargo clippy -p switchboard-desktop --all-targets --locked -- -D warnings
cargo test -p switchboard-desktop --locked
cargo build -p switchboard-desktop --features custom-protocol --locked
elapsed $t

# --- desktop e2e (helper E) ---
t=$SECONDS; step "Desktop: browser end-to-end (playwright-core + Debian Chromium against switchboard serve)"
cargo build -p switchboard-cli --locked
# (helper G) ui/e2e/case-workflow.test.mjs needs mastodon_mock, started above and still up here
# (it fails, not skips, without it); it starts its own private keyring (ui/e2e/arrival.mjs).
bash tests/servers/mastodon.sh status >/dev/null || { echo "mastodon_mock must be up for the e2e scenario" >&2; exit 1; }
PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm --prefix ui run e2e
elapsed $t
t=$SECONDS; step "Desktop: WebDriver test of the real window (tauri-driver, WebKitWebDriver, Xvfb)"
bash scripts/desktop-e2e.sh
elapsed $t
# --- end desktop e2e ---

t=$SECONDS; step "Benchmarks, small sizes (they print figures; they never fail on time)"
cargo run --release --locked -p switchboard-bench -- all --small
elapsed $t

echo
echo "All tests passed."
