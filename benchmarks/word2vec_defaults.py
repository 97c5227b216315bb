"""A default Word2VecTransformer against a default gensim Word2Vec, in the same run.

Both are given gensim's test corpus ``head500.noblanks.cor`` as token lists and only the
architecture (``sg``); everything else is each library's default: ours trains with one
process per usable core (``workers=None``), gensim with 3 threads. Reported per
architecture: words/s (corpus tokens × epochs / wall time of the whole fit), median and
[min, max] over ``--repeats`` runs alternating the two, the ratio of the medians, and the
load average of the machine when the runs ended.

    python benchmarks/word2vec_defaults.py [--repeats 3] [--arch sg cbow]
"""

import argparse
import os
import statistics
import time

from sklearn_deep.estimators import Word2VecTransformer


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--arch", nargs="+", default=["sg", "cbow"], choices=["sg", "cbow"])
    args = parser.parse_args()
    try:
        from gensim.models import Word2Vec
        from gensim.test.utils import datapath
    except ImportError as exc:  # pragma: no cover - optional peer
        raise SystemExit("this benchmark needs gensim: pip install gensim") from exc
    with open(datapath("head500.noblanks.cor"), encoding="utf8") as handle:
        texts = [line.split() for line in handle]
    n_words = sum(len(t) for t in texts) * 5  # both default to 5 epochs
    print(f"head500.noblanks.cor, {n_words // 5} tokens, {os.cpu_count()} cores")
    for arch in args.arch:
        sg = int(arch == "sg")
        speeds = {"ours": [], "gensim": []}
        for seed in range(args.repeats):
            for who in speeds:
                start = time.perf_counter()
                if who == "ours":
                    Word2VecTransformer(sg=sg, random_state=seed, token_pattern=None,
                                        lowercase=False).fit(texts)
                else:
                    Word2Vec(texts, sg=sg, seed=seed + 1)
                speeds[who].append(n_words / (time.perf_counter() - start))
        medians = {who: statistics.median(s) for who, s in speeds.items()}
        line = "  ".join(f"{who} {medians[who]:,.0f} [{min(s):,.0f}, {max(s):,.0f}]"
                         for who, s in speeds.items())
        print(f"{arch}: words/s {line}  ours/gensim {medians['ours'] / medians['gensim']:.2f}"
              f"  (load average {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
