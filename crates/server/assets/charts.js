// Draws every element with a data-chart attribute with uPlot, and sends
// forms marked data-confirm only after the user confirms.
(function () {
  "use strict";
  var palette = ["#2563eb", "#dc2626", "#16a34a", "#d97706", "#7c3aed", "#0891b2"];

  function draw(el) {
    var spec = JSON.parse(el.getAttribute("data-chart"));
    var bars = spec.kind === "bars";
    var x = bars ? spec.labels.map(function (_, i) { return i; }) : spec.x;
    var data = [x].concat(spec.series.map(function (s) { return s.values; }));
    var series = [{}].concat(spec.series.map(function (s, i) {
      var c = palette[i % palette.length];
      var one = { label: s.label, stroke: c, width: 2, points: { show: bars || x.length < 40, size: 7, fill: c } };
      // uPlot draws bars of one series per x; further series are lines
      // with points over the bars, so none hides another.
      if (bars && i === 0) {
        one.fill = c + "99";
        one.paths = uPlot.paths.bars({ size: [0.6, 64] });
        one.points = { show: false };
      }
      return one;
    }));
    var axes = [{}, {}];
    if (bars) {
      axes[0] = {
        splits: function () { return x; },
        values: function (_, ticks) { return ticks.map(function (t) { return spec.labels[t] || ""; }); }
      };
    }
    var opts = {
      width: Math.max(260, el.clientWidth),
      height: bars ? 220 : 240,
      scales: { x: { time: spec.kind === "time" } },
      series: series,
      axes: axes,
      legend: { show: true }
    };
    if (bars) {
      opts.scales.x.range = function () { return [-0.5, x.length - 0.5]; };
      opts.scales.x.distr = 2;
    }
    var plot = new uPlot(opts, data, el);
    window.addEventListener("resize", function () {
      plot.setSize({ width: Math.max(260, el.clientWidth), height: opts.height });
    });
  }

  document.querySelectorAll("[data-chart]").forEach(draw);
  document.querySelectorAll("form[data-confirm]").forEach(function (f) {
    f.addEventListener("submit", function (e) {
      if (!window.confirm(f.getAttribute("data-confirm"))) e.preventDefault();
    });
  });
})();
