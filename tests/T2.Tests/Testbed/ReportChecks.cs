using System.Globalization;
using System.Text.Json;
using Microsoft.Playwright;

namespace T2.Tests.Testbed;

/// <summary>
/// What the report must show at any viewport (issue 21, item 4), checked in the browser on whatever report the page holds:
/// tables whose every cell is in view, heatmap labels that are whole and tell rows apart, convergence flags that agree with
/// the findings below them, frontiers that mark where k &lt; 1, a planner that opens on the plan table's plan, and every
/// plan (table and planner) shown with its own trust line, never an over-budget plan without saying so.
/// </summary>
public static class ReportChecks
{
    private static double Num(string s) => double.Parse(s, CultureInfo.InvariantCulture);

    /// <summary>Every cell of every data table lies inside the viewport and inside any scrolling box around it (nothing
    /// hides behind a sideways scroll); on a phone the rows stack as cards (every cell inside its card, named).</summary>
    public static async Task TablesInView(IPage page, string size)
    {
        var bad = await page.EvaluateAsync<string[]>("""
            () => {
              const out = [], W = window.innerWidth, phone = W <= 700;
              const tables = [...document.querySelectorAll('table.data')];
              if (!document.getElementById('plan-table')) out.push('no #plan-table');
              for (const t of tables) {
                for (const td of t.querySelectorAll('tbody td')) {
                  const r = td.getBoundingClientRect();
                  if (r.width === 0 && r.height === 0) continue; // an empty cell of a hidden planner row
                  let box = { left: 0, right: W };
                  for (let e = td.parentElement; e; e = e.parentElement) {
                    const ox = getComputedStyle(e).overflowX;
                    if (ox === 'auto' || ox === 'scroll' || ox === 'hidden') { const b = e.getBoundingClientRect(); box = { left: Math.max(box.left, b.left), right: Math.min(box.right, b.right) }; }
                  }
                  const id = (t.id || t.closest('section').id) + ' [' + (td.dataset.label || td.cellIndex) + '] ' + td.textContent.slice(0, 30);
                  if (r.left < box.left - 1 || r.right > box.right + 1) out.push(id + ': x ' + Math.round(r.left) + '–' + Math.round(r.right) + ' outside ' + Math.round(box.left) + '–' + Math.round(box.right));
                  const card = td.parentElement.getBoundingClientRect();
                  if (phone && (getComputedStyle(td.parentElement).display !== 'block' || r.left < card.left - 1 || r.right > card.right + 1)) out.push(id + ': not inside its card');
                  if (phone && !td.dataset.label) out.push(id + ': card cell without its column name');
                }
              }
              return out.slice(0, 12);
            }
            """);
        Assert.True(bad.Length == 0, $"{size}: " + string.Join(" | ", bad));
    }

    /// <summary>Each heatmap's row labels differ from one another and lie whole inside the chart, left of the cells.</summary>
    public static async Task HeatmapLabels(IPage page, string size)
    {
        var bad = await page.EvaluateAsync<string[]>("""
            () => {
              const out = [];
              for (const svg of document.querySelectorAll('svg.heat')) {
                const box = svg.getBoundingClientRect();
                const labels = [...svg.querySelectorAll('text.hl')];
                if (labels.length === 0) out.push('heatmap without row labels');
                const texts = labels.map(t => t.childNodes[0].textContent);
                if (new Set(texts).size !== texts.length) out.push('labels repeat: ' + texts.filter((t, i) => texts.indexOf(t) !== i).join(', '));
                const firstCell = Math.min(...[...svg.querySelectorAll('rect')].map(r => r.getBoundingClientRect().left));
                for (const t of labels) {
                  const r = t.getBoundingClientRect();
                  if (r.left < box.left - 0.5) out.push(texts[labels.indexOf(t)] + ' clipped at the left');
                  if (r.right > firstCell + 0.5) out.push(texts[labels.indexOf(t)] + ' runs into the cells');
                }
              }
              return out.slice(0, 12);
            }
            """);
        Assert.True(bad.Length == 0, $"{size}: " + string.Join(" | ", bad));
    }

    /// <summary>A parameters card never says a stage converged above a finding that says it did not.</summary>
    public static async Task ConvergedMatchesFindings(IPage page)
    {
        var bad = await page.EvaluateAsync<string[]>("""
            () => {
              const out = [];
              for (const card of document.querySelectorAll('#parameters .card')) {
                const flags = [...card.querySelectorAll('.conv [data-scope]')];
                if (flags.length === 0) out.push('card without its convergence line');
                for (const li of card.querySelectorAll('li[data-code=not_converged], li[data-code=no_start_converged]')) {
                  const scope = li.dataset.scope;
                  if (scope !== '' && scope !== 'stage1' && scope !== 'stage2') continue; // bootstrap replicates have their own
                  const flag = flags.find(f => f.dataset.scope === scope) || (scope === '' ? flags.find(f => f.dataset.scope === 'stage2') : null);
                  if (!flag || !/\bno\b/.test(flag.textContent)) out.push(card.querySelector('h4').textContent + ': "' + (flag ? flag.textContent : '?') + '" above ' + li.dataset.code + ' (' + scope + ')');
                }
              }
              return out;
            }
            """);
        Assert.True(bad.Length == 0, string.Join(" | ", bad));
    }

    /// <summary>
    /// In each frontier chart of k*, every point of a line drawn as a plan lies on or above the k = 1 line, and every point
    /// marked k &lt; 1 below it (a geometric check, independent of how the page decided). At least one chart has a baseline
    /// that can be checked.
    /// </summary>
    public static async Task FrontierMarksKBelowOne(IPage page)
    {
        var r = await page.EvaluateAsync<JsonElement>("""
            () => {
              const out = [], pts = p => p.getAttribute('points').trim().split(/\s+/).map(xy => +xy.split(',')[1]);
              let charts = 0;
              for (const svg of document.querySelectorAll('#frontiers svg.chart')) {
                if (!/k\* \(samples per query\)/.test(svg.getAttribute('aria-label'))) continue;
                const one = svg.querySelector('polyline.kone');
                if (!one) { out.push('k chart without its k = 1 line'); continue; }
                charts++;
                const y1 = pts(one)[0];
                for (const pl of svg.querySelectorAll('polyline:not(.kone)')) {
                  const below = pl.classList.contains('kbelow1');
                  for (const y of pts(pl)) if (below ? !(y > y1 - 0.05) : y > y1 + 0.05) out.push(svg.getAttribute('aria-label') + ': ' + (below ? 'marked k < 1 above k = 1' : 'unmarked point below k = 1'));
                }
                for (const c of svg.querySelectorAll('circle.kbelow1')) if (!(+c.getAttribute('cy') > y1 - 0.05)) out.push('marked point above k = 1');
              }
              return { charts, bad: out.slice(0, 12) };
            }
            """);
        Assert.True(r.GetProperty("charts").GetInt32() > 0, "no frontier chart of k*");
        var bad = r.GetProperty("bad").EnumerateArray().Select(x => x.GetString()).ToList();
        Assert.True(bad.Count == 0, string.Join(" | ", bad));
    }

    /// <summary>
    /// The planner opens on the plan table's plan: the same task, approach and budgets, so its first optimum and baseline are
    /// the table's rows to the digits the page carries. With the ladder's validation, the task and approach are those whose
    /// planned models the ladder trained (RQ1's trained_as).
    /// </summary>
    public static async Task PlannerOpensOnThePlanTable(IPage page, string? validationPath)
    {
        var r = await page.EvaluateAsync<JsonElement>("""
            () => {
              const sel = document.getElementById('pl-task'), task = sel.options[sel.selectedIndex].text, ap = document.getElementById('pl-approach').value;
              const mode = document.querySelector('input[name=pl-mode]:checked').value;
              const v = id => document.getElementById(id).dataset.v;
              const row = kind => { const tr = [...document.querySelectorAll('#plan-table tbody tr')].find(t => t.dataset.task === task && t.dataset.approach === ap && t.dataset.plan === kind);
                return tr ? [...tr.querySelectorAll('td[data-v]')].map(td => td.dataset.v) : null; };
              return { task, ap, mode, planner: [v('pl-n'), v('pl-r'), v('pl-k'), v('pl-m')], plannerC: [v('pl-cn'), v('pl-cr'), v('pl-ck'), v('pl-cm')],
                       table: row('t2'), tableC: row('chinchilla') };
            }
            """);
        Assert.Equal("split", r.GetProperty("mode").GetString());
        string task = r.GetProperty("task").GetString()!, ap = r.GetProperty("ap").GetString()!;
        foreach (var (planner, table) in new[] { ("planner", "table"), ("plannerC", "tableC") })
        {
            Assert.True(r.GetProperty(table).ValueKind == JsonValueKind.Array, $"the plan table has no row for {task}, approach {ap}");
            var a = r.GetProperty(planner).EnumerateArray().Select(x => Num(x.GetString()!)).ToArray();
            var b = r.GetProperty(table).EnumerateArray().Select(x => Num(x.GetString()!)).ToArray();
            Assert.Equal(4, b.Length);
            for (int i = 0; i < 4; i++)
                Assert.True(Math.Abs(a[i] - b[i]) <= 1e-4 * Math.Abs(b[i]),
                    $"planner opens on {task} A{ap} with {string.Join(", ", a)}; the plan table says {string.Join(", ", b)} ({planner})");
        }
        if (validationPath is null) return;
        // The trained plan's runs are labelled t2opt-TASK-aAPPROACH (validation's RQ1 says which run each row measured).
        using var doc = JsonDocument.Parse(File.ReadAllText(validationPath));
        var labels = doc.RootElement.GetProperty("rq1").EnumerateArray().Select(x => x.GetProperty("planned").GetProperty("trained_as"))
            .Where(x => x.ValueKind == JsonValueKind.String).Select(x => x.GetString()).Distinct().ToList();
        Assert.Equal(["t2opt-" + task + "-a" + ap], labels);
    }

    /// <summary>
    /// Every plan shown carries its trust line: each plan-table row, and both planner rows at every point of both grids (each
    /// task and approach). A plan that spends more than its budget (end to end: 6ND + Q·L·2Nk above C_total; or k = C_inf/2N
    /// below 1) must be flagged beside its name and in the comparison line, recomputed here from the numbers the page holds.
    /// The end-to-end grid must hold such a baseline somewhere, so the check is exercised.
    /// </summary>
    public static async Task EveryPlanHasItsTrustLine(IPage page)
    {
        var r = await page.EvaluateAsync<JsonElement>("""
            () => {
              const out = [], $ = id => document.getElementById(id);
              for (const tr of document.querySelectorAll('table.data tr[data-plan]'))
                if (!tr.querySelector('td.trust') || tr.querySelector('td.trust').textContent.trim().length < 5) out.push('table row without trust: ' + tr.textContent.slice(0, 60));
              const D = JSON.parse($('planner-data').textContent);
              const set = (id, v) => { const s = $(id); s.value = v; s.dispatchEvent(new Event('input')); };
              const mode = m => { const r = document.querySelector('input[name=pl-mode][value=' + m + ']'); r.checked = true; r.dispatchEvent(new Event('change')); };
              const num = id => +$(id).dataset.v;
              let flaggedTotal = 0, shown = 0;
              function check(budget) {
                if ($('pl-n').textContent === '—') return;
                shown++;
                for (const [t, name] of [['pl-t', 'pl-name'], ['pl-ct', 'pl-cname']])
                  if ($(t).textContent.trim().length < 5) out.push('planner row ' + name + ' without trust at ' + JSON.stringify(budget));
                for (const [n, d, k, name] of [['pl-n', 'pl-d', 'pl-k', 'pl-name'], ['pl-cn', 'pl-cd', 'pl-ck', 'pl-cname']]) {
                  const N = num(n), Dd = num(d), K = num(k);
                  const over = budget.total ? 6 * N * Dd + budget.served * 2 * N * K > budget.total * 1.001 : (K < 0.999 || 2 * N * K > budget.cInf * 1.001);
                  if (!over) continue;
                  if (budget.total) flaggedTotal++;
                  if (!$(name).querySelector('b.flag')) out.push($(name).textContent + ' over its budget, unflagged, at ' + JSON.stringify(budget));
                  if (!/Not a like-for-like comparison/.test($('pl-trust').textContent)) out.push('comparison line silent at ' + JSON.stringify(budget));
                }
              }
              const task = $('pl-task'), ap = $('pl-approach'), opt = $('pl-option');
              for (let t = 0; t < D.tasks.length; t++) {
                task.value = t; task.dispatchEvent(new Event('change'));
                for (const a of [...ap.options].map(o => o.value)) {
                  ap.value = a; ap.dispatchEvent(new Event('change'));
                  if (opt) { opt.value = 'split'; opt.dispatchEvent(new Event('change')); }
                  mode('split');
                  for (let i = 0; i < D.cTrain.length; i++) for (let j = 0; j < D.cInf.length; j++) { set('pl-ctrain', i); set('pl-cinf', j); check({ cInf: D.cInf[j] }); }
                  mode('total');
                  for (let i = 0; i < D.cTotal.length; i++) for (let j = 0; j < D.queries.length; j++) for (let l = 0; l < D.tpq.length; l++) {
                    set('pl-ctotal', i); set('pl-q', j); set('pl-l', l); check({ total: D.cTotal[i], served: D.queries[j] * D.tpq[l] });
                  }
                }
              }
              return { bad: out.slice(0, 12), flaggedTotal, shown };
            }
            """);
        var bad = r.GetProperty("bad").EnumerateArray().Select(x => x.GetString()).ToList();
        Assert.True(bad.Count == 0, string.Join(" | ", bad));
        Assert.True(r.GetProperty("shown").GetInt32() > 0, "the planner showed no plan");
        Assert.True(r.GetProperty("flaggedTotal").GetInt32() > 0, "no end-to-end plan over its budget on the grid: the check was not exercised");
        await page.ReloadAsync(); // back to the opening state the rest of the test starts from
    }
}
