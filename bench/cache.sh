#!/usr/bin/env bash
# The result cache, commit latency and peak memory, side by side in one run:
#   - `ward run --all --check` cold (empty cache), warm (nothing changed), after editing 10 files;
#     prek's builtin hooks over all files; one rg pass over the corpus; `git status -uno`;
#   - a commit of 5 staged files: `ward run --stage pre-commit`, `prek run`, `git diff --cached --raw`;
#   - peak memory (/usr/bin/time -v) of ward cold and warm, prek and pre-commit over all files.
#
#   bench/cache.sh                     # build ward (release), make the corpus, print medians and ratios
#   WARD=/path/to/ward bench/cache.sh  # time this binary
#
# Environment: WARD, BENCH_FILES [13000], BENCH_RUNS [10], BENCH_WARMUP [2],
# BENCH_PRECOMMIT=0 to leave pre-commit out of the memory table (it takes a minute),
# BENCH_KEEP=1 to keep the temporary directory. prek, pre-commit and pre-commit-hooks are taken
# from PATH (pip install prek pre-commit pre-commit-hooks).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
FILES=${BENCH_FILES:-13000}
RUNS=${BENCH_RUNS:-10}
WARMUP=${BENCH_WARMUP:-2}

die() { printf 'cache.sh: error: %s\n' "$*" >&2; exit 2; }
note() { printf '==> %s\n' "$*" >&2; }
for tool in hyperfine rg git python3 prek /usr/bin/time; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool not found (see bench/README.md)"
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ward-cache-bench.XXXXXX")
trap '[[ -n ${BENCH_KEEP:-} ]] && note "kept $tmp" || rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM HUP

if [[ -n ${WARD:-} ]]; then
    ward=$(realpath "$(command -v "$WARD")")
else
    note "building ward (cargo build --release)"
    (cd "$root" && cargo build --release --quiet)
    ward=$root/target/release/ward
fi

unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE SKIP WARD_CACHE_DIR
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null NO_COLOR=1 TERM=dumb
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.invalid
export GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.invalid
export PRE_COMMIT_HOME=$tmp/home/pre-commit PREK_HOME=$tmp/home/prek

corpus=$tmp/corpus
note "generating the corpus ($FILES files)"
python3 "$here/corpus.py" "$corpus" "$FILES" --manifest "$tmp/manifest.tsv" 2>"$tmp/corpus.log"
CHECKS=(trailing-whitespace end-of-file-fixer mixed-line-ending fix-byte-order-marker
    check-merge-conflict check-added-large-files detect-private-key check-case-conflict
    check-executables-have-shebangs check-shebang-scripts-are-executable check-json check-yaml check-xml)
{
    for c in "${CHECKS[@]}"; do printf '[checks.%s]\nbuiltin = "%s"\n' "$c" "$c"; done
} >"$corpus/checks.toml"
{
    echo '[[repos]]'
    echo 'repo = "builtin"'
    echo 'hooks = ['
    for c in "${CHECKS[@]}"; do echo "  { id = \"$c\" },"; done
    echo ']'
} >"$corpus/prek.toml"
{
    echo 'repos:'
    echo '  - repo: local'
    echo '    hooks:'
    for c in "${CHECKS[@]}"; do
        entry=$c
        [[ $c == trailing-whitespace ]] && entry=trailing-whitespace-fixer
        printf '      - {id: %s, name: %s, entry: %s, language: system, types: [text]}\n' "$c" "$c" "$entry"
    done
} >"$corpus/.pre-commit-config.yaml"
git -C "$corpus" init -q -b main
git -C "$corpus" add -A
git -C "$corpus" commit -q -m corpus
# The corpus has defects that fixers would fix: keep them, so every run sees the same tree.
bytes=$(du -sb --exclude=.git "$corpus" | cut -f1)

# 10 defect-free files edited before each run of the "after 10 edits" command, with new content
# every time (a counter), and 5 staged before each commit-sized run.
mapfile -t clean < <(awk -F'\t' '$1 == "clean" && $2 ~ /\.(php|md)$/ { print $2 }' "$tmp/manifest.tsv" | LC_ALL=C sort | head -15)
((${#clean[@]} == 15)) || die "the corpus has too few clean files"
printf '%s\n' "${clean[@]:0:10}" >"$tmp/edit10"
printf '%s\n' "${clean[@]:10:5}" >"$tmp/stage5"
cat >"$tmp/touch.sh" <<EOF
#!/bin/sh
# Appends a new line to each listed file; with --stage, stages them too.
n=\$(cat "$tmp/counter" 2>/dev/null || echo 0); n=\$((n + 1)); echo \$n >"$tmp/counter"
while read -r f; do printf '// edit %s\n' "\$n" >>"$corpus/\$f"; done <"\$1"
if [ "\${2:-}" = --stage ]; then xargs git -C "$corpus" add -- <"\$1"; fi
EOF
chmod +x "$tmp/touch.sh"

cd "$corpus"
hf() { hyperfine -N -i --runs "$RUNS" --warmup "$WARMUP" --style basic --export-json "$1" "${@:2}" >&2; }
# Medians in ms of wall time, and (`cpu`) the mean user + system time hyperfine reports: on a
# loaded machine the CPU time a command needs is steadier than how long it waited for a core.
median() { python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"]; print(" ".join("%.2f" % (sorted(x["times"])[len(x["times"])//2]*1000) for x in r))' "$1"; }
cpu() { python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"]; print(" ".join("%.2f" % ((x["user"] + x["system"]) * 1000) for x in r))' "$1"; }

note "timing: cold, warm, after 10 edits, prek, rg"
hf "$tmp/all.json" \
    --prepare "$ward cache clean" -n cold "$ward run --all --check" \
    --prepare "true" -n warm "$ward run --all --check" \
    --prepare "$tmp/touch.sh $tmp/edit10" -n edited "$ward run --all --check" \
    --prepare "git -C $corpus checkout -q -- ." -n prek "prek run --all-files" \
    --prepare "true" -n rg "rg -c --no-ignore --hidden -g !.git [[:space:]]\$ ." \
    --prepare "true" -n git-status "git status --untracked-files=no"
read -r cold warm edited prek rgpass status < <(median "$tmp/all.json")
read -r ucold uwarm uedited uprek urg ustatus < <(cpu "$tmp/all.json")
git -C "$corpus" checkout -q -- .

note "timing: a commit of 5 staged files"
hf "$tmp/commit.json" \
    --prepare "$tmp/touch.sh $tmp/stage5 --stage" -n ward "$ward run --stage pre-commit" \
    --prepare "$tmp/touch.sh $tmp/stage5 --stage" -n prek "prek run" \
    --prepare "$tmp/touch.sh $tmp/stage5 --stage" -n diff "git diff --cached --raw"
read -r c_ward c_prek c_diff < <(median "$tmp/commit.json")
read -r uc_ward uc_prek uc_diff < <(cpu "$tmp/commit.json")
git -C "$corpus" reset -q --hard

note "peak memory"
rss() { { /usr/bin/time -v "$@" 2>&1 >/dev/null || true; } | awk -F': ' '/Maximum resident/ { printf "%.1f", $2 / 1024 }'; }
"$ward" cache clean >/dev/null
m_cold=$(rss "$ward" run --all --check)
m_warm=$(rss "$ward" run --all --check)
m_nocache=$(rss "$ward" run --all --check --no-cache)
m_prek=$(rss prek run --all-files); git -C "$corpus" checkout -q -- .
m_pc=skipped
if [[ ${BENCH_PRECOMMIT:-1} != 0 ]] && command -v pre-commit >/dev/null; then
    m_pc=$(rss pre-commit run --all-files); git -C "$corpus" checkout -q -- .
fi

ratio() { python3 -c "import sys; print('%.2f' % (float(sys.argv[1]) / float(sys.argv[2])))" "$1" "$2"; }
cat <<EOF

corpus: $FILES files, $((bytes / 1024 / 1024)) MB; $(nproc) cores; medians of $RUNS runs, wall time (mean CPU time: user + system)
ward run --all --check   cold ${cold} (${ucold}) ms   warm ${warm} (${uwarm}) ms   after 10 edits ${edited} (${uedited}) ms
prek run --all-files     ${prek} (${uprek}) ms
rg, one pass             ${rgpass} (${urg}) ms
git status -uno          ${status} (${ustatus}) ms   (a stat of every file: the floor of a warm run)
  warm / cold            $(ratio "$warm" "$cold") ($(ratio "$uwarm" "$ucold"))   (target <= 0.20)
  warm / rg              $(ratio "$warm" "$rgpass") ($(ratio "$uwarm" "$urg"))   (target <= 0.20)
  10 edits / warm        $(ratio "$edited" "$warm") ($(ratio "$uedited" "$uwarm"))   (target <= 2)
  warm / prek            $(ratio "$warm" "$prek") ($(ratio "$uwarm" "$uprek"))
commit of 5 staged files ward ${c_ward} (${uc_ward}) ms   prek ${c_prek} (${uc_prek}) ms   git diff --cached --raw ${c_diff} (${uc_diff}) ms
  ward / prek            $(ratio "$c_ward" "$c_prek") ($(ratio "$uc_ward" "$uc_prek"))   (target <= 0.33)
  ward / git diff        $(ratio "$c_ward" "$c_diff") ($(ratio "$uc_ward" "$uc_diff"))   (target <= 3)
peak memory (MB)         ward cold ${m_cold}   warm ${m_warm}   --no-cache ${m_nocache}   prek ${m_prek}   pre-commit ${m_pc}
EOF
