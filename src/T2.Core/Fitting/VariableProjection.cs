using T2.Core.Optimization;

namespace T2.Core.Fitting;

/// <summary>
/// Variable projection for the squared-error Chinchilla fit: for fixed (α, β) the model is linear in (E, A, B),
/// so the inner problem is a 3-column non-negative least squares solved exactly (all supports enumerated).
/// A grid over (α, β) gives the profile; the best cells are then refined by L-BFGS over all five parameters.
/// Far better conditioned than a 5-parameter search (the RSS Hessian there is nearly singular along A and B),
/// and an independent check that the multi-start search found the global optimum.
/// </summary>
public static class VariableProjection
{
    public sealed record Options
    {
        public double ExponentMin { get; init; } = 0.0;
        public double ExponentMax { get; init; } = 2.0;
        public double Step { get; init; } = 0.01;
        /// <summary>How many of the best grid cells seed the final L-BFGS refinement.</summary>
        public int Refine { get; init; } = 5;
    }

    /// <summary>Profile over an (α, β) grid; returns the refined optimum in the LSE parameterisation.</summary>
    public static OptimizeResult Fit(double[] n, double[] d, double[] loss, double[]? weights, LbfgsOptions solver, Options? options = null)
    {
        var o = options ?? new Options();
        int m = n.Length;
        var w = weights ?? Enumerable.Repeat(1.0, m).ToArray();
        var logN = n.Select(v => Math.Log(v)).ToArray(); var logD = d.Select(v => Math.Log(v)).ToArray();
        int steps = (int)Math.Round((o.ExponentMax - o.ExponentMin) / o.Step) + 1;
        var grid = Enumerable.Range(0, steps).Select(i => o.ExponentMin + i * o.Step).ToArray();
        // Columns N^−α for every α on the grid, D^−β for every β, computed once.
        var xCols = grid.Select(al => logN.Select(l => Math.Exp(-al * l)).ToArray()).ToArray();
        var yCols = grid.Select(be => logD.Select(l => Math.Exp(-be * l)).ToArray()).ToArray();

        var cells = new (double Rss, double E, double A, double B, double Alpha, double Beta)[steps * steps];
        System.Threading.Tasks.Parallel.For(0, steps, i =>
        {
            for (int j = 0; j < steps; j++)
            {
                var (rss, e, a, b) = Nnls3(w, xCols[i], yCols[j], loss);
                cells[i * steps + j] = (rss, e, a, b, grid[i], grid[j]);
            }
        });
        var seeds = cells.Where(c => double.IsFinite(c.Rss)).OrderBy(c => c.Rss).Take(o.Refine)
            .Select(c => new[] { SafeLog(c.A), SafeLog(c.B), SafeLog(c.E), c.Alpha, c.Beta }).ToArray();
        var results = MultiStart.Run(() => new ChinchillaObjective(n, d, loss, weights, LossObjective.SquaredError, 0), seeds, solver, parallel: false);
        int best = MultiStart.Best(results);
        return results[best];
    }

    // A coefficient of exactly 0 becomes e^−30 relative to the loss scale: numerically absent, gradient still finite.
    private static double SafeLog(double v) => Math.Log(Math.Max(v, 1e-13));

    /// <summary>
    /// min Σ w (E + A·x + B·y − l)² subject to E, A, B ≥ 0, exactly: the optimum is the unconstrained least-squares
    /// solution on its own support, so solving on every support and keeping the best feasible one is exact.
    /// Columns are scaled to unit weighted norm before the 3×3 normal equations are solved.
    /// </summary>
    public static (double Rss, double E, double A, double B) Nnls3(double[] w, double[] x, double[] y, double[] l)
    {
        // Weighted Gram matrix of the columns (1, x, y) and right-hand side.
        double s11 = 0, s1x = 0, s1y = 0, sxx = 0, sxy = 0, syy = 0, r1 = 0, rx = 0, ry = 0, ll = 0;
        for (int i = 0; i < w.Length; i++)
        {
            double wi = w[i], xi = x[i], yi = y[i], li = l[i];
            s11 += wi; s1x += wi * xi; s1y += wi * yi; sxx += wi * xi * xi; sxy += wi * xi * yi; syy += wi * yi * yi;
            r1 += wi * li; rx += wi * xi * li; ry += wi * yi * li; ll += wi * li * li;
        }
        Span<double> scale = [1 / Math.Sqrt(s11), 1 / Math.Sqrt(sxx), 1 / Math.Sqrt(syy)];
        Span<double> g = [
            1, s1x * scale[0] * scale[1], s1y * scale[0] * scale[2],
            s1x * scale[0] * scale[1], 1, sxy * scale[1] * scale[2],
            s1y * scale[0] * scale[2], sxy * scale[1] * scale[2], 1];
        Span<double> rhs = [r1 * scale[0], rx * scale[1], ry * scale[2]];
        double bestRss = double.PositiveInfinity; double bE = 0, bA = 0, bB = 0;
        Span<double> z = stackalloc double[3];
        for (int mask = 1; mask < 8; mask++)
        {
            if (!SolveSubset(g, rhs, mask, z)) continue;
            if (z[0] < 0 || z[1] < 0 || z[2] < 0) continue;
            // RSS = lᵀWl − 2 zᵀr + zᵀ G z, in the scaled basis.
            double quad = 0, lin = 0;
            for (int p = 0; p < 3; p++) { lin += z[p] * rhs[p]; for (int q = 0; q < 3; q++) quad += z[p] * g[p * 3 + q] * z[q]; }
            double rss = Math.Max(0, ll - 2 * lin + quad);
            if (rss < bestRss) { bestRss = rss; bE = z[0] * scale[0]; bA = z[1] * scale[1]; bB = z[2] * scale[2]; }
        }
        if (double.IsPositiveInfinity(bestRss)) bestRss = ll; // all-zero solution
        return (bestRss, bE, bA, bB);
    }

    // Solves G_SS z_S = r_S on the support given by the bit mask (Gaussian elimination with partial pivoting).
    private static bool SolveSubset(ReadOnlySpan<double> g, ReadOnlySpan<double> rhs, int mask, Span<double> z)
    {
        Span<int> idx = stackalloc int[3]; int k = 0;
        for (int p = 0; p < 3; p++) if ((mask & (1 << p)) != 0) idx[k++] = p;
        Span<double> a = stackalloc double[9]; Span<double> b = stackalloc double[3];
        for (int r = 0; r < k; r++) { b[r] = rhs[idx[r]]; for (int c = 0; c < k; c++) a[r * 3 + c] = g[idx[r] * 3 + idx[c]]; }
        for (int col = 0; col < k; col++)
        {
            int piv = col;
            for (int r = col + 1; r < k; r++) if (Math.Abs(a[r * 3 + col]) > Math.Abs(a[piv * 3 + col])) piv = r;
            if (Math.Abs(a[piv * 3 + col]) < 1e-14) return false;
            if (piv != col) { for (int c = 0; c < k; c++) (a[col * 3 + c], a[piv * 3 + c]) = (a[piv * 3 + c], a[col * 3 + c]); (b[col], b[piv]) = (b[piv], b[col]); }
            for (int r = col + 1; r < k; r++)
            {
                double f = a[r * 3 + col] / a[col * 3 + col];
                for (int c = col; c < k; c++) a[r * 3 + c] -= f * a[col * 3 + c];
                b[r] -= f * b[col];
            }
        }
        Span<double> sol = stackalloc double[3];
        for (int r = k - 1; r >= 0; r--)
        {
            double s = b[r];
            for (int c = r + 1; c < k; c++) s -= a[r * 3 + c] * sol[c];
            sol[r] = s / a[r * 3 + r];
        }
        z.Clear();
        for (int r = 0; r < k; r++) z[idx[r]] = sol[r];
        return true;
    }
}
