#!/usr/bin/env bash
# What checking a commit message costs in a large repository: ward's message built-ins
# (conventional-commit, commit-message, ticket-reference) in the commit-msg hook, against
# pre-commit and prek running an equivalent `language: pygrep` commit-msg hook, with one git
# process and rg on the message as floors. The promise: under 10 ms, whatever the number of
# files (a message check must never list them). Printed per command: median and fastest wall
# time, and mean CPU time (child processes included), which a busy machine disturbs less.
#
#   bench/messages.sh                      # build ward, make the repository, time, print ratios
#   WARD=/path/to/ward bench/messages.sh   # use this binary instead of building
#
# Environment (all optional):
#   WARD               ward binary [default: cargo build --release at the repository root]
#   BENCH_FILES        files in the repository [10000]
#   BENCH_RUNS         timed runs per command [30]
#   BENCH_WARMUP       warm-up runs per command [3]
#   BENCH_RUNNERS      which to time, space-separated [ward pre-commit prek git rg]; pre-commit
#                      and prek are taken from PATH and left out when missing
#   BENCH_STRICT=1     exit 1 when ward's median is 10 ms or more
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
files=${BENCH_FILES:-10000}
runs=${BENCH_RUNS:-30}
warmup=${BENCH_WARMUP:-3}
runners=${BENCH_RUNNERS:-ward pre-commit prek git rg}

if [ -z "${WARD:-}" ]; then
    (cd "$root" && cargo build --release --locked --quiet)
    WARD=$root/target/release/ward
fi
command -v hyperfine >/dev/null || { echo "bench/messages.sh needs hyperfine" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
repo=$work/repo
mkdir -p "$repo"
cd "$repo"
git init -q -b main
git config user.email bench@example.com
git config user.name bench
python3 - "$files" <<'PY'
import os, sys
count = int(sys.argv[1])
for i in range(count):
    d = f"src/Module{i % 100}/Sub{(i // 100) % 10}"
    os.makedirs(d, exist_ok=True)
    with open(f"{d}/File{i}.php", "w") as f:
        f.write(f"<?php\n\nfinal class File{i}\n{{\n}}\n")
PY
cat > checks.toml <<'TOML'
[checks.conventional]
builtin = "conventional-commit"

[checks.message]
builtin = "commit-message"
body_max = 72

[checks.ticket]
builtin = "ticket-reference"
template = "{subject} ({ticket})"
TOML
regex='^(build|chore|ci|docs|feat|fix|perf|refactor|revert|style|test)(\([^()]*\))?!?: \S'
cat > .pre-commit-config.yaml <<YAML
repos:
  - repo: local
    hooks:
      - id: conventional
        name: conventional
        language: pygrep
        entry: '$regex'
        args: [--negate]
        stages: [commit-msg]
YAML
git add -A
git commit -q -m "chore: $files files"
git checkout -q -b feat/oxp-1087-update-nafo-on-fulfillment
printf 'fix: update nafo on fulfillment (OXP-1087)\n\nThe body says why.\n' > "$work/MSG"
"$WARD" install --hook commit-msg >/dev/null
.git/hooks/commit-msg "$work/MSG" >/dev/null || { echo "ward refused the benchmark message" >&2; exit 2; }

cmds=()
names=()
for runner in $runners; do
    case $runner in
        # The installed hook script, exactly as git runs it.
        ward) names+=(ward); cmds+=(".git/hooks/commit-msg $work/MSG") ;;
        pre-commit|prek)
            if command -v "$runner" >/dev/null; then
                names+=("$runner")
                cmds+=("$runner run --hook-stage commit-msg --commit-msg-filename $work/MSG")
            else
                echo "($runner not on PATH: left out)" >&2
            fi ;;
        git) names+=(git); cmds+=("git symbolic-ref --quiet HEAD") ;;
        rg) names+=(rg); cmds+=("rg -q --no-config -e '$regex' $work/MSG") ;;
    esac
done
args=()
for i in "${!cmds[@]}"; do
    args+=(--command-name "${names[$i]}" "${cmds[$i]}")
done
hyperfine --shell=none --warmup "$warmup" --runs "$runs" --export-json "$work/times.json" "${args[@]}" >&2

python3 - "$work/times.json" "$files" "${BENCH_STRICT:-0}" <<'PY'
import json, sys
results = json.load(open(sys.argv[1]))["results"]
median = {r["command"]: r["median"] * 1000 for r in results}
fastest = {r["command"]: r["min"] * 1000 for r in results}
# CPU time (user + system, child processes included) says less about the machine's load.
cpu = {r["command"]: (r["user"] + r["system"]) * 1000 for r in results}
ward = median.get("ward")
print(f"\nchecking one commit message in a repository of {sys.argv[2]} files")
print(f"{'command':<12}{'median ms':>10}{'min ms':>8}{'cpu ms':>8}{'ward / this':>13}")
for name, ms in median.items():
    ratio = f"{ward / ms:.2f}" if ward else "-"
    print(f"{name:<12}{ms:>10.1f}{fastest[name]:>8.1f}{cpu[name]:>8.1f}{ratio:>13}")
if ward is not None and sys.argv[3] == "1" and ward >= 10:
    print(f"ward took {ward:.1f} ms, over the 10 ms target", file=sys.stderr)
    sys.exit(1)
PY
