#!/usr/bin/env python3
"""Reference timing for issue 2's speed target: Epoch's 'replicate exactly' fit with scipy's L-BFGS-B
(summed Huber, delta = 1e-3, on log-loss residuals; LSE parameterisation; the 4,500-point grid; best kept), once with
scipy's default finite-difference gradient (as Epoch's notebook calls it) and once with the analytic gradient (jac=True).
Needs Debian's python3-scipy. Usage: /usr/bin/python3 bench/scipy_epoch_grid.py data/epoch_chinchilla/chinchilla_fig4_points.csv [fd|analytic|both]"""
import csv, sys, time, itertools
import numpy as np
from scipy.optimize import minimize
from scipy.special import huber, logsumexp

rows = [r for r in csv.DictReader(open(sys.argv[1])) if r["used_in_epoch_fit"] == "1"]
N = np.array([float(r["N_params"]) for r in rows]); D = np.array([float(r["D_tokens"]) for r in rows])
L = np.array([float(r["loss"]) for r in rows])
logN, logD, logL = np.log(N), np.log(D), np.log(L)
DELTA = 1e-3

def f(x):
    a, b, e, al, be = x
    pred = logsumexp([a - al * logN, b - be * logD, np.full_like(logN, e)], axis=0)
    return np.sum(huber(DELTA, pred - logL))

def f_and_grad(x):
    a, b, e, al, be = x
    t = np.stack([a - al * logN, b - be * logD, np.full_like(logN, e)])
    m = t.max(axis=0); w = np.exp(t - m); s = w.sum(axis=0)
    r = m + np.log(s) - logL
    hp = np.clip(r, -DELTA, DELTA) / s
    g = np.array([np.sum(hp * w[0]), np.sum(hp * w[1]), np.sum(hp * w[2]), -np.sum(hp * w[0] * logN), -np.sum(hp * w[1] * logD)])
    return np.sum(huber(DELTA, r)), g

def run(jac):
    t0 = time.time(); best = None
    grid = itertools.product(np.arange(0, 30, 5), np.arange(0, 30, 5), np.arange(-1, 1.5, 0.5), np.arange(0, 2.5, 0.5), np.arange(0, 2.5, 0.5))
    for x0 in grid:
        r = minimize(f_and_grad if jac else f, x0, method="L-BFGS-B", jac=jac)
        if r.success and (best is None or r.fun < best.fun): best = r
    a, b, e, al, be = best.x
    print(f"scipy L-BFGS-B ({'analytic' if jac else 'finite-difference'} gradient), 4500 starts: {time.time() - t0:.1f} s; objective {best.fun:.10g}; "
          f"A={np.exp(a):.5g} B={np.exp(b):.5g} E={np.exp(e):.5g} alpha={al:.5f} beta={be:.5f}")

mode = sys.argv[2] if len(sys.argv) > 2 else "both"
if mode in ("fd", "both"): run(False)
if mode in ("analytic", "both"): run(True)
