# Shared settings for Tidal's scripts. Source it; do not run it.
# Slow builds (Rust targets, Kubernetes binaries, server downloads) are cached outside the clone,
# keyed by version, so a fresh clone on the same machine starts warm.
TIDAL_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export TIDAL_ROOT
export TIDAL_CACHE="${TIDAL_CACHE:-$HOME/.cache/tidal}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$TIDAL_CACHE/target}"
mkdir -p "$TIDAL_CACHE"

log() { printf '\033[1m[tidal]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[tidal] error:\033[0m %s\n' "$*" >&2; exit 1; }
