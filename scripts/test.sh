#!/usr/bin/env bash
# Runs every test of Switchboard. Installs what is missing first (idempotent), so it works on a
# fresh Debian 12 / Ubuntu machine as root or with sudo. CI runs exactly this (.ci/run).
#
#   bash scripts/test.sh                       # every stage
#   bash scripts/test.sh --only rust           # one stage; several: --only rust,ui
#   SKIP_INSTALL=1 bash scripts/test.sh        # assume the machine is already set up
#
# Stages, in order:
#   rust      cargo fmt --check, clippy (warnings are errors), every Rust test that needs no service
#   services  the loopback test servers (Dovecot + SMTP sink, mastodon_mock, AT Protocol network)
#             and the tests that need them or a real OS keychain (`cargo test -- --ignored`)
#   ui        the web UI (svelte-check, Vitest, build) and the Tauri shell (clippy, tests, build)
#   e2e       browser end-to-end (playwright-core + Debian Chromium against `switchboard serve`)
#             and the WebDriver test of the real window (tauri-driver, WebKitWebDriver, Xvfb)
#   bench     the benchmarks at small sizes: they print figures and never fail on time
# Each stage prints its time; a summary of all of them closes the run.
set -euo pipefail
cd "$(dirname "$0")/.."

all_stages=(rust services ui e2e bench)
only=""
while [ $# -gt 0 ]; do
  case "$1" in
    --only) only=${2:?"--only needs a stage: ${all_stages[*]}"}; shift 2 ;;
    --only=*) only=${1#--only=}; shift ;;
    -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "test.sh: unknown argument '$1' (stages: ${all_stages[*]}; use --only STAGE)" >&2; exit 2 ;;
  esac
done
stages=("${all_stages[@]}")
if [ -n "$only" ]; then
  IFS=, read -r -a stages <<<"$only"
  for s in "${stages[@]}"; do
    case " ${all_stages[*]} " in *" $s "*) ;; *)
      echo "test.sh: unknown stage '$s' (stages: ${all_stages[*]})" >&2; exit 2 ;;
    esac
  done
fi
wants() { case " ${stages[*]} " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }

# One cleanup list, run once on exit in reverse order: each entry stops what this run started.
cleanup=()
on_exit() {
  local i
  for (( i=${#cleanup[@]}-1; i>=0; i-- )); do eval "${cleanup[$i]}" || true; done
}
trap on_exit EXIT

timings=()
stage_start=0
step() { printf '\n==> %s\n' "$*"; }
begin() { stage_start=$SECONDS; printf '\n======== stage %s ========\n' "$1"; }
finish() {
  local took=$(( SECONDS - stage_start ))
  timings+=("$(printf '%-9s %5d s' "$1" "$took")")
  printf '======== stage %s done in %d s ========\n' "$1" "$took"
}

# Starts a loopback test server unless it is already up (someone else's servers keep running).
server_up() {
  local name=$1
  if ! bash "tests/servers/$name.sh" status >/dev/null 2>&1; then
    cleanup+=("bash tests/servers/$name.sh down")
  fi
  eval "$(bash "tests/servers/$name.sh" up)"
}

export CARGO_TERM_COLOR=never
export RUST_BACKTRACE=1

if [ -z "${SKIP_INSTALL:-}" ]; then
  begin install
  step "Installing what is missing"
  bash scripts/install-deps.sh test
  finish install
fi

if wants rust; then
  begin rust
  step "Formatting (cargo fmt --check)"
  cargo fmt --all -- --check
  step "Lints (cargo clippy, warnings are errors)"
  cargo clippy --all-targets --locked -- -D warnings
  step "Rust tests (core, store, channels, sync, api, cli, http, bench)"
  # The corpus tests read ../shared/testdata when it is there (SWITCHBOARD_TESTDATA overrides).
  cargo test --locked
  finish rust
fi

if wants services || wants e2e; then
  begin servers
  step "Mail test servers (Dovecot IMAP/LMTP/submission + SMTP sink on loopback)"
  [ -n "${SKIP_INSTALL:-}" ] || bash tests/servers/mail.sh install
  server_up mail
  step "Mastodon test server (mastodon_mock on 127.0.0.1:14300)"
  server_up mastodon
  if wants services; then
    step "AT Protocol test network (@atproto/dev-env: PLC 2582, PDS 2583, AppView 2584)"
    server_up atproto
  fi
  finish servers
fi

if wants services; then
  begin services
  step "Tests that need real services (OS keychain, mail and social servers; --ignored)"
  # Every #[ignore]d test in this workspace needs a service this script provides; none is skipped.
  bash scripts/with-keyring.sh cargo test --locked -- --ignored
  finish services
fi

if wants ui; then
  begin ui
  step "Web UI: svelte-check, Vitest, build"
  npm --prefix ui run check
  npm --prefix ui test
  npm --prefix ui run build
  step "Tauri shell: clippy, tests, build with the UI embedded"
  cargo fmt -p switchboard-desktop -- --check
  cargo clippy -p switchboard-desktop --all-targets --locked -- -D warnings
  cargo test -p switchboard-desktop --locked
  cargo build -p switchboard-desktop --features custom-protocol --locked
  finish ui
fi

if wants e2e; then
  begin e2e
  step "Browser end-to-end (playwright-core + Debian Chromium against switchboard serve)"
  cargo build -p switchboard-cli --locked
  [ -f ui/dist/index.html ] || npm --prefix ui run build
  # ui/e2e/case-workflow.test.mjs needs mastodon_mock (started above); it fails, not skips,
  # without it, and starts its own private keyring (ui/e2e/arrival.mjs).
  bash tests/servers/mastodon.sh status >/dev/null || { echo "mastodon_mock must be up for the e2e scenario" >&2; exit 1; }
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm --prefix ui run e2e
  step "WebDriver test of the real window (tauri-driver, WebKitWebDriver, Xvfb)"
  bash scripts/desktop-e2e.sh
  finish e2e
fi

if wants bench; then
  begin bench
  step "Benchmarks, small sizes (they print figures; they never fail on time)"
  cargo run --release --locked -p switchboard-bench -- all --small
  finish bench
fi

echo
echo "Stage times:"
printf '  %s\n' "${timings[@]}"
echo "All tests passed (stages: ${stages[*]})."
