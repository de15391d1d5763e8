#!/usr/bin/env bash
# The Action's slretire binary, built from the action's own checkout
# ($GITHUB_ACTION_PATH) with `cargo install --locked`, into a directory that
# actions/cache keeps between runs (action.yml wires the steps):
#
#   install.sh key     writes root, bin and key to $GITHUB_OUTPUT
#   install.sh build   cargo install --locked into $SLRETIRE_ROOT
set -euo pipefail

src=${GITHUB_ACTION_PATH:?install.sh runs inside the Action (GITHUB_ACTION_PATH)}

# sha256sum on Linux and Windows runners, shasum on macOS.
if command -v sha256sum >/dev/null; then hasher=(sha256sum); else hasher=(shasum -a 256); fi

case "${1:-}" in
key)
    # The binary depends on the sources, the lock file and the platform:
    # the key hashes every file that goes into the build, with its name.
    hash=$(cd "$src" && find Cargo.toml Cargo.lock src crates -type f -print0 |
        LC_ALL=C sort -z | xargs -0 "${hasher[@]}" | "${hasher[@]}" | cut -c1-16)
    root="${RUNNER_TOOL_CACHE:-$HOME/.cache}/slretire-action/$hash"
    {
        echo "root=$root"
        echo "bin=$root/bin/slretire"
        echo "key=slretire-${RUNNER_OS:-$(uname -s)}-${RUNNER_ARCH:-$(uname -m)}-$hash"
    } >>"${GITHUB_OUTPUT:?}"
    ;;
build)
    root=${SLRETIRE_ROOT:?the root to install into}
    cargo install --locked --path "$src" --root "$root" --bin slretire
    ;;
*)
    echo "usage: install.sh key|build" >&2
    exit 1
    ;;
esac
