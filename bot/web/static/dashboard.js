// scopegate's dashboard: draws the charts from the figures the server wrote into the page
// (#dashboard-data, the /api/ answers themselves) with the vendored Chart.js. No network request.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("dashboard-data").textContent);
  var palette = ["#4c78a8", "#72b7b2", "#54a24b", "#eeca3b", "#f58518", "#e45756", "#b279a2", "#9d755d"];

  function draw(id, labels, datasets, options) {
    var canvas = document.getElementById(id);
    if (!labels.length) {
      canvas.parentNode.style.display = "none";
      return;
    }
    datasets.forEach(function (set, i) {
      set.backgroundColor = set.backgroundColor || palette[i % palette.length];
    });
    new Chart(canvas, {
      type: "bar",
      data: { labels: labels, datasets: datasets },
      options: Object.assign({ animation: false, responsive: true, maintainAspectRatio: false }, options),
    });
  }

  function axis(title, extra) {
    return Object.assign({ beginAtZero: true, title: { display: true, text: title } }, extra || {});
  }

  // Pull requests by size, week by week: one stacked bar a week, a colour a size.
  var weeks = data.trends.sizes_by_week;
  draw(
    "chart-sizes",
    weeks.map(function (w) { return w.week; }),
    data.sizes.map(function (size) {
      return { label: size, data: weeks.map(function (w) { return w.sizes[size]; }) };
    }),
    { scales: { x: { stacked: true }, y: axis("pull requests", { stacked: true, ticks: { precision: 0 } }) } }
  );

  // Rework by size and AI share: mean rework lines, a bar per AI bucket within each size.
  var groups = data.report.groups;
  var sizes = data.sizes.filter(function (s) { return groups.some(function (g) { return g.size === s; }); });
  var buckets = data.ai_buckets.filter(function (a) {
    return groups.some(function (g) { return g["ai share"] === a; });
  });
  draw(
    "chart-rework",
    sizes,
    buckets.map(function (bucket) {
      return {
        label: bucket,
        data: sizes.map(function (size) {
          var cell = groups.find(function (g) { return g.size === size && g["ai share"] === bucket; });
          return cell ? cell.rework_lines_mean : null;
        }),
      };
    }),
    { scales: { y: axis("rework lines (mean)") } }
  );

  // Rounds of review: how many pull requests took 0, 1, 2, ... rounds.
  var rounds = data.trends.rounds;
  draw(
    "chart-rounds",
    rounds.map(function (r) { return r.rounds; }),
    [{ label: "pull requests", data: rounds.map(function (r) { return r.prs; }) }],
    { plugins: { legend: { display: false } }, scales: { y: axis("pull requests", { ticks: { precision: 0 } }) } }
  );

  // LLM review cost per pull request, repository, team, stage and model: the dearest keys, in dollars,
  // with each key's calls in its tooltip. No call recorded: the page says so and has no cost chart.
  data.cost_groupings.forEach(function (by) {
    var costs = data.costs[by].slice(0, data.cost_rows);
    if (!costs.length) {
      return;
    }
    function calls(item) { return costs[item.dataIndex].calls + " calls"; }
    draw(
      "chart-cost-" + by,
      costs.map(function (c) { return c[by]; }),
      [{ label: "USD", data: costs.map(function (c) { return c.charged_nano_usd / 1e9; }) }],
      {
        indexAxis: "y",
        plugins: {
          legend: { display: false },
          tooltip: { callbacks: { afterLabel: calls } },
        },
        scales: { x: axis("USD") },
      }
    );
  });

  document.body.setAttribute("data-charts", "drawn");
})();
