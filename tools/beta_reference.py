#!/usr/bin/env python3
"""High-precision references for BetaFunctionsTests (mpmath, 50 digits): log[B(a, b+k)/B(a, b)] on a grid of
a, b down to 1e-3 and k up to 1e6. Prints C# InlineData lines; rerun to regenerate."""
import mpmath as mp
mp.mp.dps = 50
for a in ["0.001", "0.05", "1.7", "40"]:
    for b in ["0.001", "0.3", "12", "5000"]:
        for k in ["1", "3.5", "64", "100", "12345.5", "1000000"]:
            A, B, K = mp.mpf(a), mp.mpf(b), mp.mpf(k)
            v = mp.loggamma(B + K) - mp.loggamma(A + B + K) - mp.loggamma(B) + mp.loggamma(A + B)
            f = lambda s: s if "." in s else s + ".0"
            print(f"    [InlineData({f(a)}, {f(b)}, {f(k)}, {mp.nstr(v, 20)})]")
