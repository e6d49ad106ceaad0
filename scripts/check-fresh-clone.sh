#!/usr/bin/env bash
# Fresh-clone check (run by .ci/run): clones the current commit into a temporary directory and
# runs the README's main command exactly as the README writes it (the first line of its first
# ```sh block, read from the clone), then checks the exit code, the accuracy line, and that npx's
# cache gained no second copy of convkit. Then the issue-7 scenario: `git clean -xfd` in the same
# clone and the same command again with no C++ compiler (CXX=/bin/false), which must fall back to
# the WASM backend and still train.
#   scripts/check-fresh-clone.sh [min-accuracy-percent]      (default 97)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
min_acc="${1:-97}"
commit="$(git -C "$repo" rev-parse HEAD)"
work="$(mktemp -d "${TMPDIR:-/tmp}/convkit-fresh-clone.XXXXXX")"
trap 'rm -rf "$work"' EXIT
clone="$work/convkit"

git clone --quiet --no-checkout "$repo" "$clone"
git -C "$clone" checkout --quiet "$commit"
cmd="$(awk '/^```sh$/ { getline; print; exit }' "$clone/README.md" | sed -E 's/[[:space:]]+#.*$//')"
if [[ -z "$cmd" ]]; then echo "check-fresh-clone: no \`\`\`sh block in README.md" >&2; exit 1; fi
echo "check-fresh-clone: commit ${commit:0:12}, README's main command: $cmd"

# as .ci/run: native headers from the system Node (node-gyp would download them); a warm npm cache
node_bin="$(command -v node)"
export npm_config_nodedir="${npm_config_nodedir:-$(dirname "$(dirname "$node_bin")")}"
export npm_config_prefer_offline=true npm_config_audit=false npm_config_fund=false
npx_cache="$(npm config get cache)/_npx"
npx_before="$(ls "$npx_cache" 2>/dev/null | sort || true)"

# run_main LABEL [ENV=VALUE...]: the README's command in the clone; checks exit code and accuracy
run_main() {
  local label="$1"; shift
  local log="$work/$label.log" start=$SECONDS rc=0
  (cd "$clone" && env "$@" bash -c "$cmd") >"$log" 2>&1 || rc=$?
  if [[ $rc -ne 0 ]]; then
    tail -n 25 "$log" >&2
    echo "check-fresh-clone: $label: the README's main command exited $rc" >&2; exit 1
  fi
  local acc
  acc="$(sed -nE 's/^done: test accuracy ([0-9]+\.[0-9]+)%; weights saved to lenet5-mnist\.safetensors$/\1/p' "$log" | tail -n 1)"
  if [[ -z "$acc" ]]; then
    tail -n 25 "$log" >&2
    echo "check-fresh-clone: $label: no 'done: test accuracy N%; weights saved to lenet5-mnist.safetensors' line" >&2; exit 1
  fi
  if ! awk -v a="$acc" -v m="$min_acc" 'BEGIN { exit !(a >= m) }'; then
    echo "check-fresh-clone: $label: test accuracy $acc% is below $min_acc%" >&2; exit 1
  fi
  [[ -f "$clone/lenet5-mnist.safetensors" ]] || { echo "check-fresh-clone: $label: lenet5-mnist.safetensors was not written" >&2; exit 1; }
  echo "check-fresh-clone: $label: ok, test accuracy $acc% ($((SECONDS - start)) s)"
}

# backend_in_use: the backend `convkit info` reports in the clone
backend_in_use() {
  (cd "$clone" && node dist/cli/main.js info --json) | node -e 'let s = ""; process.stdin.on("data", (d) => { s += d; }).on("end", () => console.log(JSON.parse(s).chosen));'
}

run_main fresh-clone
echo "check-fresh-clone: backend: $(backend_in_use)"

git -C "$clone" clean -xfdq
run_main "clean-no-compiler" CXX=/bin/false
backend="$(backend_in_use)"
if [[ "$backend" == "native" ]]; then
  echo "check-fresh-clone: clean-no-compiler: the native addon is in use although CXX=/bin/false (built some other way?)" >&2; exit 1
fi
echo "check-fresh-clone: clean-no-compiler: backend $backend"

npx_after="$(ls "$npx_cache" 2>/dev/null | sort || true)"
new_npx="$(comm -13 <(echo "$npx_before") <(echo "$npx_after"))"
for d in $new_npx; do
  if [[ -e "$npx_cache/$d/node_modules/convkit" ]]; then
    echo "check-fresh-clone: the README's command installed convkit again into npx's cache ($npx_cache/$d)" >&2; exit 1
  fi
done
echo "check-fresh-clone: passed (no second install into npx's cache)"
