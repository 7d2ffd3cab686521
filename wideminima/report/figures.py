"""Figure helpers: one matplotlib style, PNG and SVG written atomically and reproducibly.

matplotlib is the optional extra ``report``; it is imported here, inside functions,
with the non-interactive Agg backend.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from wideminima.atomic import atomic_open
from wideminima.errors import InputError

from .registry import Figure

__all__ = ["pyplot", "new_figure", "save_figure", "label_axes", "publish", "FORMATS"]

FORMATS = ("png", "svg")

_STYLE = {
    "figure.dpi": 100,
    "savefig.dpi": 130,
    "font.size": 10,
    "axes.titlesize": 10,
    "axes.labelsize": 10,
    "legend.fontsize": 8,
    "axes.grid": True,
    "grid.alpha": 0.3,
    # SVG element ids are random unless salted: a fixed salt makes the files reproducible.
    "svg.hashsalt": "wideminima",
    "svg.fonttype": "none",
}


def pyplot() -> Any:
    """``matplotlib.pyplot`` on the Agg backend with the report's style."""
    try:
        import matplotlib
    except ImportError:
        raise InputError("the report needs matplotlib: pip install 'wideminima[report]'") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update(_STYLE)
    return plt


def new_figure(ncols: int = 1, *, width: float = 5.0, height: float = 3.6) -> tuple[Any, Any]:
    """A figure with ``ncols`` side-by-side axes of ``width`` x ``height`` inches each."""
    plt = pyplot()
    fig, axes = plt.subplots(1, ncols, figsize=(width * ncols, height), squeeze=False, layout="constrained")
    return fig, list(axes[0])


def label_axes(ax: Any, xlabel: str, ylabel: str, title: str = "", *, legend: bool = True, **legend_options: Any) -> None:
    """Axis labels (with units), a title and the legend: what every report axes must carry."""
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    if legend:
        ax.legend(**legend_options)


def save_figure(fig: Any, directory: Path, name: str) -> list[Path]:
    """Write ``directory/name.png`` and ``.svg`` atomically (no timestamps inside); close ``fig``."""
    plt = pyplot()
    paths = []
    try:
        for fmt in FORMATS:
            path = Path(directory) / f"{name}.{fmt}"
            metadata = {"Date": None} if fmt == "svg" else {"Software": None}
            with atomic_open(path, "wb") as handle:
                fig.savefig(handle, format=fmt, metadata=metadata)
            paths.append(path)
    finally:
        plt.close(fig)
    return paths


def publish(fig: Any, directory: Path, name: str, title: str, shows: str, theory: str) -> Figure:
    """Save ``fig`` as ``name`` (PNG and SVG) and return its caption record."""
    save_figure(fig, directory, name)
    return Figure(name, title, shows, theory)
