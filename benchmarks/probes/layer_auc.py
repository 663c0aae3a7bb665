# Probe: AUC of near-miss vs gold passages from each layer's vector (layer_embed.py's output).
#   python benchmarks/probes/layer_auc.py OUT.npz
import sys
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GroupKFold
from sklearn.preprocessing import StandardScaler

ROOT = Path(__file__).resolve().parents[2]


def nrm(x):
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def main():
    sys.path.insert(0, str(ROOT))
    from triage.match import modality
    from triage.match.suggest import split_units

    d = np.load(sys.argv[1])
    V, kind, pack, texts = d["vecs"], d["kind"], d["pack"], list(d["texts"])
    L = [nrm(V[layer]) for layer in range(7)]
    y = (kind == "near").astype(int)
    folds = list(GroupKFold(10).split(texts, y, pack))
    # modality baseline: refit per fold on the fold's training packs, passage score = max unit proba
    root = ROOT / "sample_evidence"
    mod = np.zeros(len(texts))
    for tr, te in folds:
        m = modality.fit([root / p for p in sorted(set(pack[tr]))])
        for i in te:
            u = split_units(texts[i]) or [texts[i]]
            mod[i] = m.proba(u).max()
    print(f"modality (per-fold refit) AUC near vs gold {roc_auc_score(y, mod):.3f}", flush=True)

    def cv(X, C=1.0):
        s = np.zeros(len(y))
        for tr, te in folds:
            sc = StandardScaler().fit(X[tr])
            lr = LogisticRegression(C=C, max_iter=2000, class_weight="balanced").fit(sc.transform(X[tr]), y[tr])
            s[te] = lr.decision_function(sc.transform(X[te]))
        return s

    def report(name, s):
        strong = kind != "partial"
        part = kind != "strong"
        print(f"{name:<22s} all {roc_auc_score(y, s):.3f}  vs strong {roc_auc_score(y[strong], s[strong]):.3f}"
              f"  vs partial {roc_auc_score(y[part], s[part]):.3f}", flush=True)

    report("modality", mod)
    lm = np.log(np.clip(mod, 1e-6, 1 - 1e-6) / (1 - np.clip(mod, 1e-6, 1 - 1e-6)))[:, None]
    for name, X in [("final L6", L[6]), ("L2", L[2]), ("L3", L[3]), ("L4", L[4]), ("L5", L[5]),
                    ("L6+L3", np.hstack([L[6], L[3]])), ("L6+L4", np.hstack([L[6], L[4]])),
                    ("L6+L2+L4", np.hstack([L[6], L[2], L[4]])),
                    ("L6+mod", np.hstack([L[6], lm])), ("L6+L3+mod", np.hstack([L[6], L[3], lm])),
                    ("L6+L4+mod", np.hstack([L[6], L[4], lm]))]:
        for C in (0.1,):
            report(f"{name} C={C}", cv(X, C))


if __name__ == "__main__":
    main()
