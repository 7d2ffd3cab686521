"""A false conjecture: every flattest global minimum is balanced.

Balanced minima are flattest (theory id balanced-attains-bound), so one might guess
the converse. theorems.md's caveat says otherwise: only the top singular path must be
balanced; other directions may be skewed. verify finds a flattest minimum whose
layers are far from balanced and certifies it in interval arithmetic.

    wideminima verify examples/false_conjecture.py     # exit status 1, prints the replay command
"""

from wideminima.property_tests import claim
from wideminima.property_tests.quantities import layers
from wideminima.strategies import global_minima


@claim(
    id="flattest-implies-balanced",
    kind="conjecture",
    statement="whitened: a global minimum with lambda_max = N s^(2-2/N) has W_{k+1}^T W_{k+1} = W_k W_k^T for all k "
              "(margin 1e-8 - max_k ||W_{k+1}^T W_{k+1} - W_k W_k^T||_F / ||W_k||_F^2)",
    strategy=global_minima(kind="flattest_unbalanced", min_depth=2, max_depth=4, min_width=2, max_width=3),
)
def margin(m, ctx):
    ws = layers(m, ctx)
    gaps = [ctx.norm(nxt.T @ nxt - w @ w.T) / ctx.norm(w) ** 2 for w, nxt in zip(ws[:-1], ws[1:])]
    # 1e-8: far above the rounding of a balanced minimum (~1e-15), far below a real imbalance
    return ctx.scalar(1e-8) - ctx.maximum(gaps)
