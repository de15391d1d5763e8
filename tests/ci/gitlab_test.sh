#!/usr/bin/env bash
# Tests the GitLab CI recipe in docs/ci.md as written: its jobs' scripts
# (before_script + script, as GitLab's bash runner runs them, with
# `set -eo pipefail`) run here with the real slretire on PATH against
# `slretire emulator` serving the bundled demo snapshot on loopback, a fake
# `cargo` (the install line) and a fake `curl` (the merge-request note), and
# fake CI_* variables. Needs a Python with PyYAML to read the recipe.
# Usage: tests/ci/gitlab_test.sh [SLRETIRE] [PYTHON]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=$(realpath "${1:-$root/target/debug/slretire}")
python=${2:-python3}
case "$python" in */*) python=$(realpath "$python") ;; esac
[ -x "$bin" ] || { echo "no slretire binary at $bin" >&2; exit 1; }

scratch=$(mktemp -d)
emulator_pid=""
cleanup() {
    [ -z "$emulator_pid" ] || kill "$emulator_pid" 2>/dev/null || true
    rm -rf "$scratch"
}
trap cleanup EXIT
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
has() { grep -qF -- "$2" "$1" || { echo "  $1 lacks: $2" >&2; return 1; }; }
same() { [ "$1" = "$2" ] || { echo "  '$1' != '$2'" >&2; return 1; }; }

# The recipe: the yaml block under "## GitLab CI", one script file per job.
"$python" - "$root/docs/ci.md" "$scratch" <<'EOF'
import os, re, sys, yaml
doc = open(sys.argv[1]).read()
section = doc[doc.index("## GitLab CI"):]
recipe = re.search(r"```yaml\n(.*?)```", section, re.S).group(1)
config = yaml.safe_load(recipe)
before = config.get("default", {}).get("before_script", [])
for job in ("validate", "plan", "apply"):
    spec = config[job]
    with open(os.path.join(sys.argv[2], job + ".sh"), "w") as f:
        f.write("set -eo pipefail\n")
        for name, value in spec.get("variables", {}).items():
            f.write(f'export {name}="{value}"\n')
        for line in before + spec["script"]:
            f.write(line.rstrip("\n") + "\n")
    with open(os.path.join(sys.argv[2], job + ".artifacts"), "w") as f:
        f.write("\n".join(spec.get("artifacts", {}).get("paths", [])) + "\n")
EOF

# Fakes and the real binary on PATH.
mkdir -p "$scratch/bin" "$scratch/project/manifests"
ln -s "$bin" "$scratch/bin/slretire"
cat >"$scratch/bin/cargo" <<'EOF'
#!/usr/bin/env bash
printf 'cargo %s\n' "$*" >>"${FAKE_LOG:?}"
EOF
cat >"$scratch/bin/curl" <<'EOF'
#!/usr/bin/env bash
# Records the call and the body it would send (--data-urlencode "body@FILE").
printf 'curl %s\n' "$*" >>"${FAKE_LOG:?}"
prev=""
for a in "$@"; do
    if [ "$prev" = --data-urlencode ]; then cp "${a#body@}" "${FAKE_LOG%/*}/note.md"; fi
    prev=$a
done
EOF
chmod +x "$scratch/bin/cargo" "$scratch/bin/curl"
cp "$root"/manifests/examples/*.yaml "$scratch/project/manifests/"

# The account: the demo snapshot served on loopback.
"$bin" emulator --world "$root/manifests/demo-account.json" >"$scratch/emulator.out" 2>"$scratch/emulator.err" &
emulator_pid=$!
for _ in $(seq 1 100); do
    [ -s "$scratch/emulator.out" ] && break
    kill -0 "$emulator_pid" 2>/dev/null || break
    sleep 0.1
done
endpoint=$(head -1 "$scratch/emulator.out")
case "$endpoint" in
http://127.0.0.1:*) ;;
*) echo "the emulator did not start: $(cat "$scratch/emulator.err")" >&2; exit 1 ;;
esac

job() { # job NAME: runs the job's script in the project; exit code in $scratch/NAME.code
    local code=0
    (cd "$scratch/project" && env PATH="$scratch/bin:$PATH" FAKE_LOG="$scratch/calls.log" \
        SL_ENDPOINT_URL="$endpoint" SL_READONLY_USERNAME=reader SL_READONLY_API_KEY=readerkey \
        SL_USERNAME=admin SL_API_KEY=adminkey SLRETIRE_NOW=2026-11-22T12:00:00Z \
        CI_API_V4_URL=https://gitlab.example.com/api/v4 CI_PROJECT_ID=5 CI_MERGE_REQUEST_IID=9 \
        GITLAB_TOKEN=glpat-fake CI_PIPELINE_SOURCE=merge_request_event \
        bash "$scratch/$1.sh" >"$scratch/$1.out" 2>&1) || code=$?
    echo "$code" >"$scratch/$1.code"
}

job validate
check "validate: exit 0" same "$(cat "$scratch/validate.code")" 0
check "validate: the install line ran" has "$scratch/calls.log" "cargo install --locked --git"

job plan
check "plan: exit 0 with cancellations" same "$(cat "$scratch/plan.code")" 0
while read -r artifact; do
    [ -z "$artifact" ] || check "plan: artifact $artifact" test -s "$scratch/project/$artifact"
done <"$scratch/plan.artifacts"
check "plan: the plan file is a plan" "$bin" show "$scratch/project/plan.json" --format json >/dev/null 2>&1
check "plan: one note posted" same "$(grep -c '^curl' "$scratch/calls.log")" 1
check "plan: to the merge request's notes" has "$scratch/calls.log" \
    "https://gitlab.example.com/api/v4/projects/5/merge_requests/9/notes"
check "plan: with the token" has "$scratch/calls.log" "--header PRIVATE-TOKEN: glpat-fake"
check "plan: the note is the markdown plan" has "$scratch/note.md" "### slretire plan for account 278184 (Example Corp)"
check "plan: read-only credentials" has "$scratch/plan.sh" 'export SL_USERNAME="$SL_READONLY_USERNAME"'

job apply
check "apply: exit 0" same "$(cat "$scratch/apply.code")" 0
check "apply: the digest shown" has "$scratch/apply.out" "$(jq -r .digest "$scratch/project/plan.json")"
check "apply: every cancellation done" has "$scratch/apply.out" \
    "Apply complete: $(jq .summary.cancel "$scratch/project/plan.json") cancelled, 0 already done, 0 drifted, 0 failed"
check "apply: the journal artifact" test -s "$scratch/project/journal.jsonl"

echo "gitlab recipe: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
