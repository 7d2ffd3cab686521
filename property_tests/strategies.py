"""Hypothesis strategies for the theory's objects (also importable as ``wideminima.strategies``).

Every instance is built constructively, never by rejection: matrices are
Q diag(s) V^T with orthogonal factors from the QR decomposition of a drawn
matrix and singular values drawn from a bounded interval, so condition numbers
are controlled by the arguments and Hypothesis health checks never trip.
Arguments are validated when a strategy is built; a bad one raises
:class:`~wideminima.errors.InputError` naming it (``name=value``) with a fix.

Strategies (plural nouns, as in Hypothesis):

- :func:`depths`, :func:`widths` (square or rectangular; hidden widths >= rank(T));
- :func:`orthogonal_matrices`, :func:`targets` (generic, low rank, repeated top
  singular value, symmetric positive definite, within the deficiency margin of I);
- :func:`sigma_x_factors` (F with Sigma_x = F F^T; None for identity) and
  :func:`covariances` (Sigma_x itself, identity included);
- :func:`global_minima` (balanced, gauge-random, flattest-unbalanced, near-flattest),
  built by the numeric engine's generators, returned as
  :class:`~wideminima.property_tests.instances.Minimum`;
- :func:`trained_resnets` (GD from the zero-init linear ResNet);
- :func:`scalar_networks` (d_k = 1, any sigma^2, at the minimum of |T|).

>>> from hypothesis import given
>>> depths(min_depth=0)
Traceback (most recent call last):
...
wideminima.errors.InputError: depths(min_depth=0): a network has depth >= 1; use min_depth=1
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import numpy as np
from hypothesis import strategies as st

from wideminima import numeric
from wideminima.errors import InputError
from wideminima.numeric import Moments, train

from .instances import Minimum

__all__ = [
    "TARGET_KINDS",
    "MINIMUM_KINDS",
    "depths",
    "widths",
    "orthogonal_matrices",
    "singular_values",
    "targets",
    "sigma_x_factors",
    "covariances",
    "global_minima",
    "exact_balanced_minima",
    "trained_resnets",
    "scalar_networks",
]

TARGET_KINDS = ("generic", "low_rank", "repeated_top", "spd", "near_identity")
MINIMUM_KINDS = ("balanced", "gauge", "flattest_unbalanced", "near_flattest")


def _require(ok: bool, call: str, problem: str) -> None:
    if not ok:
        raise InputError(f"{call}: {problem}")


def _int(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def depths(*, min_depth: int = 1, max_depth: int = 5) -> st.SearchStrategy[int]:
    """Depths N in [min_depth, max_depth]."""
    call = f"depths(min_depth={min_depth!r}, max_depth={max_depth!r})"
    _require(_int(min_depth) and min_depth >= 1, f"depths(min_depth={min_depth!r})",
             "a network has depth >= 1; use min_depth=1")
    _require(_int(max_depth) and max_depth >= min_depth, call, "need max_depth >= min_depth")
    return st.integers(min_depth, max_depth)


def widths(depth: int, *, input_dim: int | None = None, output_dim: int | None = None, min_width: int = 1,
           max_width: int = 4, square: bool = False) -> st.SearchStrategy[list[int]]:
    """Width lists [d_0, ..., d_N]: ends fixed if given, hidden widths in [min_width, max_width].

    ``square=True`` gives one width for every layer. To keep an exact factorization
    of a target of rank r, pass min_width=r (every hidden width is then >= rank(T)).
    """
    call = f"widths(depth={depth!r}, min_width={min_width!r}, max_width={max_width!r})"
    _require(_int(depth) and depth >= 1, call, "depth must be an integer >= 1")
    _require(_int(min_width) and _int(max_width) and 1 <= min_width <= max_width, call,
             "need integers 1 <= min_width <= max_width")
    for name, dim in (("input_dim", input_dim), ("output_dim", output_dim)):
        _require(dim is None or (_int(dim) and dim >= 1), f"widths({name}={dim!r})", "must be a positive integer")
    width = st.integers(min_width, max_width)
    if square:
        _require(input_dim is None or output_dim is None or input_dim == output_dim,
                 f"widths(input_dim={input_dim}, output_dim={output_dim}, square=True)", "square needs equal ends")
        fixed = input_dim if input_dim is not None else output_dim
        return (st.just(fixed) if fixed is not None else width).map(lambda d: [d] * (depth + 1))
    first = st.just(input_dim) if input_dim is not None else width
    last = st.just(output_dim) if output_dim is not None else width
    return st.tuples(first, st.lists(width, min_size=depth - 1, max_size=depth - 1), last).map(
        lambda t: [t[0], *t[1], t[2]])


def orthogonal_matrices(n: int) -> st.SearchStrategy[np.ndarray]:
    """n x n orthogonal matrices: the Q of a QR decomposition of a drawn matrix (shrinks to I)."""
    _require(_int(n) and n >= 1, f"orthogonal_matrices(n={n!r})", "n must be a positive integer")
    entries = st.lists(st.floats(-1, 1, allow_nan=False, allow_subnormal=False), min_size=n * n, max_size=n * n)

    def build(values: list[float]) -> np.ndarray:
        q, r = np.linalg.qr(np.eye(n) + np.array(values).reshape(n, n))
        signs = np.where(np.diag(r) < 0, -1.0, 1.0)
        return q * signs

    return entries.map(build)


def singular_values(count: int, *, min_value: float = 0.25, max_value: float = 4.0) -> st.SearchStrategy[np.ndarray]:
    """``count`` values in [min_value, max_value], sorted decreasingly (condition <= max/min)."""
    call = f"singular_values(count={count!r}, min_value={min_value!r}, max_value={max_value!r})"
    _require(_int(count) and count >= 1, call, "count must be a positive integer")
    _require(0 < min_value <= max_value < 1e6, call, "need 0 < min_value <= max_value < 1e6")
    value = st.floats(min_value, max_value, allow_nan=False)
    return st.lists(value, min_size=count, max_size=count).map(lambda v: np.sort(np.array(v))[::-1].copy())


def targets(output_dim: int, input_dim: int, *, kind: str | Sequence[str] = "generic", min_singular: float = 0.25,
            max_singular: float = 4.0) -> st.SearchStrategy[np.ndarray]:
    """Targets T (output_dim x input_dim) = U diag(s) V^T of the requested kind(s).

    - ``generic``: full rank, s in [min_singular, max_singular];
    - ``low_rank``: rank r in [1, min(dims) - 1] (needs min(dims) >= 2);
    - ``repeated_top``: s_1 = s_2 (needs min(dims) >= 2);
    - ``spd``: square, symmetric positive definite Q diag(s) Q^T;
    - ``near_identity``: square, T = I + E with ||E||_F = e in [0.01, 0.45], so
      ||T - I||_F < sigma_min(T) (the deficiency margin of resnet-zero-init-flattest).
    A sequence of kinds draws one of them per example.
    """
    kinds = [kind] if isinstance(kind, str) else list(kind)
    call = f"targets(output_dim={output_dim!r}, input_dim={input_dim!r}, kind={kind!r})"
    _require(_int(output_dim) and _int(input_dim) and output_dim >= 1 and input_dim >= 1, call,
             "dimensions must be positive integers")
    _require(bool(kinds) and all(k in TARGET_KINDS for k in kinds), call, f"kind must be among {TARGET_KINDS}")
    small = min(output_dim, input_dim)
    for k in kinds:
        _require(k not in ("low_rank", "repeated_top") or small >= 2, call, f"kind={k!r} needs min(dims) >= 2")
        _require(k not in ("spd", "near_identity") or output_dim == input_dim, call, f"kind={k!r} needs a square T")
    spectrum = singular_values(small, min_value=min_singular, max_value=max_singular)
    left, right = orthogonal_matrices(output_dim), orthogonal_matrices(input_dim)

    def compose(u: np.ndarray, s: np.ndarray, v: np.ndarray) -> np.ndarray:
        return (u[:, :small] * s) @ v[:, :small].T

    def one(k: str) -> st.SearchStrategy[np.ndarray]:
        if k == "generic":
            return st.builds(compose, left, spectrum, right)
        if k == "low_rank":
            ranked = st.tuples(spectrum, st.integers(1, small - 1)).map(
                lambda t: np.concatenate([t[0][: t[1]], np.zeros(small - t[1])]))
            return st.builds(compose, left, ranked, right)
        if k == "repeated_top":
            return st.builds(compose, left, spectrum.map(lambda s: np.concatenate([[s[0], s[0]], s[2:]])), right)
        if k == "spd":  # symmetrized: (q * s) @ q.T rounds (i, j) and (j, i) differently
            return st.builds(lambda q, s: ((q * s) @ q.T + ((q * s) @ q.T).T) / 2, left, spectrum)
        size = st.floats(0.01, 0.45, allow_nan=False)
        direction = st.lists(st.floats(-1, 1, allow_nan=False), min_size=small * small, max_size=small * small)

        def near(e: float, values: list[float]) -> np.ndarray:
            m = np.array(values).reshape(small, small)
            norm = float(np.linalg.norm(m))
            m = np.eye(small) / np.sqrt(small) if norm == 0 else m / norm
            return np.eye(small) + e * m

        return st.builds(near, size, direction)

    return st.one_of(*[one(k) for k in kinds])


def sigma_x_factors(dim: int, *, max_condition: float = 10.0, identity: bool | None = None) -> st.SearchStrategy[Any]:
    """Factors F (dim x dim) with Sigma_x = F F^T of condition number <= max_condition, or None for I.

    F = Q diag(sqrt(e)) with e in [1, max_condition]. ``identity=True`` gives only
    None (whitened), ``False`` never None, ``None`` both.
    """
    call = f"sigma_x_factors(dim={dim!r}, max_condition={max_condition!r})"
    _require(_int(dim) and dim >= 1, call, "dim must be a positive integer")
    _require(1 <= max_condition <= 1e8, call, "need 1 <= max_condition <= 1e8")
    general = st.builds(lambda q, e: q * np.sqrt(e), orthogonal_matrices(dim),
                        singular_values(dim, min_value=1.0, max_value=float(max_condition)))
    if identity is True:
        return st.none()
    return general if identity is False else st.one_of(st.none(), general)


def covariances(dim: int, *, max_condition: float = 10.0, identity: bool | None = None) -> st.SearchStrategy[np.ndarray]:
    """Input covariances Sigma_x = F F^T (dim x dim, condition <= max_condition); see :func:`sigma_x_factors`."""
    return sigma_x_factors(dim, max_condition=max_condition, identity=identity).map(
        lambda f: np.eye(dim) if f is None else f @ f.T)


@functools.lru_cache(maxsize=None)
def _cached(factory: str, *args: Any) -> st.SearchStrategy[Any]:
    """Strategies built inside composite draws, built once per argument tuple (Hypothesis validates each new one)."""
    if factory == "targets":
        d_out, d_in, kinds, low, high = args
        return targets(d_out, d_in, kind=list(kinds), min_singular=low, max_singular=high)
    if factory == "widths":
        n, d_in, d_out, low, high, square = args
        return widths(n, input_dim=d_in, output_dim=d_out, min_width=low, max_width=high, square=square)
    if factory == "sigma_x_factors":
        dim, condition = args
        return sigma_x_factors(dim, max_condition=condition)
    if factory == "offsets":
        (count,) = args
        return st.lists(st.floats(-1, 1, allow_nan=False, allow_subnormal=False), min_size=count, max_size=count)
    raise ValueError(factory)


def _rng_seeds() -> st.SearchStrategy[int]:
    return st.integers(0, 2**32 - 1)


class _SteerableRandomness:
    """The randomness the numeric generators ask for (a NumPy Generator's ``standard_normal``,
    ``uniform``, ``integers``, ``random``): a seeded Generator's numbers plus offsets drawn from Hypothesis, one
    float choice per number (normal: + offset in [-1, 1]; uniform on [a, b]: + offset (b - a) / 4,
    clipped). The offsets make every continuous parameter of a generated minimum (gauge matrices,
    frames, skews) a Hypothesis choice, so verify's local adversarial search moves the minimum
    continuously, which an integer seed alone would hide; they shrink to 0, the seeded numbers.
    Gaussian base numbers keep the matrices the generators orthogonalize of full rank almost surely.
    """

    def __init__(self, draw: Any, seed: int) -> None:
        self._draw = draw
        self._rng = np.random.default_rng(seed)

    def _offsets(self, shape: Any) -> np.ndarray:
        size = int(np.prod(shape))
        return np.array(self._draw(_cached("offsets", size)), dtype=np.float64).reshape(shape)

    def standard_normal(self, size: Any) -> np.ndarray:
        base = np.asarray(self._rng.standard_normal(size))
        return base + self._offsets(base.shape)

    def uniform(self, low: float, high: float, size: Any) -> np.ndarray:
        base = np.asarray(self._rng.uniform(low, high, size))
        return np.clip(base + (high - low) / 4 * self._offsets(base.shape), low, high)

    def integers(self, low: int, high: int, size: Any) -> np.ndarray:
        return self._rng.integers(low, high, size)

    def random(self) -> float:
        """One number uniform on [0, 1), unsteered (``numeric.flattest_minimum`` draws the side of its bisection)."""
        return float(self._rng.random())


def global_minima(*, kind: str | Sequence[str] = MINIMUM_KINDS, min_depth: int = 1, max_depth: int = 4,
                  min_width: int = 1, max_width: int = 3, square: bool = False, whitened: bool = True,
                  target_kinds: str | Sequence[str] = ("generic", "low_rank", "repeated_top"),
                  min_singular: float = 0.25, max_singular: float = 4.0, max_condition: float = 10.0,
                  max_delta: float = 0.5) -> st.SearchStrategy[Minimum]:
    """Global minima W_N...W_1 = T built by the numeric engine, as :class:`Minimum`.

    kind: ``balanced`` (W_{k+1}^T W_{k+1} = W_k W_k^T), ``gauge`` (W_k -> G_k W_k G_{k-1}^{-1}
    with condition(G_k) <= max_condition), ``flattest_unbalanced`` (lambda_max = the flattest
    sharpness without balance), ``near_flattest`` (lambda_max = (1 + delta) times it, delta <= max_delta).
    Widths: ends in [min_width, max_width] (equal if ``square``), hidden widths in
    [max(rank(T), min_width), max_width]. ``whitened=False`` draws a general Sigma_x = F F^T
    (condition <= max_condition) first and builds minima of that problem: the flattest
    sharpness is then F(T, Sigma_x, N) (flattest-value-general), reached by carrier minima
    (``numeric.flattest_minimum``, also for near_flattest); balanced and gauge minima are minima
    for every Sigma_x (the minima do not depend on it, their sharpness does).
    """
    kinds = [kind] if isinstance(kind, str) else list(kind)
    call = f"global_minima(kind={kind!r}, max_width={max_width!r})"
    _require(bool(kinds) and all(k in MINIMUM_KINDS for k in kinds), call, f"kind must be among {MINIMUM_KINDS}")
    _require(_int(min_width) and _int(max_width) and 1 <= min_width <= max_width,
             f"global_minima(min_width={min_width!r}, max_width={max_width!r})", "need integers 1 <= min_width <= max_width")
    _require(0 < max_delta, f"global_minima(max_delta={max_delta!r})", "max_delta must be > 0")
    depths(min_depth=min_depth, max_depth=max_depth)  # validates
    tkinds = [target_kinds] if isinstance(target_kinds, str) else list(target_kinds)

    depth_strategy = depths(min_depth=min_depth, max_depth=max_depth)

    @st.composite
    def build(draw: Any) -> Minimum:
        n = draw(depth_strategy)
        d_in = draw(st.integers(min_width, max_width))
        d_out = d_in if square else draw(st.integers(min_width, max_width))
        small = min(d_in, d_out)
        allowed = [k for k in tkinds if (k not in ("low_rank", "repeated_top") or small >= 2)
                   and (k not in ("spd", "near_identity") or d_in == d_out)] or ["generic"]
        t = draw(_cached("targets", d_out, d_in, tuple(allowed), min_singular, max_singular))
        rank = int(np.linalg.matrix_rank(t))
        dims = draw(_cached("widths", n, d_in, d_out, max(rank, min_width), max(max_width, rank), square))
        how = draw(st.sampled_from(kinds))
        rng = _SteerableRandomness(draw, draw(_rng_seeds()))
        factor = None if whitened else draw(_cached("sigma_x_factors", d_in, float(max_condition)))
        sigma = None if factor is None else factor @ factor.T
        if how == "balanced":
            ws = numeric.balanced_minimum(t, dims, rng)
        elif how == "gauge":
            ws = numeric.gauge_minimum(t, dims, rng, condition=max_condition)
        elif how == "flattest_unbalanced":
            ws = (numeric.flattest_unbalanced_minimum(t, dims, rng) if sigma is None
                  else numeric.flattest_minimum(t, dims, sigma, rng))
        else:
            delta = draw(st.floats(0.0, max_delta)) if n > 1 else 0.0  # depth 1 has a single minimum
            ws = (numeric.near_flattest_minimum(t, dims, delta, rng) if sigma is None
                  else numeric.flattest_minimum(t, dims, sigma, rng, delta=delta))
        return Minimum([np.asarray(w, dtype=np.float64) for w in ws], factor, how)

    return build()


EXACT_LABEL = "exact_balanced"


def _signed_permutation(draw: Any, d: int) -> np.ndarray:
    order = draw(st.permutations(range(d)))
    signs = draw(st.lists(st.sampled_from([1.0, -1.0]), min_size=d, max_size=d))
    return np.eye(d)[:, order] * np.array(signs)


def exact_balanced_minima(*, min_depth: int = 1, max_depth: int = 5, min_width: int = 1,
                          max_width: int = 3) -> st.SearchStrategy[Minimum]:
    """Balanced global minima that float64 holds exactly, for equality claims checked without a tolerance.

    W_k = P_k[:, :m] diag(r) P_{k-1}[:, :m]^T with signed permutation frames P_k (the
    only orthogonal matrices of size <= 3 with dyadic entries) and dyadic layer singular
    values r_i = a_i / 4, a_i in 0..8 (repeated and zero values drawn on purpose), so
    every product of layers, T = P_N diag(r^N) P_0^T, its singular values r_i^N and
    N s^(2-2/N) = N r_1^(2N-2) are exact in float64: the instance is exactly balanced,
    exactly flattest, and lambda_max = N s^(2-2/N) holds with no rounding at all.
    Rational (non-dyadic) Cayley frames would be exact in SymPy but not in float64.
    Label ``exact_balanced``.
    """
    depths(min_depth=min_depth, max_depth=max_depth)
    _require(_int(min_width) and _int(max_width) and 1 <= min_width <= max_width <= 3,
             f"exact_balanced_minima(min_width={min_width!r}, max_width={max_width!r})",
             "need integers 1 <= min_width <= max_width <= 3 (exact frames are signed permutations)")

    @st.composite
    def build(draw: Any) -> Minimum:
        n = draw(depths(min_depth=min_depth, max_depth=max_depth))
        dims = [draw(st.integers(min_width, max_width)) for _ in range(n + 1)]
        m = min(dims)
        roots = draw(st.lists(st.integers(0, 8), min_size=m, max_size=m).filter(any))
        r = np.sort(np.array(roots, dtype=np.float64) / 4)[::-1]
        frames = [_signed_permutation(draw, d) for d in dims]
        ws = [(frames[k + 1][:, :m] * r) @ frames[k][:, :m].T for k in range(n)]
        return Minimum(ws, None, EXACT_LABEL)

    return build()


def trained_resnets(*, min_depth: int = 2, max_depth: int = 3, min_width: int = 1, max_width: int = 3,
                    target_kinds: str | Sequence[str] = ("spd", "near_identity"), min_lr: float = 0.02,
                    max_lr: float = 0.1, steps: int = 20000, half_step: bool = False) -> st.SearchStrategy[dict[str, Any]]:
    """Linear ResNets W_k = I + R_k trained by GD from R_k = 0 on whitened data y = T x.

    Yields ``{"weights": [...], "target": T, "lr": eta, "status": train status}``,
    plus ``"weights_half_step"`` (the same run with eta / 2 and twice the steps) if ``half_step``;
    T is SPD or within the deficiency margin of I (see :func:`targets`), with
    singular values in [0.5, 2] so that the step sizes in [min_lr, max_lr] are stable.
    """
    call = f"trained_resnets(min_lr={min_lr!r}, max_lr={max_lr!r}, steps={steps!r})"
    _require(0 < min_lr <= max_lr <= 0.2, call, "need 0 < min_lr <= max_lr <= 0.2 (larger steps may diverge)")
    _require(_int(steps) and steps >= 1, call, "steps must be a positive integer")
    depths(min_depth=min_depth, max_depth=max_depth)
    tkinds = [target_kinds] if isinstance(target_kinds, str) else list(target_kinds)
    _require(all(k in ("spd", "near_identity") for k in tkinds), f"trained_resnets(target_kinds={target_kinds!r})",
             "use 'spd' and/or 'near_identity' (zero-init ResNets converge for these)")

    @st.composite
    def build(draw: Any) -> dict[str, Any]:
        n = draw(depths(min_depth=min_depth, max_depth=max_depth))
        d = draw(st.integers(min_width, max_width))
        t = draw(_cached("targets", d, d, tuple(tkinds), 0.5, 2.0))
        lr = draw(st.floats(min_lr, max_lr, allow_nan=False))
        result = train("resnet", Moments.whitened(t), widths=[d] * (n + 1), lr=lr, steps=steps)
        out = {"weights": [np.asarray(w) for w in result.weights], "target": t, "lr": lr, "status": result.status}
        if half_step:
            half = train("resnet", Moments.whitened(t), widths=[d] * (n + 1), lr=lr / 2, steps=2 * steps)
            out["weights_half_step"] = [np.asarray(w) for w in half.weights]
        return out

    return build()


def scalar_networks(*, min_depth: int = 1, max_depth: int = 12, min_target: float = 0.1,
                    max_target: float = 4.0) -> st.SearchStrategy[Minimum]:
    """Scalar networks (every d_k = 1) with inputs of variance sigma^2, at a global minimum.

    Half of the draws are flattest points |w_k| = |T|^(1/N) (random signs with
    product sign(T)), the others spread |T| unevenly over the layers.
    """
    call = f"scalar_networks(min_target={min_target!r}, max_target={max_target!r})"
    _require(0 < min_target <= max_target <= 1e3, call, "need 0 < min_target <= max_target <= 1e3")
    depths(min_depth=min_depth, max_depth=max_depth)

    @st.composite
    def build(draw: Any) -> Minimum:
        n = draw(depths(min_depth=min_depth, max_depth=max_depth))
        t = draw(st.floats(min_target, max_target)) * draw(st.sampled_from([1.0, -1.0]))
        sigma = draw(st.floats(0.25, 4.0))
        signs = draw(st.lists(st.sampled_from([1.0, -1.0]), min_size=n, max_size=n))
        signs[-1] = float(np.sign(t)) * float(np.prod(signs[:-1]))
        if draw(st.booleans()):
            shares = np.full(n, 1.0 / n)
        else:
            raw = np.array(draw(st.lists(st.floats(0.1, 1.0), min_size=n, max_size=n)))
            shares = raw / raw.sum()
        w = [np.array([[s * abs(t) ** share]]) for s, share in zip(signs, shares)]
        return Minimum(w, np.array([[sigma]]), "scalar")

    return build()
