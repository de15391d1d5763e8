#!/usr/bin/env bash
# The slretire GitHub Action's work (action.yml runs it with the inputs as
# INPUT_* variables; tests/ci/action_test.sh runs it with fakes).
#
# plan:  plans the manifests (`--out` the plan file), renders the markdown
#        plan into $GITHUB_STEP_SUMMARY and, on a pull request, into one
#        sticky comment (found again by a hidden marker, through `gh api`).
#        On a pull request it also plans the base branch's manifests and puts
#        `slretire diff` of the two plans above the full plan.
# apply: performs the reviewed plan file and writes its log to the summary.
#
# Outputs ($GITHUB_OUTPUT): exitcode, has_changes, digest, plan_file.
# Uploads nothing: keep the plan file with actions/upload-artifact if needed.
# Needs bash, git, jq and (for comments) gh, as GitHub's runners have.
set -euo pipefail

bin=${SLRETIRE_BIN:-slretire}
command=${INPUT_COMMAND:-plan}
snapshot=${INPUT_SNAPSHOT:-}
repo=${GITHUB_WORKSPACE:-$PWD}
# One directory per run: a later use of the action in the same job must
# not remove the plan file an earlier one wrote.
work=$(mktemp -d "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/slretire-action.XXXXXX")
marker="<!-- slretire-action:${INPUT_COMMENT_TAG:-plan} -->"
# GitHub refuses comments over 65,536 characters.
max_comment=65000

export NO_COLOR=1

# Relative paths keep working where the base branch is planned.
case "$bin" in
*/*) bin=$(realpath "$bin") ;;
esac
[ -z "$snapshot" ] || snapshot=$(realpath "$snapshot")
snapshot_args=()
[ -z "$snapshot" ] || snapshot_args=(--snapshot "$snapshot")

# Manifest paths, split on spaces and newlines (no globbing).
set -f
manifests=()
for m in ${INPUT_MANIFESTS:-manifests}; do manifests+=("$m"); done
set +f

output() { printf '%s=%s\n' "$1" "$2" >>"${GITHUB_OUTPUT:?}"; }
summary() { cat >>"${GITHUB_STEP_SUMMARY:-/dev/null}"; }
warn() { echo "::warning title=slretire::$*"; }

# Text for a <pre> block: nothing in it can close the block or render.
html_escape() { sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g'; }

# Whether FILE is a plan document slretire can read.
is_plan() { "$bin" show "$1" --format json >/dev/null 2>&1; }

is_pull_request() {
    case "${GITHUB_EVENT_NAME:-}" in
    pull_request | pull_request_target) [ -n "${GITHUB_EVENT_PATH:-}" ] ;;
    *) return 1 ;;
    esac
}

event() { jq -r "$1 // empty" "$GITHUB_EVENT_PATH"; }

# Plans the base branch's manifests into $work/base.json and renders the
# diff into $work/diff.md; a note into $work/diff.md when it cannot.
compare_with_base() {
    local base_sha base_ref tree rels=() m rel code
    base_sha=$(event .pull_request.base.sha)
    base_ref=$(event .pull_request.base.ref)
    note() { printf '%s\n\n' "$*" >"$work/diff.md"; }
    if [ -z "$base_sha" ]; then
        note "_The event names no base commit: no comparison with the base branch._"
        return
    fi
    if ! git -C "$repo" cat-file -e "$base_sha^{commit}" 2>/dev/null &&
        ! git -C "$repo" fetch --quiet --no-tags --depth=1 origin "$base_sha" >&2; then
        note "_Could not fetch the base commit ${base_sha:0:12}: no comparison with the base branch._"
        return
    fi
    tree="$work/base"
    mkdir -p "$tree"
    for m in "${manifests[@]}"; do
        rel=$(realpath -m --relative-to="$repo" "$m")
        if git -C "$repo" cat-file -e "$base_sha:$rel" 2>/dev/null; then rels+=("$rel"); fi
    done
    if [ ${#rels[@]} -eq 0 ]; then
        note "_The base branch \`${base_ref}\` has none of these manifests: everything in the plan below is new._"
        return
    fi
    git -C "$repo" archive "$base_sha" -- "${rels[@]}" | tar -x -C "$tree"
    echo "Planning the base branch ${base_ref} (${base_sha:0:12}) for comparison" >&2
    (cd "$tree" && "$bin" plan "${rels[@]}" "${snapshot_args[@]}" --format json) \
        >"$work/base.json" 2>"$work/base.log" || true
    cat "$work/base.log" >&2
    if ! is_plan "$work/base.json"; then
        note "_The base branch's manifests could not be planned (see the job log): no comparison._"
        return
    fi
    code=0
    # From $work, so the details name the plans base.json and head.json.
    (cd "$work" && "$bin" diff base.json head.json --format markdown) >"$work/diff.body" || code=$?
    if [ "$code" -ne 0 ] && [ "$code" -ne 2 ]; then
        note "_slretire diff failed (see the job log): no comparison._"
        return
    fi
    {
        printf '**What this pull request changes in the plan** (compared with the plan of `%s` at %s):\n\n' \
            "$base_ref" "${base_sha:0:12}"
        cat "$work/diff.body"
        printf -- '---\n\n'
    } >"$work/diff.md"
}

# Creates or updates the pull request's one comment carrying $marker.
post_comment() {
    local pr api existing run_url
    pr=$(event .pull_request.number)
    [ -n "$pr" ] || return 0
    api="repos/${GITHUB_REPOSITORY:?}/issues/$pr/comments"
    { echo "$marker"; cat "$1"; } >"$work/comment.md"
    if [ "$(wc -c <"$work/comment.md")" -gt "$max_comment" ]; then
        run_url="${GITHUB_SERVER_URL:-https://github.com}/$GITHUB_REPOSITORY/actions/runs/${GITHUB_RUN_ID:-}"
        {
            echo "$marker"
            [ ! -s "$work/diff.md" ] || [ "$(wc -c <"$work/diff.md")" -gt $((max_comment - 2000)) ] ||
                cat "$work/diff.md"
            printf '### slretire plan\n\nThe full plan is too long for a comment: it is in the [job summary](%s).\n\n' "$run_url"
            [ -z "$digest" ] || printf '<sub>plan digest `%s`</sub>\n' "$digest"
        } >"$work/comment.md"
    fi
    jq -n --rawfile body "$work/comment.md" '{body: $body}' >"$work/comment.json"
    if ! existing=$(gh api --paginate "$api" |
        jq -rs --arg marker "$marker" 'add // [] | map(select(.body | contains($marker))) | first | .id // empty'); then
        warn "could not read the pull request's comments (a fork's read-only token?): the plan is in the job summary"
        return 0
    fi
    if [ -n "$existing" ]; then
        gh api --method PATCH "repos/$GITHUB_REPOSITORY/issues/comments/$existing" \
            --input "$work/comment.json" >/dev/null ||
            warn "could not update the plan comment: the plan is in the job summary"
    else
        gh api --method POST "$api" --input "$work/comment.json" >/dev/null ||
            warn "could not comment on the pull request: the plan is in the job summary"
    fi
}

run_plan() {
    local plan_file=${INPUT_PLAN_FILE:-$work/plan.json} code=0
    mkdir -p "$(dirname "$plan_file")"
    # The JSON on stdout is the plan document even when guards fail (the
    # comment shows why); --out is written only when they pass.
    "$bin" plan "${manifests[@]}" "${snapshot_args[@]}" --out "$plan_file" \
        --format json --detailed-exitcode >"$work/head.json" 2>"$work/head.log" || code=$?
    cat "$work/head.log" >&2
    digest=""
    : >"$work/diff.md"
    if is_plan "$work/head.json"; then
        digest=$(jq -r .digest "$work/head.json")
        "$bin" show "$work/head.json" --format markdown >"$work/plan.md" 2>/dev/null
        if is_pull_request && [ "${INPUT_COMPARE_BASE:-true}" = true ]; then
            compare_with_base
        fi
    else
        # No plan at all (invalid manifests, wrong account, API failure).
        {
            printf '### slretire plan failed\n\n<pre>\n'
            html_escape <"$work/head.log"
            printf '</pre>\n'
        } >"$work/plan.md"
    fi
    cat "$work/diff.md" "$work/plan.md" >"$work/report.md"
    summary <"$work/report.md"
    if is_pull_request && [ "${INPUT_COMMENT:-true}" = true ]; then
        post_comment "$work/report.md"
    fi
    output exitcode "$code"
    output has_changes "$([ "$code" -eq 2 ] && echo true || echo false)"
    output digest "$digest"
    if [ "$code" -eq 0 ] || [ "$code" -eq 2 ]; then
        output plan_file "$plan_file"
    else
        output plan_file ""
    fi
    [ "$code" -eq 0 ] || [ "$code" -eq 2 ] || exit 1
}

run_apply() {
    local plan_file=${INPUT_PLAN_FILE:-} code=0 args
    if [ -z "$plan_file" ]; then
        echo "::error title=slretire::apply needs plan-file: the reviewed plan file to perform"
        output exitcode 1
        exit 1
    fi
    args=(apply "$plan_file" "${snapshot_args[@]}" --progress plain)
    [ -z "${INPUT_JOURNAL:-}" ] || args+=(--journal "$INPUT_JOURNAL")
    "$bin" "${args[@]}" >"$work/apply.log" 2>&1 || code=$?
    cat "$work/apply.log"
    digest=""
    has_changes=false
    if is_plan "$plan_file"; then
        digest=$(jq -r .digest "$plan_file")
        has_changes=$(jq -r '.summary.cancel > 0' "$plan_file")
    fi
    {
        printf '### slretire apply\n\nplan digest `%s`, exit code %s\n\n<pre>\n' "$digest" "$code"
        html_escape <"$work/apply.log"
        printf '</pre>\n'
    } | summary
    output exitcode "$code"
    output has_changes "$has_changes"
    output digest "$digest"
    output plan_file "$plan_file"
    [ "$code" -eq 0 ] || exit 1
}

case "$command" in
plan) run_plan ;;
apply) run_apply ;;
*)
    echo "::error title=slretire::command must be plan or apply, not '$command'"
    output exitcode 1
    exit 1
    ;;
esac
