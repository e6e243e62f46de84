#!/usr/bin/env bash
# Replays what a tired user does to training runs — Ctrl+C, kill -9, two runs into one folder, a stale lock, a
# half-written temp file — against the built CLI, plus `bert embed` memory against input size, and reports each
# case as PASS or FAIL. Exit status: the number of failed cases.
#   tests/fault/run.sh [path/to/TransformerSharp.Cli.dll]     (default: builds the CLI in Release)
set -uo pipefail
set -m    # job control: without it, bash starts background jobs ignoring SIGINT, and Ctrl+C could not be replayed
root="$(cd "$(dirname "$0")/../.." && pwd)"
cli="${1:-}"
if [ -z "$cli" ]; then
  dotnet build -c Release "$root/src/TransformerSharp.Cli" -v q -nologo >/dev/null || { echo "FAIL build"; exit 1; }
  cli="$root/src/TransformerSharp.Cli/bin/Release/net10.0/TransformerSharp.Cli.dll"
fi
work="$(mktemp -d /tmp/transformersharp-fault.XXXXXX)"
trap 'kill -9 $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT
failed=0 passed=0
pass() { echo "PASS $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1: $2"; failed=$((failed + 1)); }
# Runs the CLI as a terminal would: SIGINT at its default, even when this script was itself started in the background
# (which makes a shell ignore SIGINT in everything it starts, beyond the reach of `trap`, and .NET keeps ignoring it).
ts() { python3 -c 'import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execvp(sys.argv[1], sys.argv[1:])' dotnet "$cli" "$@"; }

# Waits (at most $2 seconds) until file $1 exists.
wait_file() { for _ in $(seq $(($2 * 10))); do [ -e "$1" ] && return 0; sleep 0.1; done; return 1; }

# Every path a run printed after "checkpoints:" or "resume with --resume" must exist.
printed_paths_exist() {
  tr -d '\n' < "$1" | grep -oE '(/[^ ,;]+\.(ckpt|png))' | sort -u | while read -r p; do [ -e "$p" ] || { echo "$p"; return 1; }; done
}

# ctrl_c NAME OUT ARGS...: start a training run, press Ctrl+C once its first checkpoint exists, expect exit 130, a
# last.ckpt and only existing paths printed; then resume with the same arguments and expect exit 0.
ctrl_c() {
  local name="$1" out="$2"; shift 2
  ts "$@" --out "$out" >"$work/$name.log" 2>&1 &
  local pid=$!
  if ! wait_file "$out/last.ckpt" 300; then kill -9 -- -$pid 2>/dev/null; fail "ctrl-c $name" "no checkpoint within 300 s ($(tail -1 "$work/$name.log"))"; return; fi
  local start=$SECONDS
  kill -INT -- -$pid; wait $pid; local rc=$?      # the job's process group, as a terminal's Ctrl+C
  local took=$((SECONDS - start))
  local missing
  if [ $rc -ne 130 ]; then fail "ctrl-c $name" "exit $rc, not 130 ($(tail -1 "$work/$name.log"))"
  elif [ $took -gt 30 ]; then fail "ctrl-c $name" "took $took s to stop"
  elif ! grep -q "resume with --resume\|interrupted" "$work/$name.log"; then fail "ctrl-c $name" "no word of the interruption"
  elif ! missing=$(printed_paths_exist "$work/$name.log"); then fail "ctrl-c $name" "printed $missing, which does not exist"
  elif ! ts "$@" --out "$out" --resume "$out/last.ckpt" >"$work/$name.resumed.log" 2>&1; then
    fail "ctrl-c $name" "resume failed: $(tail -1 "$work/$name.resumed.log")"
    echo "  the resumed run's log ends:"; tail -40 "$work/$name.resumed.log" | sed 's/^/    /'   # the whole stack of an unexpected exception
  else pass "ctrl-c $name (stopped in $took s, exit 130, resumed to the end)"
  fi
}

# Small data made here, so that the script needs nothing but the CLI.
python3 - "$work" <<'PY'
import json, os, random, sys
w = sys.argv[1]; random.seed(0)
words = "the cat sat on mat dog ran to park a bird sang".split()
sent = lambda: " ".join(random.choice(words) for _ in range(random.randint(4, 9)))
open(f"{w}/text.txt", "w").write(" ".join(sent() + "." for _ in range(3000)))
open(f"{w}/pairs.txt", "w").write("".join(f"{e}.\t{f} .\n" for e, f in ((sent(), sent()) for _ in range(700))))
os.makedirs(f"{w}/wiki"); open(f"{w}/wiki/wiki.train.tokens", "w").write("".join(f" {sent()} . {sent()} . {sent()} . \n" for _ in range(300)))
os.makedirs(f"{w}/nli"); line = lambda p, h, l: json.dumps({"premise": p, "hypothesis": h, "label": l}) + "\n"
pairs = [line("the cat sat on the mat .", "the cat sat ." if i % 2 else "the dog ran .", "entailment" if i % 2 else "contradiction") for i in range(400)]
open(f"{w}/nli/snli_1.0_dev.pairs.jsonl", "w").write("".join(pairs)); open(f"{w}/nli/multinli_1.0_dev_matched.pairs.jsonl", "w").write("".join(pairs[:40]))
os.makedirs(f"{w}/dialogsum")
def rec(i, split):
    d = {"fname": f"{split}_{i}", "dialogue": f"#Person1#: I want a {words[i % 12]}.\n#Person2#: It costs {i} dollars."}
    if split == "test": d.update(summary1=f"#Person1# buys a {words[i % 12]}.", summary2="A purchase.", summary3=f"It costs {i} dollars.")
    else: d["summary"] = f"#Person1# buys a {words[i % 12]} for {i} dollars."
    return json.dumps(d) + "\n"
for split, n in (("train", 200), ("dev", 20), ("test", 10)):
    open(f"{w}/dialogsum/dialogsum.{split}.jsonl", "w").write("".join(rec(i, split) for i in range(n)))
random.seed(1)
for n in (64, 2000):
    open(f"{w}/embed{n}.txt", "w").write("".join(sent().capitalize() + ".\n" for _ in range(n)))
PY

gpt=(gpt train --data "$work/text.txt" --layers 1 --heads 2 --width 32 --context 32 --batch-size 8 --eval-interval 20 --eval-batches 2 --seed 3)

# --- Ctrl+C in every training verb ------------------------------------------------------------------------------------
# Each run is long enough (5–30 s) for Ctrl+C to land in the middle, after its first checkpoint (waited for up to 300 s:
# on a loaded machine the ViT's first epoch took over 120).
ctrl_c translate "$work/translate" translate train --data "$work/pairs.txt" --epochs 20 --batch-size 32
ctrl_c gpt "$work/gpt" "${gpt[@]}" --iterations 4000
ctrl_c gpt-fewshot "$work/fewshot" gpt fewshot --iterations 1000 --trials 20
ctrl_c bert-pretrain "$work/bert" bert pretrain --data "$work/wiki" --steps 30
ts bert pretrain --data "$work/wiki" --steps 10 --out "$work/bert-init" >/dev/null 2>&1
ctrl_c bert-finetune-nli "$work/nli-run" bert finetune-nli --init "$work/bert-init/best.ckpt" --data "$work/nli" --epochs 80
ctrl_c t5-pretrain "$work/t5-pre" t5 pretrain --preset tiny --data "$work/dialogsum" --iterations 3000
ctrl_c t5-finetune "$work/t5-ft" t5 finetune --preset tiny --init none --data "$work/dialogsum" --iterations 3000
fashion="${TRANSFORMERSHARP_FASHION_MNIST:-/usr/share/datasets/fashion-mnist}"
if [ -d "$fashion" ]; then ctrl_c vit "$work/vit" vit train --preset tiny --data "$fashion" --epochs 2
else echo "SKIP ctrl-c vit: no Fashion-MNIST at $fashion (apt install dataset-fashion-mnist)"; fi

# --- kill -9, then resume: the same figures as a run never killed; the stale lock and temp file are cleaned up ------
ts "${gpt[@]}" --iterations 3000 --out "$work/straight" >"$work/straight.log" 2>&1
ts "${gpt[@]}" --iterations 3000 --out "$work/killed" >"$work/killed.log" 2>&1 &
pid=$!
if wait_file "$work/killed/last.ckpt" 120; then
  sleep 1; owner=$(cut -d' ' -f1 "$work/killed/run.lock"); kill -9 -- -$pid; wait $pid 2>/dev/null; killed=$?
  [ -e "$work/killed/last.ckpt.tmp" ] || echo "half-written" >"$work/killed/last.ckpt.tmp"    # as a kill mid-write leaves
  ts "${gpt[@]}" --iterations 3000 --out "$work/killed" --resume "$work/killed/last.ckpt" >"$work/resumed.log" 2>&1; rc=$?
  final() { grep -o "final: train loss [0-9.]*, val loss [0-9.]*" "$1"; }
  if [ $killed -ne 137 ]; then fail "kill -9 then --resume" "the run ended (exit $killed) before it was killed"
  elif [ $rc -ne 0 ]; then fail "kill -9 then --resume" "exit $rc: $(tail -1 "$work/resumed.log")"
  elif [ -z "$(final "$work/straight.log")" ] || [ "$(final "$work/straight.log")" != "$(final "$work/resumed.log")" ]; then
    fail "kill -9 then --resume" "'$(final "$work/resumed.log")' against the straight run's '$(final "$work/straight.log")'"
  else pass "kill -9 then --resume ($(final "$work/resumed.log"), as the run never killed)"; fi
  if tr -d '\n' < "$work/resumed.log" | grep -q "took over the lock of process $owner"; then pass "stale lock of the killed process $owner taken over with a note"
  else fail "stale lock" "no note about process $owner's lock"; fi
  if [ ! -e "$work/killed/last.ckpt.tmp" ] && grep -q "removed .*last.ckpt.tmp" "$work/resumed.log"; then pass "half-written last.ckpt.tmp removed with a note"
  else fail "leftover temp file" "last.ckpt.tmp still there, or removed silently"; fi
else kill -9 -- -$pid 2>/dev/null; fail "kill -9 then --resume" "no checkpoint within 120 s"; fi

# --- two runs, one folder: the second stops at once, naming the first ----------------------------------------------
ts "${gpt[@]}" --iterations 100000 --out "$work/shared" >"$work/first.log" 2>&1 &
job=$!
if wait_file "$work/shared/run.lock" 60; then
  sleep 0.5; first=$(cut -d' ' -f1 "$work/shared/run.lock")
  start=$SECONDS
  ts "${gpt[@]}" --iterations 10 --out "$work/shared" >"$work/second.log" 2>&1; rc=$?
  if [ $rc -eq 1 ] && grep -q "in use by another run (process $first" "$work/second.log" && [ $((SECONDS - start)) -lt 30 ]; then
    pass "second run into a busy folder refused in $((SECONDS - start)) s, naming process $first"
  else fail "two runs, one folder" "exit $rc: $(tail -1 "$work/second.log")"; fi
  kill -INT -- -$job; wait $job
else fail "two runs, one folder" "the first run never took the lock"; fi

# --- bert embed: peak memory flat in the number of lines ---------------------------------------------------------------
if [ -x /usr/bin/time ]; then
  rss() { /usr/bin/time -f "%M" dotnet "$cli" bert embed --input "$1" --output "$work/out.jsonl" 2>&1 >/dev/null | tail -1; }
  small=$(rss "$work/embed64.txt"); large=$(rss "$work/embed2000.txt")
  if [ -n "$small" ] && [ -n "$large" ] && [ "$large" -lt $((small * 5 / 4)) ]; then pass "bert embed peak memory: $((small / 1024)) MB for 64 lines, $((large / 1024)) MB for 2,000"
  else fail "bert embed memory" "$small KB for 64 lines, $large KB for 2,000"; fi
else echo "SKIP bert embed memory: /usr/bin/time is absent (apt install time)"; fi

echo "$passed passed, $failed failed"
exit $failed
