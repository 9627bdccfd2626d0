# Sourced by the benches/*.sh scripts (from the repository root): where things are, and how a
# time is taken and summarised.
CACHE="${PYFORGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pyforge}"
PYFORGE="$PWD/target/debug/pyforge"
[ -x "$PYFORGE" ] || { echo "error: run scripts/build.sh first ($PYFORGE is missing)" >&2; exit 1; }
now() { date +%s%N; }
ms() { echo "scale=1; ($2 - $1) / 1000000" | bc; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
