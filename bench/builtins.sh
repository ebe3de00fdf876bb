#!/usr/bin/env bash
# Benchmark ward's native built-in checks against prek (`repo: builtin`) and pre-commit
# (`repo: local` hooks running the pre-commit-hooks console scripts), with rg as a floor.
#
#   bench/builtins.sh                      # build ward, make the corpus, time, print ratios
#   WARD=/path/to/ward bench/builtins.sh   # use this binary instead of building
#
# Environment (all optional):
#   WARD                 ward binary to benchmark [default: cargo build --release, repo root]
#   WARD_BENCH_CHECKS    comma-separated check ids to run in all three runners
#                        [default: the 13 below]
#   BENCH_FILES          corpus size in files [10000]
#   BENCH_RUNS           timed runs per command [10]
#   BENCH_WARMUP         warm-up runs per command [2]
#   BENCH_RUNNERS        which runners to time, space-separated [ward prek pre-commit rg]
#   BENCH_RESULTS        where the tables and logs go [bench/results]
#   BENCH_VENV           an existing venv with prek, pre-commit and pre-commit-hooks to reuse
#                        instead of creating one in the temporary directory
#   BENCH_PIP_SPECS      what to pip-install into the venv [prek pre-commit pre-commit-hooks]
#   BENCH_KEEP=1         keep the temporary directory (corpus, configs, venv) for inspection
#   BENCH_STRICT=1       exit 1 when a ratio misses its target
#
# See bench/README.md for what is measured and how to read the figures.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)

# The checks every runner supports natively (ward built-in, prek builtin, pre-commit-hooks).
DEFAULT_CHECKS=(
    trailing-whitespace end-of-file-fixer mixed-line-ending fix-byte-order-marker
    check-merge-conflict check-added-large-files detect-private-key check-case-conflict
    check-executables-have-shebangs check-shebang-scripts-are-executable
    check-json check-yaml check-xml
)

# `types` of each hook in pre-commit-hooks' .pre-commit-hooks.yaml (v6.0.0); empty = all files.
declare -A PC_TYPES=(
    [trailing-whitespace]='[text]'
    [end-of-file-fixer]='[text]'
    [mixed-line-ending]='[text]'
    [fix-byte-order-marker]='[text]'
    [check-merge-conflict]='[text]'
    [check-added-large-files]=''
    [detect-private-key]='[text]'
    [check-case-conflict]=''
    [check-executables-have-shebangs]='[text, executable]'
    [check-shebang-scripts-are-executable]='[text]'
    [check-json]='[json]'
    [check-yaml]='[yaml]'
    [check-xml]='[xml]'
    [check-toml]='[toml]'
    [check-symlinks]='[symlink]'
)
# The `entry` of each hook in that manifest: the console script pre-commit-hooks installs.
declare -A PC_ENTRY=([trailing-whitespace]=trailing-whitespace-fixer)
# Options that make a check do its real work outside a merge or on files not newly added,
# identically in the three runners: as hook args (prek, pre-commit) and as checks.toml keys.
declare -A HOOK_ARGS=(
    [check-merge-conflict]='--assume-in-merge'
    [check-added-large-files]='--enforce-all'
)
declare -A WARD_OPTS=(
    [check-merge-conflict]='assume_in_merge = true'
    [check-added-large-files]='enforce_all = true'
)
# Which corpus defect (bench/corpus.py) each check must report.
declare -A DEFECT_CHECK=(
    [trailing-whitespace]=trailing-whitespace
    [no-final-newline]=end-of-file-fixer
    [extra-final-newlines]=end-of-file-fixer
    [mixed-line-endings]=mixed-line-ending
    [bom]=fix-byte-order-marker
    [merge-conflict]=check-merge-conflict
    [large-file]=check-added-large-files
    [private-key]=detect-private-key
    [case-conflict]=check-case-conflict
    [exec-no-shebang]=check-executables-have-shebangs
    [shebang-not-exec]=check-shebang-scripts-are-executable
    [invalid-json]=check-json
    [invalid-yaml]=check-yaml
    [invalid-xml]=check-xml
)

FILES=${BENCH_FILES:-10000}
RUNS=${BENCH_RUNS:-10}
WARMUP=${BENCH_WARMUP:-2}
RESULTS=${BENCH_RESULTS:-$here/results}
read -r -a RUNNERS <<<"${BENCH_RUNNERS:-ward prek pre-commit rg}"
read -r -a PIP_SPECS <<<"${BENCH_PIP_SPECS:-prek pre-commit pre-commit-hooks}"
STAGED_COUNT=5

die() { printf 'builtins.sh: error: %s\n' "$*" >&2; exit 2; }
note() { printf '==> %s\n' "$*" >&2; }
q() { printf '%q' "$1"; }
has_runner() {
    local r
    for r in "${RUNNERS[@]}"; do [[ $r == "$1" ]] && return 0; done
    return 1
}

need() {
    command -v "$1" >/dev/null 2>&1 || die "$1 not found; install it with: $2"
}
need hyperfine 'apt-get install hyperfine   (or: cargo install hyperfine)'
need rg 'apt-get install ripgrep   (or: cargo install ripgrep)'
need git 'apt-get install git'
need python3 'apt-get install python3 python3-venv'

for r in "${RUNNERS[@]}"; do
    case $r in ward | prek | pre-commit | rg) ;; *) die "BENCH_RUNNERS: unknown runner '$r'" ;; esac
done
has_runner ward || die "BENCH_RUNNERS must include ward (every ratio is ward/x)"
[[ $FILES =~ ^[0-9]+$ && $RUNS =~ ^[0-9]+$ && $WARMUP =~ ^[0-9]+$ ]] ||
    die "BENCH_FILES, BENCH_RUNS and BENCH_WARMUP must be whole numbers"
((RUNS >= 2)) || die "BENCH_RUNS must be at least 2"

if [[ -n ${WARD_BENCH_CHECKS:-} ]]; then
    IFS=', ' read -r -a CHECKS <<<"$WARD_BENCH_CHECKS"
else
    CHECKS=("${DEFAULT_CHECKS[@]}")
fi
((${#CHECKS[@]} > 0)) || die "WARD_BENCH_CHECKS names no check"
for c in "${CHECKS[@]}"; do
    [[ -v "PC_TYPES[$c]" ]] || die "WARD_BENCH_CHECKS: '$c' is not one of: ${!PC_TYPES[*]}"
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ward-bench.XXXXXX")
[[ $tmp != *[[:space:]\'\"]* ]] || die "temporary directory '$tmp' has a space or quote; set TMPDIR"
cleanup() {
    if [[ -n ${BENCH_KEEP:-} ]]; then
        note "kept $tmp"
    else
        rm -rf "$tmp"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# --- ward ---------------------------------------------------------------------------------
if [[ -n ${WARD:-} ]]; then
    ward=$(command -v "$WARD") || die "WARD=$WARD is not an executable"
    ward=$(realpath "$ward")
else
    need cargo 'https://rustup.rs'
    note "building ward (cargo build --release) in $root"
    (cd "$root" && cargo build --release --quiet)
    target_dir=$(cd "$root" && cargo metadata --format-version 1 --no-deps |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
    ward=$target_dir/release/ward
    ward_rev=$(git -C "$root" describe --always --dirty 2>/dev/null || echo '?')
fi
[[ -x $ward ]] || die "no ward binary at $ward"

# --- prek, pre-commit, pre-commit-hooks in a throw-away venv ------------------------------
if [[ -n ${BENCH_VENV:-} ]]; then
    venv=$(realpath "$BENCH_VENV")
else
    venv=$tmp/venv
    note "installing ${PIP_SPECS[*]} into a throw-away venv"
    python3 -m venv "$venv" ||
        die "python3 -m venv failed; on Debian: apt-get install python3-venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "${PIP_SPECS[@]}"
fi
for tool in prek pre-commit python; do
    [[ -x $venv/bin/$tool ]] || die "$venv/bin/$tool missing (pip install prek pre-commit pre-commit-hooks)"
done

# Each hook id's console script, checked against the installed package's entry points.
declare -A ENTRY=()
while read -r id script; do
    ENTRY[$id]=$venv/bin/$script
done < <("$venv/bin/python" - "${CHECKS[@]}" <<EOF
import sys
from importlib.metadata import distribution
entry = {$(for k in "${!PC_ENTRY[@]}"; do printf '"%s": "%s", ' "$k" "${PC_ENTRY[$k]}"; done)}
scripts = {ep.name for ep in distribution("pre-commit-hooks").entry_points
           if ep.group == "console_scripts"}
for hook in sys.argv[1:]:
    script = entry.get(hook, hook)
    if script not in scripts:
        sys.exit("pre-commit-hooks installs no console script %r for hook %r" % (script, hook))
    print(hook, script)
EOF
)
((${#ENTRY[@]} == ${#CHECKS[@]})) || die "could not map every check to a pre-commit-hooks script"

# --- hermetic git and tool state ----------------------------------------------------------
unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_PREFIX GIT_OBJECT_DIRECTORY SKIP \
    PRE_COMMIT_NO_CONCURRENCY PREK_NO_CONCURRENCY PREK_NO_FAST_PATH
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.invalid
export GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.invalid
export GIT_AUTHOR_DATE=2024-01-01T00:00:00Z GIT_COMMITTER_DATE=2024-01-01T00:00:00Z
export PRE_COMMIT_HOME=$tmp/home/pre-commit PREK_HOME=$tmp/home/prek
export NO_COLOR=1 TERM=dumb

v_ward=$("$ward" --version | awk '{print $NF}')${ward_rev:+ (built from $ward_rev)}
v_prek=$("$venv/bin/prek" --version | awk '{print $2}')
v_pc=$("$venv/bin/pre-commit" --version | awk '{print $2}')
v_pch=$("$venv/bin/python" -c \
    'from importlib.metadata import version; print(version("pre-commit-hooks"))')
v_rg=$(rg --version | awk 'NR == 1 {print $2}')
v_hf=$(hyperfine --version | awk '{print $2}')
versions="ward $v_ward, prek $v_prek, pre-commit $v_pc, pre-commit-hooks $v_pch, rg $v_rg, hyperfine $v_hf"

# --- corpus and configurations ------------------------------------------------------------
corpus=$tmp/corpus
manifest=$tmp/manifest.tsv
note "generating the corpus ($FILES files)"
python3 "$here/corpus.py" "$corpus" "$FILES" --manifest "$manifest" 2>"$tmp/corpus.log" ||
    { cat "$tmp/corpus.log" >&2; die "corpus.py failed"; }
corpus_desc=$(sed 's/^corpus: //' "$tmp/corpus.log")

{
    echo "# ward: the benchmark's checks (same set as .pre-commit-config.yaml and prek.toml)"
    for c in "${CHECKS[@]}"; do
        printf '\n[checks.%s]\nbuiltin = "%s"\n' "$c" "$c"
        if [[ -n ${WARD_OPTS[$c]:-} ]]; then printf '%s\n' "${WARD_OPTS[$c]}"; fi
    done
} >"$corpus/checks.toml"

{
    echo "# pre-commit: pre-commit-hooks' console scripts as local hooks (no clone, no install)"
    echo "repos:"
    echo "  - repo: local"
    echo "    hooks:"
    for c in "${CHECKS[@]}"; do
        echo "      - id: $c"
        echo "        name: $c"
        echo "        entry: '\"${ENTRY[$c]}\"'"
        echo "        language: system"
        if [[ -n ${PC_TYPES[$c]} ]]; then echo "        types: ${PC_TYPES[$c]}"; fi
        if [[ -n ${HOOK_ARGS[$c]:-} ]]; then echo "        args: [${HOOK_ARGS[$c]}]"; fi
    done
} >"$corpus/.pre-commit-config.yaml"

{
    echo "# prek: its native Rust hooks (repo = \"builtin\")"
    echo "[[repos]]"
    echo 'repo = "builtin"'
    echo "hooks = ["
    for c in "${CHECKS[@]}"; do
        if [[ -n ${HOOK_ARGS[$c]:-} ]]; then
            echo "  { id = \"$c\", args = [\"${HOOK_ARGS[$c]}\"] },"
        else
            echo "  { id = \"$c\" },"
        fi
    done
    echo "]"
} >"$corpus/prek.toml"

git -C "$corpus" init -q -b main
git -C "$corpus" add -A
git -C "$corpus" commit -q -m "benchmark corpus"

# The commit-sized run: the same 5 defect-free files, modified and staged before every run.
pick_clean() { # extension, n: the n-th defect-free file with that extension, by path
    awk -F'\t' -v ext="$1" '$1 == "clean" && $2 ~ ("\\." ext "$") { print $2 }' "$manifest" |
        LC_ALL=C sort | sed -n "$2p"
}
staged=(
    "$(pick_clean php 1)" "$(pick_clean yaml 1)" "$(pick_clean json 1)"
    "$(pick_clean xml 1)" "$(pick_clean md 1)"
)
for f in "${staged[@]}"; do [[ -n $f ]] || die "could not pick $STAGED_COUNT clean files to stage"; done
mkdir -p "$tmp/staged"
"$venv/bin/python" - "$corpus" "$tmp/staged" "${staged[@]}" <<'EOF'
import json, os, sys
corpus, out, paths = sys.argv[1], sys.argv[2], sys.argv[3:]
for i, rel in enumerate(paths):
    with open(os.path.join(corpus, rel), "rb") as f:
        data = f.read()
    if rel.endswith(".json"):
        doc = json.loads(data)
        doc["touched_by"] = "benchmark"
        data = (json.dumps(doc, indent=2) + "\n").encode()
    elif rel.endswith(".php"):
        data += b"// touched by the benchmark\n"
    elif rel.endswith(".yaml"):
        data += b"touched_by: benchmark\n"
    elif rel.endswith(".xml"):
        data += b"<!-- touched by the benchmark -->\n"
    else:
        data += b"\nTouched by the benchmark.\n"
    with open(os.path.join(out, str(i)), "wb") as f:
        f.write(data)
EOF
{
    echo '#!/usr/bin/env bash'
    echo 'set -euo pipefail'
    echo "cd $(q "$corpus")"
    for i in "${!staged[@]}"; do
        echo "cp $(q "$tmp/staged/$i") $(q "${staged[$i]}")"
    done
    printf 'git add --'
    printf ' %q' "${staged[@]}"
    echo
} >"$tmp/stage.sh"
chmod +x "$tmp/stage.sh"

# --- commands -----------------------------------------------------------------------------
declare -A CMD=(
    [all/ward]="$(q "$ward") run --all --check --color never"
    [all/prek]="$(q "$venv/bin/prek") run --all-files -c prek.toml --color never --no-progress"
    [all/pre-commit]="$(q "$venv/bin/pre-commit") run --all-files --color never"
    [all/rg]="rg -c --no-ignore --hidden -g '!.git' '[ \t]\$' ."

    [staged/ward]="$(q "$ward") run --color never"
    [staged/prek]="$(q "$venv/bin/prek") run -c prek.toml --color never --no-progress"
    [staged/pre-commit]="$(q "$venv/bin/pre-commit") run --color never"
)
PREP_ALL='git checkout -q -- .'
PREP_STAGED=$(q "$tmp/stage.sh")

# Run a command the way hyperfine will (no shell), for the sanity check.
run_words() {
    local -a words
    eval "words=($1)"
    "${words[@]}"
}

# Which check ids a runner's report says failed.
failed_ids() {
    case $1 in
        ward) sed -n 's/^- id: \([^ ]*\).*/\1/p' "$2" ;;
        *) sed -n 's/^- hook id: \([^ ]*\).*/\1/p' "$2" ;;
    esac | sort -u | tr '\n' ' ' | sed 's/ $//'
}

# The checks that must fail on the corpus: those with a defect to find.
expected_all=$(
    cut -f1 "$manifest" | sort -u | while read -r defect; do
        c=${DEFECT_CHECK[$defect]:-}
        for s in "${CHECKS[@]}"; do
            if [[ -n $c && $s == "$c" ]]; then echo "$c"; fi
        done
    done | sort -u | tr '\n' ' ' | sed 's/ $//'
)

mkdir -p "$RESULTS"
rm -f "$RESULTS"/*.log "$RESULTS"/*.json "$RESULTS"/all.md "$RESULTS"/staged.md
warnings=()

# One untimed run of each command: fail on a configuration or usage error, and compare what
# each runner reported with the defects the corpus holds.
sanity() { # scenario prepare expected runner...
    local scenario=$1 prep=$2 expected=$3 runner rc got log
    shift 3
    for runner in "$@"; do
        if [[ $runner == rg ]]; then continue; fi
        log=$RESULTS/$scenario-$runner.log
        (cd "$corpus" && run_words "$prep" && run_words "${CMD[$scenario/$runner]}") >"$log" 2>&1 &&
            rc=0 || rc=$?
        if ((rc != 0 && rc != 1)); then
            tail -n 20 "$log" >&2
            if [[ $runner == ward && $rc == 2 ]]; then
                note "a ward without some of these built-ins rejects checks.toml; time the ones" \
                    "it has with e.g. WARD_BENCH_CHECKS=trailing-whitespace,end-of-file-fixer,check-json"
            fi
            die "$runner exited $rc in the $scenario sanity run (log: $log)"
        fi
        got=$(failed_ids "$runner" "$log")
        if [[ $got == "$expected" ]]; then
            note "$scenario/$runner: exit $rc, failed checks as expected: ${got:-none}"
        else
            warnings+=("$scenario/$runner reported failures in [${got:-none}], expected [${expected:-none}] (log: $log)")
            note "WARNING: ${warnings[-1]}"
        fi
    done
    (cd "$corpus" && git checkout -q -- . && git reset -q)
}

timed() { # scenario prepare runner...
    local scenario=$1 prep=$2 runner
    shift 2
    local -a args=()
    for runner in "$@"; do args+=(-n "$runner" "${CMD[$scenario/$runner]}"); done
    (cd "$corpus" && hyperfine -N -i --output=pipe \
        --warmup "$WARMUP" --runs "$RUNS" --prepare "$prep" \
        --export-json "$RESULTS/$scenario.json" \
        --export-markdown "$RESULTS/$scenario.md" \
        "${args[@]}")
    (cd "$corpus" && git checkout -q -- . && git reset -q)
}

all_runners=()
staged_runners=()
for r in "${RUNNERS[@]}"; do
    all_runners+=("$r")
    [[ $r == rg ]] || staged_runners+=("$r")
done

load_before=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')
note "sanity runs"
sanity all "$PREP_ALL" "$expected_all" "${all_runners[@]}"
sanity staged "$PREP_STAGED" "" "${staged_runners[@]}"

note "timing: all files, check-only (${#CHECKS[@]} checks, $WARMUP warm-up + $RUNS runs each)"
timed all "$PREP_ALL" "${all_runners[@]}"
note "timing: $STAGED_COUNT staged files"
timed staged "$PREP_STAGED" "${staged_runners[@]}"
load_after=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')

# --- summary ------------------------------------------------------------------------------
header=$(
    echo "ward built-ins benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, load average $load_before before / $load_after after"
    echo "corpus: $corpus_desc"
    echo "checks (${#CHECKS[@]}): ${CHECKS[*]}"
    echo "versions: $versions"
    echo "staged: ${staged[*]}"
    echo "runs: $WARMUP warm-up + $RUNS timed per command; medians, ratios within one hyperfine run"
)
set +e
summary=$(python3 - "$RESULTS/all.json" "$RESULTS/staged.json" <<'EOF'
import json, sys

TARGETS = {("all", "prek"): 0.5, ("all", "rg"): 1.3, ("staged", "prek"): 1 / 3}
TITLES = {"all": "all files, check-only (ward run --all --check)",
          "staged": "5 staged files (ward run)"}
miss = 0
for scenario, path in zip(("all", "staged"), sys.argv[1:]):
    results = {r["command"]: r for r in json.load(open(path))["results"]}
    ward = results["ward"]["median"]
    print("\n%s" % TITLES[scenario])
    print("  %-11s %10s %8s %9s %7s  %s" % ("runner", "median", "±stddev", "ward/x", "target", ""))
    for name, r in results.items():
        med, sd = r["median"], r.get("stddev") or 0.0
        if name == "ward":
            print("  %-11s %9.3fs %7.3fs" % (name, med, sd))
            continue
        ratio = ward / med
        target = TARGETS.get((scenario, name))
        if target is None:
            verdict, tgt = "", "-"
        else:
            ok = ratio <= target
            miss += not ok
            verdict, tgt = ("PASS" if ok else "MISS"), "<=%.2f" % target
        print("  %-11s %9.3fs %7.3fs %9.3f %7s  %s" % (name, med, sd, ratio, tgt, verdict))
sys.exit(1 if miss else 0)
EOF
)
misses=$?
set -e
{
    echo "$header"
    echo "$summary"
    for w in "${warnings[@]}"; do echo "WARNING: $w"; done
} | tee "$RESULTS/summary.txt"
note "tables: $RESULTS/all.md, $RESULTS/staged.md; raw timings: *.json; sanity-run logs: *.log"
if [[ -n ${BENCH_STRICT:-} ]] && ((misses != 0 || ${#warnings[@]} != 0)); then
    exit 1
fi
