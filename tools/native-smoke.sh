#!/usr/bin/env bash
# Smoke test of a published t2 binary (tools/publish-native.sh): every subsystem a NativeAOT build could break (JSON
# through the source-generated contexts, the Kestrel server, SkiaSharp's PNGs, YAML, training) run end to end, and the
# loss fit compared byte for byte with the JIT build's. Usage: bash tools/native-smoke.sh BINARY   (from the repo root,
# after `dotnet build -c Release`).
set -euo pipefail
T2="$(readlink -f "$1")"
JIT="dotnet src/T2.Cli/bin/Release/net10.0/t2.dll"
EPOCH=data/epoch_chinchilla/chinchilla_fig4_points.csv
W="$(mktemp -d)"; trap 'kill $SERVER 2>/dev/null || true; rm -rf "$W"' EXIT; SERVER=""
step() { echo "native-smoke: $*"; }

step "version: $("$T2" --version)"
step "fit loss: identical JSON to the JIT build"
"$T2" fit loss --data $EPOCH --where used_in_epoch_fit=1 --json > "$W/native.json"
$JIT fit loss --data $EPOCH --where used_in_epoch_fit=1 --json > "$W/jit.json"
cmp "$W/native.json" "$W/jit.json"
step "loss-law fit file → predict → plan"
"$T2" fit loss --data $EPOCH --where used_in_epoch_fit=1 --bootstrap 20 --out "$W/loss.json" > /dev/null
"$T2" predict --fit "$W/loss.json" --n 1e9 --d 2e10 --json | grep -q '"loss"'
"$T2" plan --fit "$W/loss.json" --c-train 1e21 --json | grep -q '"N'
step "demo on a small spec: ladder (with SFT), fits, plan, planned models, validation, report"
"$T2" demo --spec tools/smoke-spec.json --out "$W/demo" 2>/dev/null | tail -3
for f in evidence.csv evidence-sft.csv fit.json plan.json validation.json report.html; do test -s "$W/demo/$f"; done
grep -q '"rq1"' "$W/demo/validation.json"
step "fit t2 with plots, frontier PNG/SVG"
"$T2" fit t2 --data "$W/demo/evidence.csv" --where kind=isoflop --starts 200 --out "$W/f2.json" --plots "$W/plots" > /dev/null 2>&1
ls "$W"/plots/*.png > /dev/null
"$T2" frontier --fit "$W/demo/fit.json" --c-inf 1e5 --from 1e10 --to 1e14 --points 8 --out "$W/frontier" > /dev/null
head -c 8 "$(find "$W/frontier" -name '*.png' | head -1)" | od -An -c | grep -q 'P   N   G'
test -n "$(find "$W/frontier" -name '*.svg')"
step "testbed serve (Kestrel) → t2 eval against it"
CKPT="$(ls -d "$W"/demo/runs/*/checkpoint | head -1)"
"$T2" testbed tasks --checkpoint "$CKPT" --out "$W/tasks.jsonl" > /dev/null
"$T2" testbed serve --checkpoint "$CKPT" --port 0 --model m > "$W/serve.log" 2>&1 & SERVER=$!
for _ in $(seq 50); do grep -qo 'http://127.0.0.1:[0-9]*' "$W/serve.log" && break; sleep 0.2; done
URL="$(grep -o 'http://127.0.0.1:[0-9]*' "$W/serve.log" | head -1)"
"$T2" eval --endpoint "$URL" --model m --tasks "$W/tasks.jsonl" --checkpoint c --params 1000 --tokens 1e6 --out "$W/ev.jsonl" > /dev/null 2>&1
test "$(wc -l < "$W/ev.jsonl")" -ge 80
kill $SERVER; SERVER=""
step "import: Large Language Monkeys YAML"
printf 'id: p1\nsamples: [a, b, c]\nis_corrects: [true, false, true]\n' > "$W/m.yaml"
"$T2" import monkeys "$W/m.yaml" --checkpoint c --params 1e9 --tokens 1e10 --out "$W/m.csv" > /dev/null
grep -q 'p1' "$W/m.csv"
step "bad input: exit 2 and one line"
set +e; "$T2" plan --fit "$W/none.json" --c-train 1e20 --c-inf 1e5 2> "$W/err"; rc=$?; set -e
test $rc -eq 2 && test "$(wc -l < "$W/err")" -eq 1
step "all passed"
