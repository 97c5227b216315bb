"""Word2VecTransformer against gensim, in the same run, on the same corpus.

Corpus: gensim's test corpus ``head500.noblanks.cor`` (installed with gensim), read once
into token lists given to both. Settings (gensim's defaults): vector_size=100, window=5,
negative=5, min_count=5, sample=1e-3, epochs=5, skip-gram and CBOW. Reported per
architecture, as medians over ``--repeats`` runs:

- words/s = corpus tokens × epochs / wall time of the whole fit (vocabulary included) —
  ours with workers=1 and workers=<cores> (BLAS pinned to 1 thread), gensim with
  workers=1 and workers=<cores>; each ``ours/this`` ratio compares ours with the same
  number of workers as that row;
- WordSim-353 Spearman (gensim's ``wordsim353.tsv``) and analogy accuracy on
  ``questions-words.txt`` (restrict_vocab=30000), for ours and for gensim (workers=1) over
  the seeds, so our figures can be placed inside gensim's seed-to-seed spread;
- with ``--profile``, where our time goes (cProfile, top functions by own time).

    python benchmarks/word2vec.py [--repeats 3] [--arch sg cbow] [--batch-words N]
                                  [--shared-negatives N] [--profile]
"""

import argparse
import cProfile
import os
import pstats
import statistics
import time

from threadpoolctl import threadpool_limits

from sklearn_deep.estimators import Word2VecTransformer


def _gensim():
    try:
        import gensim  # noqa: F401
    except ImportError as exc:  # pragma: no cover - optional peer
        raise SystemExit("this benchmark needs gensim: pip install gensim") from exc
    from gensim.models import Word2Vec
    from gensim.test.utils import datapath
    return Word2Vec, datapath


def _quality(wv, datapath):
    spearman = wv.evaluate_word_pairs(datapath("wordsim353.tsv"))[1][0]
    analogy = wv.evaluate_word_analogies(datapath("questions-words.txt"),
                                         restrict_vocab=30000)[0]
    return float(spearman), float(analogy)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--arch", nargs="+", default=["sg", "cbow"], choices=["sg", "cbow"])
    parser.add_argument("--batch-words", type=int, default=None,
                        help="our batch_words (default: the estimator's default)")
    parser.add_argument("--shared-negatives", type=int, default=None,
                        help="our shared_negatives (default: the estimator's default)")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    Word2Vec, datapath = _gensim()
    with open(datapath("head500.noblanks.cor"), encoding="utf8") as handle:
        texts = [line.split() for line in handle]
    n_tokens = sum(len(t) for t in texts)
    cores = os.cpu_count() or 1
    settings = dict(vector_size=100, window=5, negative=5, min_count=5, sample=1e-3,
                    epochs=5, hs=0)
    ours_extra = {name: value for name, value in (("batch_words", args.batch_words),
                                                  ("shared_negatives", args.shared_negatives))
                  if value is not None}
    print(f"corpus: head500.noblanks.cor, {len(texts)} texts, {n_tokens} tokens; "
          f"{cores} cores; medians of {args.repeats} runs")
    for arch in args.arch:
        sg = int(arch == "sg")
        worker_counts = (1, cores) if cores > 1 else (1,)
        rows = {f"{who} w={w}": [] for w in worker_counts for who in ("ours", "gensim")}
        quality = {f"ours w={w}": [] for w in worker_counts}
        quality["gensim w=1"] = []
        for seed in range(args.repeats):
            for workers in worker_counts:
                ours = Word2VecTransformer(sg=sg, random_state=seed, token_pattern=None,
                                           lowercase=False, workers=workers, **settings,
                                           **ours_extra)
                with threadpool_limits(1):
                    start = time.perf_counter()
                    ours.fit(texts)
                    rows[f"ours w={workers}"].append(n_tokens * settings["epochs"] /
                                                     (time.perf_counter() - start))
                quality[f"ours w={workers}"].append(_quality(ours.wv, datapath))
            for workers in worker_counts:
                start = time.perf_counter()
                model = Word2Vec(texts, sg=sg, seed=seed + 1, workers=workers, **settings)
                speed = n_tokens * settings["epochs"] / (time.perf_counter() - start)
                rows[f"gensim w={workers}"].append(speed)
                if workers == 1:
                    quality["gensim w=1"].append(_quality(model.wv, datapath))
        print(f"\n{arch}: words/s (median) and quality (median [min, max] over seeds)")
        for name, speeds in rows.items():
            med = statistics.median(speeds)
            ours_speed = statistics.median(rows["ours w=" + name.split("w=")[1]])
            line = f"  {name:12s} {med:10,.0f} words/s  ours/this = {ours_speed / med:5.2f}"
            if name in quality:
                sp = [q[0] for q in quality[name]]
                an = [q[1] for q in quality[name]]
                line += (f"  WS353 {statistics.median(sp):.3f} [{min(sp):.3f}, {max(sp):.3f}]"
                         f"  analogy {statistics.median(an):.3f} [{min(an):.3f}, "
                         f"{max(an):.3f}]")
            print(line)
    if args.profile:
        ours = Word2VecTransformer(sg=1, random_state=0, token_pattern=None, lowercase=False,
                                   **settings, **ours_extra)
        profiler = cProfile.Profile()
        with threadpool_limits(1):
            profiler.runcall(ours.fit, texts)
        print("\nprofile of our skip-gram fit (own time):")
        pstats.Stats(profiler).sort_stats("tottime").print_stats(15)


if __name__ == "__main__":
    main()
