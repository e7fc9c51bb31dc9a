// Strategy report charts: each [data-chart] container gets its Vega-Lite spec from the JSON
// <script type="application/json" id="spec-NAME"> next to it; the tables stay the record.
// A file, not an inline script: the Content-Security-Policy allows scripts from /static only.
"use strict";
document.querySelectorAll("[data-chart]").forEach(function (el) {
  var source = document.getElementById("spec-" + el.dataset.chart);
  if (!source) return;
  vegaEmbed(el, JSON.parse(source.textContent), { actions: false, renderer: "svg" })
    .then(function () { el.dataset.rendered = "true"; })
    .catch(function (error) { el.dataset.rendered = "error"; el.textContent = String(error); });
});
