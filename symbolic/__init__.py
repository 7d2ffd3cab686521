"""Symbolic engine: closed-form Hessians, flattest minima and exact widths of linear networks.

SymPy is imported lazily by the submodules, so ``import wideminima`` stays fast.
"""
