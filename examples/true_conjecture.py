"""A true conjecture: sharpness is at most sum_k ||A_k||^2 ||B_k||^2 at every global minimum.

Why one might believe it: H[D, D] = ||sum_k A_k D_k B_k||_F^2 <= (sum_k ||A_k|| ||D_k||_F ||B_k||)^2
<= (sum_k ||A_k||^2 ||B_k||^2) ||D||^2 by the triangle and Cauchy-Schwarz inequalities.
At balanced minima both sides equal N s^(2-2/N), so the search meets equality cases.

    wideminima verify examples/true_conjecture.py
"""

from wideminima.numeric import products_after, products_before
from wideminima.property_tests import claim
from wideminima.property_tests.quantities import layers, sharpness
from wideminima.strategies import global_minima


@claim(
    id="sharpness-at-most-sum-of-path-norms",
    kind="conjecture",
    statement="whitened: lambda_max <= sum_k ||A_k||_2^2 ||B_k||_2^2 at every global minimum",
    strategy=global_minima(max_depth=4, max_width=3),
)
def margin(m, ctx):
    ws = layers(m, ctx)
    upper = sum(ctx.lambda_max(a.T @ a) * ctx.lambda_max(b.T @ b)
                for a, b in zip(products_after(ws), products_before(ws)))
    return (upper - sharpness(m, ctx)) / upper
