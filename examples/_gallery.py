"""Shared plumbing of the example scripts: command line, headless plotting, saving."""

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # headless: the examples only write PNG files
import matplotlib.pyplot as plt


def parse_args(doc, argv=None):
    """``--out DIR`` (default ``out/``) and ``--quick`` (small sizes, for the tests)."""
    parser = argparse.ArgumentParser(description=doc.strip().splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("out"), help="folder for the PNGs")
    parser.add_argument("--quick", action="store_true", help="small sizes, a few seconds")
    return parser.parse_args(argv)


def save(fig, out, name):
    """Write ``fig`` to ``out/name`` and return the path."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / name
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    print(f"wrote {path}")
    return path
