#!/usr/bin/env bash
# Measures issue 2's speed figures on this machine. Run from the repository root.
set -euo pipefail
DATA=data/epoch_chinchilla/chinchilla_fig4_points.csv
dotnet build -c Release src/T2.Cli >/dev/null
T2="dotnet src/T2.Cli/bin/Release/net10.0/t2.dll"
# The NativeAOT binary (tools/publish-native.sh; "native": this machine's instruction set), built once.
NATIVE=out/native-bench/t2
[ -x "$NATIVE" ] || bash tools/publish-native.sh out/native-bench native >/dev/null
FIT="fit loss --data $DATA --where used_in_epoch_fit=1 --json"
echo "== end to end, start-up included: JIT build and NativeAOT binary (hyperfine, 10 runs each) =="
if command -v hyperfine >/dev/null; then
  hyperfine -w 2 -r 10 "$T2 $FIT" "$NATIVE $FIT"
else
  for b in "$T2" "$NATIVE"; do for i in 1 2 3 4 5; do /usr/bin/time -f "$b %e s" $b $FIT >/dev/null; done; done
fi
echo "== in-process: full fit and 1,000 bootstrap fits =="
$T2 bench fit --data $DATA --where used_in_epoch_fit=1 --bootstrap 1000
if /usr/bin/python3 -c "import scipy" 2>/dev/null; then
  echo "== scipy reference =="
  /usr/bin/python3 bench/scipy_epoch_grid.py $DATA both
  echo "== end to end again, after scipy (the machine drifts: the ratio uses the figures either side) =="
  if command -v hyperfine >/dev/null; then hyperfine -w 2 -r 10 "$T2 $FIT" "$NATIVE $FIT"; fi
fi
