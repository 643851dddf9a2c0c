using T2.Core.Laws;

namespace T2.Core.Planning;

/// <summary>What the planner optimises: Approach 1's loss (minimise) or Approach 2's accuracy (maximise).</summary>
public sealed record PlanMetric(string Name, Func<double, double, double, double> Evaluate, bool Maximize)
{
    /// <summary>Approach 2's law behind the metric (null for Approach 1 and the macro): what per-question planning options
    /// such as <see cref="StopOnSuccess"/> need.</summary>
    public T2.Core.Laws.Approach2Law? Law { get; init; }
    /// <summary>Approach 1's law behind the metric (null otherwise): what the data wall needs to revalue it.</summary>
    public T2.Core.Laws.Approach1Law? Law1 { get; init; }
    /// <summary>Approach 2's metric as a function of (stage-1 loss, k) — the sampling policy's, or plain pass@k when null: what
    /// lets the data wall revalue a policy at the walled loss.</summary>
    public Func<double, double, double>? AtLoss { get; init; }
    /// <summary>The stage-1 loss at (N, D) this metric is evaluated at when it is not <see cref="Law"/>'s own prediction (the
    /// data wall's loss with repeated data); null otherwise.</summary>
    public Func<double, double, double>? StageOneLoss { get; init; }
}

/// <summary>
/// A budget. Default (paper): training 6ND = <see cref="CTrain"/> and inference per served token 2Nk = <see cref="CInf"/>, both
/// binding, so D = C_train/6N and k = C_inf/2N. Beyond the paper: <see cref="FixedK"/>; <see cref="IntegerK"/> (k = ⌊C_inf/2N⌋ ≥ 1);
/// and one end-to-end budget <see cref="CTotal"/> = 6ND + Q·L·2N·k for Q queries of L tokens. With
/// <see cref="PostTrainingTokens"/> = D_post &gt; 0 (beyond the paper, which counts post-training in neither budget) the training
/// budget also pays for post-training every model on D_post tokens: 6N(D + D_post) = C_train, so D = C_train/6N − D_post.
/// </summary>
public sealed record PlanBudget
{
    public double CTrain { get; init; }
    public double CInf { get; init; }
    public double? FixedK { get; init; }
    public bool IntegerK { get; init; }
    public double? CTotal { get; init; }
    public double Queries { get; init; }
    public double TokensPerQuery { get; init; }
    public double PostTrainingTokens { get; init; }
    /// <summary>Budgets in dollars on a device instead of FLOPs (beyond the paper): D and k follow from
    /// <see cref="HardwareCost"/>; <see cref="CTrain"/> and <see cref="CInf"/> are then not used.</summary>
    public DollarBudget? Dollars { get; init; }
    public double NMin { get; init; } = 1e3;
    public double NMax { get; init; } = 1e15;
}

public sealed record PlanPoint(double N, double D, double K, double TokensPerParameter, double Predicted)
{
    public double TrainFlops => Budgets.TrainFlops(N, D);
}

public sealed record PlanResult
{
    public required PlanPoint Optimum { get; init; }
    public required PlanPoint Chinchilla { get; init; }
    /// <summary>Smallest and largest N whose metric is within 1 % of the optimum's (flat optima are common).</summary>
    public required double FlatNMin { get; init; }
    public required double FlatNMax { get; init; }
    public required bool AtSearchBoundary { get; init; }
    /// <summary>The baseline's k before rounding or the k ≥ 1 floor (C_inf/2N, or the end-to-end remainder's).</summary>
    public required double ChinchillaRawK { get; init; }
}

/// <summary>The budget identities, written once: D = C_train/6N and k = C_inf/2N.</summary>
public static class Budgets
{
    public static double TokensFor(double cTrain, double n) => cTrain / (6 * n);
    public static double SamplesFor(double cInf, double n) => cInf / (2 * n);
    public static double TrainFlops(double n, double d) => 6 * n * d;
    /// <summary>Pretraining tokens left at size N when the training budget also pays for D_post post-training tokens.</summary>
    public static double PretrainTokens(double cTrain, double n, double postTokens) => cTrain / (6 * n) - postTokens;
    /// <summary>The largest N that still pretrains on at least one token after post-training's share of the budget.</summary>
    public static double MaxN(double cTrain, double postTokens) => cTrain / (6 * (postTokens + 1));
}

public static class Planner
{
    private const int Grid = 1201;

    /// <summary>
    /// Joint optimum of (N, D, k) under the budget, the Chinchilla baseline and the 1 % flat set. The baseline's N at a
    /// training budget is the stage-1 law's compute optimum, or <paramref name="baselineN"/> when given (the macro average's
    /// baseline minimises the mean of the tasks' stage-1 losses, which no single law states in closed form).
    /// </summary>
    public static PlanResult Plan(PlanMetric metric, PlanBudget budget, ChinchillaLaw stage1, Func<double, double>? baselineN = null)
    {
        baselineN ??= c => stage1.ComputeOptimal(c).N;
        var rawBaseline = baselineN;
        // A degenerate stage-1 law (an exponent or coefficient on its bound) can put its compute optimum at 0 or ∞: the
        // baseline is then clamped into the planner's own search range, where its trust reports the extrapolation.
        baselineN = c =>
        {
            double n;
            try { n = rawBaseline(c); } catch (ArgumentException) { n = double.NaN; }
            double hi = Math.Min(budget.NMax, Budgets.MaxN(c, budget.PostTrainingTokens));
            if (double.IsNaN(n)) n = Math.Sqrt(budget.NMin * Math.Max(budget.NMin, hi));
            return Math.Clamp(n, budget.NMin, Math.Max(budget.NMin, hi));
        };
        Validate(budget);
        PlanPoint opt; double flatLo, flatHi; bool boundary;
        if (budget.CTotal is null)
        {
            double nHi;
            if (budget.Dollars is { } usd) // the weights must fit the device; the rest is for the $ and latency to decide
                nHi = Math.Min(Math.Min(budget.NMax, Budgets.MaxN(HardwareCost.TrainFlopsForUsd(usd.Device, usd.TrainUsd), budget.PostTrainingTokens)),
                    usd.Device.MemoryBytes / usd.Device.BytesPerParameter);
            else
            {
                nHi = Math.Min(budget.NMax, Budgets.MaxN(budget.CTrain, budget.PostTrainingTokens));
                if (budget.FixedK is null) nHi = Math.Min(nHi, budget.CInf / 2); // k ≥ 1
            }
            double lo = Math.Log(budget.NMin), hi = Math.Log(nHi);
            if (!(hi > lo))
                throw new ArgumentException($"No model size fits the budget: N would have to lie in [{budget.NMin:G3}, {nHi:G3}]" +
                    (budget.PostTrainingTokens > 0 ? $" (post-training's {budget.PostTrainingTokens:G3} tokens per model, charged to C_train, leave no pretraining above that)." : "."));
            double Score(double logN) { var p = Point(metric, budget, Math.Exp(logN)); return metric.Maximize ? -p.Predicted : p.Predicted; }
            var xs = new double[Grid]; var fs = new double[Grid];
            int best = 0;
            for (int i = 0; i < Grid; i++)
            {
                xs[i] = lo + (hi - lo) * i / (Grid - 1);
                fs[i] = Score(xs[i]);
                if (double.IsNaN(fs[best]) || fs[i] < fs[best]) best = i;
            }
            if (double.IsNaN(fs[best]))
                throw new ArgumentException("No model size can serve one sample per query within the budget per query" +
                    (budget.Dollars?.MaxLatencySeconds is { } ml ? $" and the latency limit of {ml:G3} s" : "") + " (or its weights do not fit the device).");
            // Bracketed refinement: golden section between the grid neighbours of the best grid point.
            double a = xs[Math.Max(0, best - 1)], b = xs[Math.Min(Grid - 1, best + 1)];
            double xBest = GoldenSection(Score, a, b, xs[best], fs[best]);
            opt = Point(metric, budget, Math.Exp(xBest));
            boundary = best == 0 || best == Grid - 1;
            double fOpt = metric.Maximize ? -opt.Predicted : opt.Predicted;
            (flatLo, flatHi) = FlatSet(xs, fs, fOpt, metric.Maximize);
        }
        else
        {
            (opt, flatLo, flatHi, boundary) = PlanTotal(metric, budget);
        }
        var (baseline, rawK) = Baseline(metric, budget, baselineN, opt);
        return new PlanResult
        {
            Optimum = opt, Chinchilla = baseline, FlatNMin = flatLo, FlatNMax = flatHi, AtSearchBoundary = boundary, ChinchillaRawK = rawK,
        };
    }

    /// <summary>The point on the budget's line at model size N (training/inference split fixed by the budget).</summary>
    public static PlanPoint Point(PlanMetric metric, PlanBudget budget, double n)
    {
        double d, k;
        if (budget.Dollars is { } usd)
        {
            d = HardwareCost.TokensForUsd(usd.Device, usd.TrainUsd, n) - budget.PostTrainingTokens;
            k = HardwareCost.SamplesFor(usd.Device, usd.Shape, n, usd.UsdPerQuery, usd.MaxLatencySeconds);
            if (budget.IntegerK) k = Math.Floor(k);
            // An N that cannot serve one sample within the budget (or whose weights do not fit) scores NaN: never chosen.
            return new PlanPoint(n, d, k, d / n, k >= (budget.IntegerK ? 1 : 1e-9) && d > 0 ? metric.Evaluate(n, d, k) : double.NaN);
        }
        d = Budgets.PretrainTokens(budget.CTrain, n, budget.PostTrainingTokens);
        k = budget.FixedK ?? Budgets.SamplesFor(budget.CInf, n);
        if (budget.IntegerK && budget.FixedK is null) k = Math.Max(1, Math.Floor(k));
        return new PlanPoint(n, d, k, d / n, metric.Evaluate(n, d, k));
    }

    private static (PlanPoint, double) Baseline(PlanMetric metric, PlanBudget budget, Func<double, double> baselineN, PlanPoint opt)
    {
        if (budget.CTotal is null)
        {
            if (budget.Dollars is { } usd)
            {
                double nu = baselineN(HardwareCost.TrainFlopsForUsd(usd.Device, usd.TrainUsd)); // the $ buy these FLOPs at any N
                var pu = Point(metric, budget, nu);
                return (pu, HardwareCost.SamplesFor(usd.Device, usd.Shape, nu, usd.UsdPerQuery, usd.MaxLatencySeconds));
            }
            double nc = baselineN(budget.CTrain);
            return (Point(metric, budget, nc), budget.FixedK ?? Budgets.SamplesFor(budget.CInf, nc));
        }
        // End-to-end budget: train Chinchilla-optimally with the training compute the T² optimum chose; the rest buys samples.
        double post = budget.PostTrainingTokens, trained = Budgets.TrainFlops(opt.N, opt.D + post);
        double n = baselineN(trained), d = Budgets.PretrainTokens(trained, n, post);
        double raw = (budget.CTotal.Value - trained) / (budget.Queries * budget.TokensPerQuery * 2 * n);
        double kk = Math.Max(budget.IntegerK ? Math.Floor(raw) : raw, 1);
        return (new PlanPoint(n, d, kk, d / n, metric.Evaluate(n, d, kk)), raw);
    }

    private static (PlanPoint, double, double, bool) PlanTotal(PlanMetric metric, PlanBudget budget)
    {
        double total = budget.CTotal!.Value, qL = budget.Queries * budget.TokensPerQuery;
        // For each N, the training share f gives D = f·T/6N and k = (1 − f)·T/(2N·Q·L); k ≥ 1 caps f.
        double Score(double logN, double f)
        {
            double n = Math.Exp(logN), d = Budgets.PretrainTokens(f * total, n, budget.PostTrainingTokens), k = Budgets.SamplesFor((1 - f) * total / qL, n);
            if (budget.IntegerK) k = Math.Floor(k);
            if (k < 1 || d < 1) return double.PositiveInfinity;
            double v = metric.Evaluate(n, d, k);
            return metric.Maximize ? -v : v;
        }
        double lo = Math.Log(budget.NMin), hi = Math.Log(Math.Min(budget.NMax, Budgets.MaxN(total, budget.PostTrainingTokens)));
        const int gn = 301, gf = 199;
        double bestF = double.PositiveInfinity, bx = lo, bf = 0.5;
        var perN = new double[gn]; var xs = new double[gn];
        for (int i = 0; i < gn; i++)
        {
            xs[i] = lo + (hi - lo) * i / (gn - 1);
            perN[i] = double.PositiveInfinity;
            for (int j = 1; j <= gf; j++)
            {
                double f = j / (gf + 1.0), s = Score(xs[i], f);
                if (s < perN[i]) perN[i] = s;
                if (s < bestF) { bestF = s; bx = xs[i]; bf = f; }
            }
        }
        if (double.IsPositiveInfinity(bestF)) throw new ArgumentException("The end-to-end budget cannot pay for one sample per query at any model size.");
        // Alternate golden sections in log N and f around the grid optimum.
        double dx = (hi - lo) / (gn - 1), df = 1.0 / (gf + 1);
        for (int it = 0; it < 6; it++)
        {
            double f0 = bf, x0 = bx;
            bx = GoldenSection(x => Score(x, f0), x0 - dx, x0 + dx, x0, Score(x0, f0));
            double x1 = bx;
            bf = GoldenSection(f => Score(x1, f), Math.Max(1e-6, f0 - df), Math.Min(1 - 1e-6, f0 + df), f0, Score(x1, f0));
        }
        double n = Math.Exp(bx), d = Budgets.PretrainTokens(bf * total, n, budget.PostTrainingTokens), k = Budgets.SamplesFor((1 - bf) * total / qL, n);
        if (budget.IntegerK) k = Math.Floor(k);
        var opt = new PlanPoint(n, d, k, d / n, metric.Evaluate(n, d, k));
        var (flo, fhi) = FlatSet(xs, perN, metric.Maximize ? -opt.Predicted : opt.Predicted, metric.Maximize);
        return (opt, flo, fhi, bx <= lo + dx || bx >= hi - dx);
    }

    // Grid points (in log N) whose score is within 1 % of the optimum's metric value.
    private static (double, double) FlatSet(double[] xs, double[] fs, double fOpt, bool maximize)
    {
        double lo = double.NaN, hi = double.NaN;
        for (int i = 0; i < xs.Length; i++)
        {
            double metric = maximize ? -fs[i] : fs[i], best = maximize ? -fOpt : fOpt;
            bool within = maximize ? metric >= 0.99 * best : metric <= 1.01 * best;
            if (!within || double.IsNaN(metric)) continue;
            if (double.IsNaN(lo)) lo = xs[i];
            hi = xs[i];
        }
        return (Math.Exp(lo), Math.Exp(hi));
    }

    /// <summary>Golden-section search for a minimum in [a, b]; returns the best point seen (never worse than <paramref name="x0"/>).</summary>
    public static double GoldenSection(Func<double, double> f, double a, double b, double x0, double f0)
    {
        const double g = 0.6180339887498949;
        double c = b - g * (b - a), d = a + g * (b - a), fc = f(c), fd = f(d);
        double bestX = x0, bestF = f0;
        for (int i = 0; i < 200 && Math.Abs(b - a) > 1e-12 * (1 + Math.Abs(a)); i++)
        {
            if (fc < bestF) { bestF = fc; bestX = c; }
            if (fd < bestF) { bestF = fd; bestX = d; }
            if (fc < fd) { b = d; d = c; fd = fc; c = b - g * (b - a); fc = f(c); }
            else { a = c; c = d; fc = fd; d = a + g * (b - a); fd = f(d); }
        }
        if (fc < bestF) bestX = c;
        return bestX;
    }

    private static void Validate(PlanBudget b)
    {
        if (!double.IsFinite(b.PostTrainingTokens) || b.PostTrainingTokens < 0)
            throw new ArgumentException($"PostTrainingTokens {b.PostTrainingTokens} must be finite and ≥ 0.");
        if (b.Dollars is { } usd)
        {
            if (b.CTotal is not null || b.FixedK is not null) throw new ArgumentException("A dollar budget replaces CTotal and FixedK.");
            usd.Validate();
            return;
        }
        if (b.CTotal is { } t)
        {
            Limits.CheckFlops("CTotal", t);
            if (!(b.Queries > 0) || !(b.TokensPerQuery > 0) || !double.IsFinite(b.Queries * b.TokensPerQuery))
                throw new ArgumentException("CTotal needs Queries and TokensPerQuery finite and > 0.");
            return;
        }
        Limits.CheckFlops("CTrain", b.CTrain);
        if (b.FixedK is { } k) Limits.CheckK("FixedK", k);
        else Limits.CheckFlops("CInf", b.CInf);
    }
}
