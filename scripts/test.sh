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

t=$SECONDS; step "Benchmarks, small sizes (they print figures; they never fail on time)"
cargo run --release --locked -p switchboard-bench -- all --small
elapsed $t

echo
echo "All tests passed."
