#!/usr/bin/env bash
# The cost of safe staged mode: `ward run --stage pre-commit` against `prek run` and
# `pre-commit run` on a repository with 5 staged files, 2 of them partially staged (so every tool
# has to set unstaged changes aside and put them back), and on the same files fully staged.
#
# Usage: bench/staged-safety.sh            (WARD=path/to/ward to skip the release build)
# Needs: git, hyperfine, prek, pre-commit, and pre-commit-hooks (trailing-whitespace-fixer).
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
runs=${RUNS:-30}

if [ -z "${WARD:-}" ]; then
    (cd "$here" && cargo build --release --locked --quiet)
    WARD="${CARGO_TARGET_DIR:-$here/target}/release/ward"
fi
for tool in git hyperfine prek pre-commit trailing-whitespace-fixer python3; do
    command -v "$tool" >/dev/null || { echo "staged-safety: $tool is not installed" >&2; exit 2; }
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
repo="$work/repo"
mkdir -p "$repo" "$work/home"
# A hermetic git: no user or system configuration, no hooks, fixed identity.
export HOME="$work/home" GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL="$work/home/.gitconfig"
export PRE_COMMIT_HOME="$work/pre-commit-cache" PREK_HOME="$work/prek-cache"
git config --global user.name bench
git config --global user.email bench@example.com
git config --global init.defaultBranch main
cd "$repo"
git init -q

# Equivalent configurations: one trailing-whitespace fixer on every file.
cat > checks.toml <<'EOF'
[checks.trailing-whitespace]
builtin = "trailing-whitespace"
EOF
cat > .pre-commit-config.yaml <<'EOF'
repos:
  - repo: local
    hooks:
      - id: trailing-whitespace
        name: trailing-whitespace (pre-commit-hooks)
        entry: trailing-whitespace-fixer
        language: system
        types: [text]
EOF
cat > prek.toml <<'EOF'
[[repos]]
repo = "builtin"
hooks = [{ id = "trailing-whitespace" }]
EOF

# Ten source files of 400 lines; five get a staged change, two of those an unstaged one too.
line() { printf 'value_%s_%s = compute(%s, "%s")\n' "$1" "$2" "$2" "$1"; }
for f in 0 1 2 3 4 5 6 7 8 9; do
    for i in $(seq 1 400); do line "$f" "$i"; done > "src$f.py"
done
git add -A
git commit -qm base
git tag base

# Puts the repository back into the measured state: run before every timed command.
cat > "$work/prepare.sh" <<'EOF'
#!/usr/bin/env bash
set -e
cd "$1"
git reset -q --hard base
for f in 0 1 2 3 4; do sed -i "10s/.*/staged_change_$f = 1/" "src$f.py"; done
git add src0.py src1.py src2.py src3.py src4.py
if [ "$2" = partial ]; then
    for f in 0 1; do sed -i "390s/.*/unstaged_change_$f = 2/" "src$f.py"; done
fi
EOF
chmod +x "$work/prepare.sh"

# Each tool once outside the clock: caches, environments, and a check that all three pass.
for state in partial full; do
    "$work/prepare.sh" "$repo" "$state"
    "$WARD" run --stage pre-commit -q >/dev/null 2>&1
    prek run -c prek.toml -q >/dev/null 2>&1
    pre-commit run >/dev/null 2>&1
done

for state in full partial; do
    echo
    case $state in
        full) echo "== 5 staged files, none partially staged (nothing to set aside)" ;;
        partial) echo "== 5 staged files, 2 of them partially staged" ;;
    esac
    hyperfine --runs "$runs" --warmup 2 --style basic \
        --prepare "$work/prepare.sh $repo $state" \
        --export-json "$work/$state.json" \
        -n ward "$WARD run --stage pre-commit -q" \
        -n prek "prek run -c prek.toml -q" \
        -n pre-commit "pre-commit run" >/dev/null
    python3 - "$work/$state.json" <<'EOF'
import json, sys
results = json.load(open(sys.argv[1]))["results"]
ward = next(r["median"] for r in results if r["command"] == "ward")
print(f"{'tool':<12}{'median':>12}{'vs ward':>10}")
for r in results:
    print(f"{r['command']:<12}{r['median'] * 1000:>10.1f}ms{r['median'] / ward:>9.1f}x")
EOF
done

# Safety is not traded for speed: after all those runs the unstaged changes are still there.
"$work/prepare.sh" "$repo" partial
"$WARD" run --stage pre-commit -q >/dev/null
git diff --quiet -- src0.py && { echo "staged-safety: ward lost an unstaged change" >&2; exit 1; }
echo
echo "ward kept every unstaged change"
