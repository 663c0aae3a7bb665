# Probe: do mean-pooled intermediate layers of MiniLM separate near-misses from evidence better
# than the final sentence vector? Embeds every gold and near-miss quote of the sample packs.
#   python benchmarks/probes/layer_embed.py OUT.npz   (then layer_auc.py OUT.npz)
import glob
import json
import os
import sys
import time

import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def main():
    os.environ["HF_HUB_OFFLINE"] = "1"  # before transformers is imported
    sys.path.insert(0, ROOT)
    import torch
    from transformers import AutoModel, AutoTokenizer

    from triage.embed.minilm import _model_dir

    md = _model_dir()
    tok = AutoTokenizer.from_pretrained(md)
    model = AutoModel.from_pretrained(md).eval()
    torch.set_num_threads(2)
    texts, kind, codes, pack = [], [], [], []
    for p in sorted(glob.glob(os.path.join(ROOT, "sample_evidence", "*", "gold.jsonl"))):
        d = os.path.dirname(p)
        name = os.path.basename(d)
        for line in open(p):
            if line.strip():
                q = json.loads(line)
                texts.append(q["quote"])
                kind.append(q.get("strength", "strong"))
                codes.append(q["codes"])
                pack.append(name)
        nm = os.path.join(d, "near_misses.jsonl")
        if os.path.exists(nm):
            for line in open(nm):
                if line.strip():
                    q = json.loads(line)
                    texts.append(q["quote"])
                    kind.append("near")
                    codes.append(q["codes"])
                    pack.append(name)
    print(len(texts), flush=True)
    order = np.argsort([len(t) for t in texts])
    t0 = time.time()
    out = np.zeros((7, len(texts), 384), np.float32)
    with torch.inference_mode():
        for s in range(0, len(texts), 64):
            idx = order[s:s + 64]
            enc = tok([texts[i] for i in idx], padding=True, truncation=True, max_length=256, return_tensors="pt")
            hs = model(**enc, output_hidden_states=True).hidden_states  # 7 x (b, t, 384)
            m = enc["attention_mask"].unsqueeze(-1).float()
            for layer, h in enumerate(hs):
                out[layer, idx] = ((h * m).sum(1) / m.sum(1)).numpy()
            if s % 3200 == 0:
                print(s, time.time() - t0, flush=True)
    np.savez(sys.argv[1], vecs=out, kind=np.array(kind), pack=np.array(pack),
             codes=np.array([" ".join(c) for c in codes]), texts=np.array(texts))
    print("done", time.time() - t0)


if __name__ == "__main__":
    main()
