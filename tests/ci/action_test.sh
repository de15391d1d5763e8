#!/usr/bin/env bash
# Tests of the GitHub Action's scripts (action/run.sh, action/install.sh):
# they run with a fake `gh` (and `cargo`) on PATH, fake GITHUB_* variables
# and event files, in a scratch git repository whose base commit holds the
# manifests of tests/cmd/diff-base and whose head holds manifests/examples,
# planned against the bundled demo snapshot. Each check asserts the calls
# made and the outputs written; given a Python with PyYAML, also that
# action.yml and the script agree on inputs and outputs.
# Usage: tests/ci/action_test.sh [SLRETIRE] [PYTHON]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=$(realpath "${1:-$root/target/debug/slretire}")
[ -x "$bin" ] || { echo "no slretire binary at $bin (cargo build first)" >&2; exit 1; }
command -v jq >/dev/null || { echo "jq is needed (apt-get install jq)" >&2; exit 1; }

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
passed=0
failed=0
check() { # check NAME COMMAND...: one assertion
    local name=$1
    shift
    if "$@"; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        echo "FAILED: $name" >&2
    fi
}
has() { grep -qF -- "$2" "$1" || { echo "  $1 lacks: $2" >&2; return 1; }; }
lacks() { ! grep -qF -- "$2" "$1" || { echo "  $1 has: $2" >&2; return 1; }; }
out() { grep "^$1=" "$scratch/run/output" | tail -1 | cut -d= -f2-; }
same() { [ "$1" = "$2" ] || { echo "  '$1' != '$2'" >&2; return 1; }; }
before() { # before FILE A B: A appears on an earlier line than B
    local a b
    a=$(grep -nF -- "$2" "$1" | head -1 | cut -d: -f1)
    b=$(grep -nF -- "$3" "$1" | head -1 | cut -d: -f1)
    [ -n "$a" ] && [ -n "$b" ] && [ "$a" -lt "$b" ] || { echo "  '$2' not before '$3'" >&2; return 1; }
}

# --- the fake gh: records each call, keeps the comments in a JSON file ---
mkdir -p "$scratch/bin"
cat >"$scratch/bin/gh" <<'EOF'
#!/usr/bin/env bash
set -euo pipefail
state=${FAKE_GH_STATE:?}
printf '%s\n' "$*" >>"$state/calls"
[ -f "$state/comments.json" ] || echo '[]' >"$state/comments.json"
[ "$1" = api ] || { echo "fake gh: only api" >&2; exit 1; }
shift
method=GET input="" path=""
while [ $# -gt 0 ]; do
    case "$1" in
    --method) method=$2; shift 2 ;;
    --input) input=$2; shift 2 ;;
    --paginate) shift ;;
    -*) echo "fake gh: unexpected flag $1" >&2; exit 1 ;;
    *) path=$1; shift ;;
    esac
done
[ -z "${FAKE_GH_FAIL:-}" ] || { echo "HTTP 403: Resource not accessible by integration" >&2; exit 1; }
case "$method $path" in
"GET repos/"*"/issues/"*"/comments")
    # Two pages, as --paginate prints them: the comments, then none.
    cat "$state/comments.json"; echo '[]' ;;
"POST repos/"*"/issues/"*"/comments")
    id=$((1000 + $(jq length "$state/comments.json")))
    jq --argjson id "$id" --slurpfile new "$input" '. + [{id: $id, body: $new[0].body, user: {login: "github-actions[bot]"}}]' \
        "$state/comments.json" >"$state/next" && mv "$state/next" "$state/comments.json"
    echo "{\"id\": $id}" ;;
"PATCH repos/"*"/issues/comments/"*)
    id=${path##*/}
    jq --argjson id "$id" --slurpfile new "$input" 'map(if .id == $id then .body = $new[0].body else . end)' \
        "$state/comments.json" >"$state/next" && mv "$state/next" "$state/comments.json"
    echo "{\"id\": $id}" ;;
*) echo "fake gh: unexpected call $method $path" >&2; exit 1 ;;
esac
EOF
chmod +x "$scratch/bin/gh"

# --- a repository: an unrelated first commit, the base, the head ---
repo="$scratch/repo"
mkdir -p "$repo"
git -C "$repo" init -q -b main
git -C "$repo" config user.email ci@example.com
git -C "$repo" config user.name ci
echo "infra" >"$repo/README.md"
git -C "$repo" add -A && git -C "$repo" commit -qm "start"
empty_sha=$(git -C "$repo" rev-parse HEAD)
mkdir -p "$repo/manifests"
cp "$root"/tests/cmd/diff-base/*.yaml "$repo/manifests/"
git -C "$repo" add -A && git -C "$repo" commit -qm "base"
base_sha=$(git -C "$repo" rev-parse HEAD)
rm "$repo"/manifests/*.yaml
cp "$root"/manifests/examples/*.yaml "$repo/manifests/"
git -C "$repo" add -A && git -C "$repo" commit -qm "head"

event_file() { # event_file BASE_SHA
    jq -n --arg sha "$1" '{pull_request: {number: 7, base: {sha: $sha, ref: "main"}, head: {sha: "abc"}}}' \
        >"$scratch/event.json"
}

# Runs the action's script in $repo with fresh outputs; the exit code in
# $scratch/run/code. Extra variables as arguments (NAME=VALUE).
run_action() {
    rm -rf "$scratch/run" && mkdir -p "$scratch/run" "$scratch/temp"
    : >"$scratch/run/output"
    : >"$scratch/run/summary"
    set +e
    (cd "$repo" && env PATH="$scratch/bin:$PATH" FAKE_GH_STATE="$scratch/gh" \
        GITHUB_EVENT_NAME=pull_request GITHUB_EVENT_PATH="$scratch/event.json" \
        GITHUB_REPOSITORY=acme/infra GITHUB_WORKSPACE="$repo" GITHUB_SERVER_URL=https://github.com \
        GITHUB_RUN_ID=42 GITHUB_OUTPUT="$scratch/run/output" GITHUB_STEP_SUMMARY="$scratch/run/summary" \
        RUNNER_TEMP="$scratch/temp" SLRETIRE_NOW=2026-11-22T12:00:00Z SLRETIRE_BIN="$bin" \
        INPUT_COMMAND=plan INPUT_MANIFESTS=manifests INPUT_SNAPSHOT="$root/manifests/demo-account.json" \
        INPUT_COMPARE_BASE=true INPUT_COMMENT=true INPUT_COMMENT_TAG=plan GH_TOKEN=fake \
        "$@" bash "$root/action/run.sh" >"$scratch/run/stdout" 2>"$scratch/run/stderr")
    echo $? >"$scratch/run/code"
    set -e
}
code() { cat "$scratch/run/code"; }
calls() { cat "$scratch/gh/calls" 2>/dev/null || true; }
reset_gh() { rm -rf "$scratch/gh" && mkdir -p "$scratch/gh"; }
body() { jq -r '.[0].body' "$scratch/gh/comments.json" >"$scratch/body.md"; echo "$scratch/body.md"; }

# 1. A pull request: plan, diff against the base, one new comment.
reset_gh
event_file "$base_sha"
run_action
check "pr: exit 0 (cancellations are no failure)" same "$(code)" 0
check "pr: exitcode output" same "$(out exitcode)" 2
check "pr: has_changes output" same "$(out has_changes)" true
plan_file=$(out plan_file)
check "pr: plan_file written" test -s "$plan_file"
check "pr: the plan file is a plan" "$bin" show "$plan_file" --format json >/dev/null 2>&1
check "pr: digest output is the plan file's" same "$(out digest)" "$(jq -r .digest "$plan_file")"
check "pr: gh listed the comments, then created one" same "$(calls)" \
    "$(printf 'api --paginate repos/acme/infra/issues/7/comments\napi --method POST repos/acme/infra/issues/7/comments --input %s' \
        "$(sed -n 2p "$scratch/gh/calls" | sed 's/.*--input //')")"
b=$(body)
check "pr: comment starts with the marker" same "$(head -1 "$b")" "<!-- slretire-action:plan -->"
check "pr: comment shows the change's effect" has "$b" "### slretire diff: 3 added, 1 removed, 3 changed"
check "pr: comment names the base" has "$b" "compared with the plan of \`main\` at ${base_sha:0:12}"
check "pr: comment holds the plan" has "$b" "### slretire plan for account 278184 (Example Corp)"
check "pr: the diff comes above the plan" before "$b" "### slretire diff" "### slretire plan for account"
check "pr: comment ends with the digest" has "$b" "<sub>plan digest \`$(out digest)\`</sub>"
check "pr: the summary holds diff and plan" before "$scratch/run/summary" "### slretire diff" "### slretire plan for account"
check "pr: the summary has no marker" lacks "$scratch/run/summary" "slretire-action:plan"
check "pr: the base plan's progress is in the log" has "$scratch/run/stderr" "Planning the base branch main"

# 2. The same pull request again: the one comment is updated.
run_action
check "rerun: exit 0" same "$(code)" 0
check "rerun: gh listed, then patched comment 1000" same "$(calls | tail -2 | sed 's/ --input .*//')" \
    "$(printf 'api --paginate repos/acme/infra/issues/7/comments\napi --method PATCH repos/acme/infra/issues/comments/1000')"
check "rerun: still one comment" same "$(jq length "$scratch/gh/comments.json")" 1
check "rerun: the new plan file differs from the first run's" test "$(out plan_file)" != "$plan_file"
check "rerun: the first run's plan file is kept" test -s "$plan_file"

# 3. Another tag is another comment.
run_action INPUT_COMMENT_TAG=other
check "tag: a second comment" same "$(jq length "$scratch/gh/comments.json")" 2
check "tag: its marker" same "$(jq -r '.[1].body' "$scratch/gh/comments.json" | head -1)" "<!-- slretire-action:other -->"

# 4. A push: no pull request, no comment, no gh at all; the summary still.
reset_gh
run_action GITHUB_EVENT_NAME=push
check "push: exit 0" same "$(code)" 0
check "push: no gh call" same "$(calls)" ""
check "push: the summary holds the plan" has "$scratch/run/summary" "### slretire plan for account 278184"
check "push: no diff without a base" lacks "$scratch/run/summary" "### slretire diff"

# 5. comment: false and compare-base: false on a pull request.
reset_gh
run_action INPUT_COMMENT=false INPUT_COMPARE_BASE=false
check "no comment: no gh call" same "$(calls)" ""
check "no compare: no diff" lacks "$scratch/run/summary" "### slretire diff"

# 6. A base without the manifests: a note, everything is new.
reset_gh
event_file "$empty_sha"
run_action
check "new manifests: exit 0" same "$(code)" 0
b=$(body)
check "new manifests: the note" has "$b" "The base branch \`main\` has none of these manifests"
check "new manifests: the plan" has "$b" "### slretire plan for account"
event_file "$base_sha"

# 7. Invalid manifests: the step fails, the comment says why, no plan file.
reset_gh
printf 'version: 1\naccount: 278184\nretire:\n  - kind: virtual_gust\n    id: 1\n' >"$repo/manifests/broken.yaml"
run_action
rm "$repo/manifests/broken.yaml"
check "invalid: exit 1" same "$(code)" 1
check "invalid: exitcode output" same "$(out exitcode)" 1
check "invalid: has_changes false" same "$(out has_changes)" false
check "invalid: no plan file" same "$(out plan_file)" ""
check "invalid: no digest" same "$(out digest)" ""
b=$(body)
check "invalid: the comment says it failed" has "$b" "### slretire plan failed"
check "invalid: with the diagnostic" has "$b" "manifest::unknown-kind"
check "invalid: escaped in a pre block" has "$b" "<pre>"

# 8. A read-only token: a warning, the plan still in the summary, exit 0.
reset_gh
run_action FAKE_GH_FAIL=1
check "read-only: exit 0" same "$(code)" 0
check "read-only: a warning" has "$scratch/run/stdout" "::warning title=slretire::could not read the pull request's comments"
check "read-only: the summary" has "$scratch/run/summary" "### slretire plan for account"

# 9. apply: the reviewed plan from run 1, rehearsed against the snapshot.
reset_gh
run_action GITHUB_EVENT_NAME=push INPUT_COMMAND=apply INPUT_PLAN_FILE="$plan_file" \
    INPUT_JOURNAL="$scratch/journal.jsonl"
check "apply: exit 0" same "$(code)" 0
check "apply: exitcode output" same "$(out exitcode)" 0
check "apply: digest output" same "$(out digest)" "$(jq -r .digest "$plan_file")"
check "apply: plan_file output" same "$(out plan_file)" "$plan_file"
check "apply: has_changes" same "$(out has_changes)" true
check "apply: the journal" test -s "$scratch/journal.jsonl"
check "apply: the summary" has "$scratch/run/summary" "Apply complete: $(jq .summary.cancel "$plan_file") cancelled"
check "apply: no gh call" same "$(calls)" ""

# 10. apply without a plan file is an error.
run_action GITHUB_EVENT_NAME=push INPUT_COMMAND=apply
check "apply without plan: exit 1" same "$(code)" 1
check "apply without plan: says so" has "$scratch/run/stdout" "apply needs plan-file"

# 11. install.sh: a key that follows the sources; cargo install --locked.
copy="$scratch/action-copy"
mkdir -p "$copy"
cp -r "$root/Cargo.toml" "$root/Cargo.lock" "$root/src" "$copy/"
mkdir -p "$copy/crates/x" && echo "a" >"$copy/crates/x/f"
key() { : >"$scratch/keyout"; GITHUB_ACTION_PATH="$copy" GITHUB_OUTPUT="$scratch/keyout" RUNNER_OS=Linux RUNNER_ARCH=X64 \
    RUNNER_TOOL_CACHE="$scratch/tools" bash "$root/action/install.sh" key; grep '^key=' "$scratch/keyout" | cut -d= -f2; }
k1=$(key)
check "key: stable" same "$(key)" "$k1"
check "key: names the platform" same "${k1%-*}" "slretire-Linux-X64"
echo "b" >"$copy/crates/x/f"
check "key: follows the sources" test "$(key)" != "$k1"
check "key: root and bin" has "$scratch/keyout" "bin=$scratch/tools/slretire-action/"
cat >"$scratch/bin/cargo" <<'EOF'
#!/usr/bin/env bash
printf '%s\n' "$*" >"${FAKE_CARGO_LOG:?}"
EOF
chmod +x "$scratch/bin/cargo"
PATH="$scratch/bin:$PATH" FAKE_CARGO_LOG="$scratch/cargo.log" GITHUB_ACTION_PATH="$copy" SLRETIRE_ROOT="$scratch/r" \
    bash "$root/action/install.sh" build
check "build: cargo install --locked from the action's checkout" same "$(cat "$scratch/cargo.log")" \
    "install --locked --path $copy --root $scratch/r --bin slretire"

# 12. action.yml and run.sh agree on inputs and outputs.
if [ -n "${2:-}" ]; then
    check "action.yml matches run.sh and docs/ci.md" "$2" "$root/tests/ci/action_yml_check.py" \
        "$root/action.yml" "$root/action/run.sh" "$root/docs/ci.md"
fi

echo "action: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
