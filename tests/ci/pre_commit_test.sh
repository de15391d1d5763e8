#!/usr/bin/env bash
# Tests .pre-commit-hooks.yaml with `pre-commit try-repo` on this repository
# (uncommitted changes included: try-repo makes a shadow commit), in a
# scratch repository: valid manifests pass, an invalid one fails with its
# diagnostic, a YAML file outside manifests/ does not run the hook.
# pre-commit builds slretire with `cargo install` (language: rust); the
# build shares target/pre-commit between the runs and skips optimisation,
# which only costs time here.
# Usage: tests/ci/pre_commit_test.sh [PRE_COMMIT]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
pre_commit=${1:-pre-commit}
case "$pre_commit" in */*) pre_commit=$(realpath "$pre_commit") ;; esac

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
passed=0
failed=0
check() {
    local name=$1
    shift
    if "$@"; then passed=$((passed + 1)); else
        failed=$((failed + 1))
        echo "FAILED: $name" >&2
    fi
}
has() { grep -qF -- "$2" "$1" || { echo "  $1 lacks: $2" >&2; sed 's/^/    /' "$1" >&2; return 1; }; }
same() { [ "$1" = "$2" ] || { echo "  '$1' != '$2'" >&2; return 1; }; }

export CARGO_TARGET_DIR="$root/target/pre-commit"
export CARGO_PROFILE_RELEASE_OPT_LEVEL=0 CARGO_PROFILE_RELEASE_LTO=false \
    CARGO_PROFILE_RELEASE_CODEGEN_UNITS=256 CARGO_PROFILE_RELEASE_DEBUG=0
export PRE_COMMIT_HOME="$scratch/home" PRE_COMMIT_COLOR=never

consumer="$scratch/infra"
mkdir -p "$consumer/manifests" "$consumer/other"
git -C "$consumer" init -q -b main
cp "$root"/manifests/examples/*.yaml "$consumer/manifests/"
echo "key: value" >"$consumer/other/unrelated.yaml"
git -C "$consumer" add -A

try() { # try NAME [run options]: exit code in $scratch/NAME.code, output in NAME.out
    local name=$1 code=0
    shift
    (cd "$consumer" && "$pre_commit" try-repo "$root" slretire-validate "$@") >"$scratch/$name.out" 2>&1 || code=$?
    echo "$code" >"$scratch/$name.code"
}

try valid --all-files
check "valid: passes" same "$(cat "$scratch/valid.code")" 0
check "valid: the hook ran" has "$scratch/valid.out" "slretire validate"
check "valid: Passed" has "$scratch/valid.out" "Passed"

printf 'version: 1\naccount: 278184\nretire:\n  - kind: virtual_gust\n    id: 1\n' >"$consumer/manifests/broken.yml"
git -C "$consumer" add -A
try invalid --all-files
check "invalid: fails" same "$(cat "$scratch/invalid.code")" 1
check "invalid: the diagnostic" has "$scratch/invalid.out" "error[manifest::unknown-kind]: unknown kind \`virtual_gust\`"
check "invalid: its position" has "$scratch/invalid.out" "manifests/broken.yml:4:11"

try outside --files other/unrelated.yaml
check "outside manifests/: exit 0" same "$(cat "$scratch/outside.code")" 0
check "outside manifests/: skipped" has "$scratch/outside.out" "(no files to check)Skipped"

echo "pre-commit hook: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
