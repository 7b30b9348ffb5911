#!/usr/bin/env bash
# Mutation testing of the model with cargo-mutants (`cargo install cargo-mutants --locked`).
# Not part of CI. Pass files to narrow it, e.g.
#   scripts/mutants.sh model/src/invariants.rs model/src/kernel.rs
# and, to test a list of mutants by name (one `cargo mutants --list` name a line, as
# scripts/mutants-fs-sample.txt holds them), MUTANTS_NAMES=FILE; MUTANTS_SHUFFLE=1 runs them in
# random order (so that a run stopped early has tested a random part of the list).
#
# The tests are the semantic ones only, linked into one binary (tests/mutants_semantic.rs:
# errors, fs_ablation, fs_mutants, invariants, new, old, partial_page, profiles) and run
# without the golden-file tests (`--skip golden`): a mutant that only a golden file notices is
# one a bless would accept, so it counts as a survivor. They are built with the `mutants`
# profile (release code, incremental, 256 codegen units), so that a mutant rebuilds what it
# touched and links one test binary and the mkwrite binary: a median of 14 s a mutant on 2
# cores instead of about 150 s with the release profile and nine test binaries
# (docs/mutation.md has the measurements).
set -euo pipefail
cd "$(dirname "$0")/.."
files=()
for f in "$@"; do files+=(--file "$f"); done
names=()
if [[ -n "${MUTANTS_NAMES:-}" ]]; then
  while IFS= read -r n; do
    [[ -z "$n" ]] && continue
    names+=(--re "^$(printf '%s' "$n" | sed 's/[][\.|$(){}?+*^]/\\&/g')\$")
  done <"$MUTANTS_NAMES"
fi
# cargo-mutants 27 runs its baseline against the mutated package's own tests only, which are
# not where this workspace's tests live; so the baseline runs here, and cargo-mutants skips it.
cargo test --profile mutants -p checks --test mutants_semantic -q -- --skip golden
exec cargo mutants -p mkwrite-model --test-package checks --profile mutants --baseline skip \
  --timeout 120 --build-timeout 900 -o target/mutants ${MUTANTS_SHUFFLE:+--shuffle} \
  "${files[@]}" "${names[@]}" \
  --cargo-test-arg=--test=mutants_semantic -- -- --skip golden
