#!/bin/sh
# Compare the checker's speed at two revisions on one configuration: builds both (release),
# runs `mkwrite bench-one` on each in turn RUNS times (alternating, so that a noisy moment
# hurts both), and prints each side's median seconds, the state counts (which must be equal)
# and the ratio new/old.
#
#   scripts/bench-compare.sh OLD_REV [NEW_REV] [-- bench-one flags]
#
# NEW_REV defaults to the work tree as it is. RUNS (environment) defaults to 5. The default
# configuration is the largest of the seed's matrix:
#   --writers 3 --writeback 2 --truncate 1 --pte none --page dirty
set -eu
old=${1:?usage: scripts/bench-compare.sh OLD_REV [NEW_REV] [-- bench-one flags]}
shift
new=
if [ $# -gt 0 ] && [ "$1" != "--" ]; then
    new=$1
    shift
fi
[ $# -gt 0 ] && [ "$1" = "--" ] && shift
[ $# -eq 0 ] && set -- --writers 3 --writeback 2 --truncate 1 --pte none --page dirty
runs=${RUNS:-5}
top=$(git rev-parse --show-toplevel)
tmp=$(mktemp -d)
trap 'git -C "$top" worktree remove --force "$tmp/old" >/dev/null 2>&1 || true;
      git -C "$top" worktree remove --force "$tmp/new" >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT

build() { # rev dir -> path of the binary
    git -C "$top" worktree add --detach "$2" "$1" >/dev/null 2>&1
    (cd "$2" && CARGO_TARGET_DIR="$top/target/bench-compare" cargo build --release -q -p checks)
    cp "$top/target/bench-compare/release/mkwrite" "$2.bin"
    echo "$2.bin"
}
a=$(build "$old" "$tmp/old")
if [ -n "$new" ]; then
    b=$(build "$new" "$tmp/new")
else
    (cd "$top" && cargo build --release -q -p checks)
    cp "$top/target/release/mkwrite" "$tmp/new.bin"
    b=$tmp/new.bin
fi
i=0
while [ $i -lt "$runs" ]; do
    "$a" bench-one "$@" 2>/dev/null | awk '{print "old", $1, $2}' >>"$tmp/runs"
    "$b" bench-one "$@" 2>/dev/null | awk '{print "new", $1, $2}' >>"$tmp/runs"
    i=$((i + 1))
done
median() { grep "^$1 " "$tmp/runs" | awk '{print $3}' | sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
states() { grep "^$1 " "$tmp/runs" | awk '{print $2}' | sort -u | tr '\n' ' '; }
mo=$(median old)
mn=$(median new)
echo "old $old: states $(states old)median ${mo}s over $runs runs"
echo "new ${new:-work tree}: states $(states new)median ${mn}s over $runs runs"
awk -v o="$mo" -v n="$mn" 'BEGIN {printf "ratio new/old: %.3f\n", n / o}'
