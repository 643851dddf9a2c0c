namespace T2.Core.Optimization;

/// <summary>
/// Limited-memory BFGS with optional box bounds (projected variant: variables held at a bound by the
/// gradient are frozen for the step, the two-loop recursion runs on the free ones, and trial points are
/// projected back into the box). Armijo backtracking line search with safeguarded quadratic interpolation;
/// correction pairs are kept only when the curvature condition sᵀy &gt; 0 holds, so the inverse-Hessian
/// approximation stays positive definite.
///
/// A <see cref="Lbfgs"/> instance owns its work arrays and allocates only in the constructor and in the
/// returned result, so one instance per thread serves thousands of multi-start runs.
/// </summary>
public sealed class Lbfgs
{
    private readonly int _n;
    private readonly int _m;
    private readonly double[] _s, _y, _rho, _alpha;
    private readonly double[] _x, _g, _d, _xNew, _gNew, _q;
    private readonly bool[] _free;

    public Lbfgs(int dimension, int memory = 10)
    {
        if (dimension < 1) throw new ArgumentOutOfRangeException(nameof(dimension));
        if (memory < 1) throw new ArgumentOutOfRangeException(nameof(memory));
        _n = dimension; _m = memory;
        _s = new double[memory * dimension]; _y = new double[memory * dimension];
        _rho = new double[memory]; _alpha = new double[memory];
        _x = new double[dimension]; _g = new double[dimension]; _d = new double[dimension];
        _xNew = new double[dimension]; _gNew = new double[dimension]; _q = new double[dimension];
        _free = new bool[dimension];
    }

    
    public OptimizeResult Minimize(Objective f, ReadOnlySpan<double> x0, LbfgsOptions? options = null,
        ReadOnlySpan<double> lower = default, ReadOnlySpan<double> upper = default)
    {
        var o = options ?? LbfgsOptions.Default;
        if (o.Memory > _m) throw new ArgumentException($"options.Memory = {o.Memory} exceeds this solver's memory {_m}.");
        int n = _n;
        if (f.Dimension != n || x0.Length != n) throw new ArgumentException($"Dimension mismatch: solver {n}, objective {f.Dimension}, x0 {x0.Length}.");
        bool bounded = !lower.IsEmpty || !upper.IsEmpty;
        if (!lower.IsEmpty && lower.Length != n) throw new ArgumentException("lower bound length mismatch.");
        if (!upper.IsEmpty && upper.Length != n) throw new ArgumentException("upper bound length mismatch.");

        _ringSize = o.Memory;
        var x = _x.AsSpan(); var g = _g.AsSpan(); var d = _d.AsSpan();
        var xNew = _xNew.AsSpan(); var gNew = _gNew.AsSpan();
        x0.CopyTo(x);
        if (bounded) Project(x, lower, upper);
        int evals = 1;
        double fx = f.Evaluate(x, g);
        if (!double.IsFinite(fx) || !AllFinite(g))
            return Result(fx, 0, false, StopReason.NonFiniteStart, 0, evals);

        int stored = 0, head = 0; // ring buffer of correction pairs
        int iter = 0;
        while (true)
        {
            double pgNorm = ProjectedGradientNorm(x, g, lower, upper);
            if (pgNorm <= o.GradientTolerance) return Result(fx, pgNorm, true, StopReason.Gradient, iter, evals);
            if (iter >= o.MaxIterations) return Result(fx, pgNorm, false, StopReason.MaxIterations, iter, evals);

            // Free set: a variable at a bound whose gradient pushes it outward stays put this step.
            if (bounded)
                for (int i = 0; i < n; i++)
                {
                    bool atLo = !lower.IsEmpty && x[i] <= lower[i] && g[i] > 0;
                    bool atHi = !upper.IsEmpty && x[i] >= upper[i] && g[i] < 0;
                    _free[i] = !(atLo || atHi);
                }
            else _free.AsSpan().Fill(true);
            TwoLoop(g, d, stored, head);
            double dg = 0;
            for (int i = 0; i < n; i++) { if (!_free[i]) d[i] = 0; dg += d[i] * g[i]; }
            if (!(dg < 0))
            {
                // Memory no longer gives a descent direction: restart from steepest descent.
                stored = 0; head = 0; dg = 0;
                for (int i = 0; i < n; i++) { d[i] = _free[i] ? -g[i] : 0; dg += d[i] * g[i]; }
                if (!(dg < 0)) return Result(fx, pgNorm, true, StopReason.Gradient, iter, evals);
            }

            // First iteration without memory: a unit step along −g can be wildly scaled; cap it.
            double t = 1;
            if (stored == 0)
            {
                double dn = 0; for (int i = 0; i < n; i++) dn = Math.Max(dn, Math.Abs(d[i]));
                t = Math.Min(1, 1 / dn);
            }

            double fNew = double.NaN;
            bool accepted = false;
            const double c1 = 1e-4;
            for (int ls = 0; ls < o.MaxLineSearchSteps; ls++)
            {
                for (int i = 0; i < n; i++) xNew[i] = x[i] + t * d[i];
                if (bounded) Project(xNew, lower, upper);
                fNew = f.Evaluate(xNew, gNew); evals++;
                // Armijo on the actual (projected) displacement.
                double decrease = 0;
                for (int i = 0; i < n; i++) decrease += g[i] * (xNew[i] - x[i]);
                if (double.IsFinite(fNew) && AllFinite(gNew) && fNew <= fx + c1 * decrease) { accepted = true; break; }
                double tNext;
                if (double.IsFinite(fNew))
                {
                    // Minimiser of the quadratic through f(0), f'(0) = dg, f(t); safeguarded to [0.1t, 0.5t].
                    double denom = 2 * (fNew - fx - dg * t);
                    tNext = denom > 0 ? -dg * t * t / denom : 0.5 * t;
                    tNext = Math.Clamp(tNext, 0.1 * t, 0.5 * t);
                }
                else tNext = 0.1 * t;
                t = tNext;
                if (t * MaxAbs(d) <= 1e-16 * (1 + MaxAbs(x))) break;
            }
            if (!accepted)
            {
                if (stored > 0) { stored = 0; head = 0; iter++; continue; } // retry once as steepest descent
                // No decrease along steepest descent either. With a gradient this small relative to f the decreases left
                // are below f's rounding noise: that is the end of representable progress, not a failure.
                if (pgNorm <= 1e-6 * Math.Max(1, Math.Abs(fx)))
                    return Result(fx, pgNorm, false, StopReason.StepTooSmall, iter, evals);
                return Result(fx, pgNorm, false, StopReason.LineSearchFailed, iter, evals);
            }

            // Correction pair s = xNew − x, y = gNew − g, stored only when sᵀy > 0 (curvature condition).
            var sRow = _s.AsSpan(head * n, n); var yRow = _y.AsSpan(head * n, n);
            double sy = 0, yy = 0, ss = 0;
            for (int i = 0; i < n; i++)
            {
                double si = xNew[i] - x[i], yi = gNew[i] - g[i];
                sRow[i] = si; yRow[i] = yi; sy += si * yi; yy += yi * yi; ss += si * si;
            }
            if (sy > 1e-12 * Math.Sqrt(ss * yy) && sy > 0)
            {
                _rho[head] = 1 / sy;
                head = (head + 1) % o.Memory;
                if (stored < o.Memory) stored++;
            }

            double fPrev = fx;
            xNew.CopyTo(x); gNew.CopyTo(g); fx = fNew;
            iter++;
            if ((fPrev - fx) <= o.RelativeTolerance * Math.Max(Math.Max(Math.Abs(fPrev), Math.Abs(fx)), 1))
            {
                double pg = ProjectedGradientNorm(x, g, lower, upper);
                return Result(fx, pg, true, pg <= o.GradientTolerance ? StopReason.Gradient : StopReason.RelativeReduction, iter, evals);
            }
            if (Math.Sqrt(ss) <= 1e-15 * (1 + Norm(x)))
                return Result(fx, ProjectedGradientNorm(x, g, lower, upper), false, StopReason.StepTooSmall, iter, evals);
        }
    }

    /// <summary>d = −H·g by the two-loop recursion over the stored pairs (newest first), with H0 = γI.</summary>
    private void TwoLoop(ReadOnlySpan<double> g, Span<double> d, int stored, int head)
    {
        int n = _n;
        var q = _q.AsSpan();
        for (int i = 0; i < n; i++) q[i] = _free[i] ? g[i] : 0;
        for (int j = 0; j < stored; j++)
        {
            int idx = Wrap(head - 1 - j);
            var s = _s.AsSpan(idx * n, n); var y = _y.AsSpan(idx * n, n);
            double a = _rho[idx] * Dot(s, q);
            _alpha[idx] = a;
            for (int i = 0; i < n; i++) q[i] -= a * y[i];
        }
        double gamma = 1;
        if (stored > 0)
        {
            int newest = Wrap(head - 1);
            var s = _s.AsSpan(newest * n, n); var y = _y.AsSpan(newest * n, n);
            gamma = Dot(s, y) / Dot(y, y);
        }
        for (int i = 0; i < n; i++) q[i] *= gamma;
        for (int j = stored - 1; j >= 0; j--)
        {
            int idx = Wrap(head - 1 - j);
            var s = _s.AsSpan(idx * n, n); var y = _y.AsSpan(idx * n, n);
            double b = _rho[idx] * Dot(y, q);
            for (int i = 0; i < n; i++) q[i] += s[i] * (_alpha[idx] - b);
        }
        for (int i = 0; i < n; i++) d[i] = -q[i];
    }

    // The ring buffer's modulus is this call's memory (≤ the constructor's); pairs live in slots [0, memory).
    private int _ringSize = 1;
    private int Wrap(int i) { int r = _ringSize; return i < 0 ? i + r : i >= r ? i - r : i; } // |i| < 2r by construction

    private OptimizeResult Result(double fx, double pgNorm, bool converged, StopReason reason, int iter, int evals)
        => new(_x.ToArray(), fx, _g.ToArray(), pgNorm, converged, reason, iter, evals);

    private static double ProjectedGradientNorm(ReadOnlySpan<double> x, ReadOnlySpan<double> g, ReadOnlySpan<double> lo, ReadOnlySpan<double> hi)
    {
        double m = 0;
        for (int i = 0; i < x.Length; i++)
        {
            double gi = g[i];
            if (!lo.IsEmpty && x[i] <= lo[i] && gi > 0) gi = 0;
            if (!hi.IsEmpty && x[i] >= hi[i] && gi < 0) gi = 0;
            m = Math.Max(m, Math.Abs(gi));
        }
        return m;
    }

    private static void Project(Span<double> x, ReadOnlySpan<double> lo, ReadOnlySpan<double> hi)
    {
        for (int i = 0; i < x.Length; i++)
        {
            if (!lo.IsEmpty && x[i] < lo[i]) x[i] = lo[i];
            if (!hi.IsEmpty && x[i] > hi[i]) x[i] = hi[i];
        }
    }

    private static bool AllFinite(ReadOnlySpan<double> v) { foreach (var e in v) if (!double.IsFinite(e)) return false; return true; }
    private static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b) { double s = 0; for (int i = 0; i < a.Length; i++) s += a[i] * b[i]; return s; }
    private static double Norm(ReadOnlySpan<double> a) => Math.Sqrt(Dot(a, a));
    private static double MaxAbs(ReadOnlySpan<double> a) { double m = 0; foreach (var e in a) m = Math.Max(m, Math.Abs(e)); return m; }
}
