// Charts of the water-saving programme's pages: each draws when its data element is on the page.
(function () {
  "use strict";

  function data(id) {
    const element = document.getElementById(id);
    return element ? JSON.parse(element.textContent) : null;
  }

  function chart(id) {
    const element = document.getElementById(id);
    if (!element) { return null; }
    const instance = echarts.init(element);
    window.addEventListener("resize", function () { instance.resize(); });
    return instance;
  }

  const graph = data("chain-data");
  if (graph) {
    chart("chain-graph").setOption({
      tooltip: { formatter: function (item) { return item.dataType === "edge" ? item.data.value : item.name; } },
      legend: [{ data: graph.categories.map(function (category) { return category.name; }) }],
      series: [{
        type: "graph", layout: "force", roam: true, draggable: true,
        data: graph.nodes, links: graph.links, categories: graph.categories,
        force: { repulsion: 160, edgeLength: [40, 140], gravity: 0.08 },
        edgeSymbol: ["none", "arrow"], edgeSymbolSize: 6,
        label: { position: "right", fontSize: 12 },
        lineStyle: { color: "source", opacity: 0.5, curveness: 0.1 },
        emphasis: { focus: "adjacency" },
      }],
    });
  }

  const segments = data("segment-data");
  if (segments) {
    chart("segment-chart").setOption({
      tooltip: { trigger: "axis" },
      legend: { type: "scroll", top: 0 },
      grid: { top: 60, left: 50, right: 20, bottom: 30 },
      xAxis: { type: "category", data: segments.years.map(String) },
      yAxis: { type: "value" },
      series: segments.segments.map(function (name, index) {
        return { name: name, type: "bar", stack: "output", data: segments.output_hundred_million[index].map(function (value) { return Math.round(value * 100) / 100; }) };
      }),
    });
  }

  const feedback = data("feedback-data");
  if (feedback) {
    const labels = feedback.labels;
    chart("problem-chart").setOption({
      tooltip: { trigger: "axis" },
      legend: { data: [labels.reports, labels.severity] },
      xAxis: { type: "category", data: feedback.problems.names },
      yAxis: [{ type: "value" }, { type: "value", max: 3 }],
      series: [
        { name: labels.reports, type: "bar", data: feedback.problems.counts },
        { name: labels.severity, type: "line", yAxisIndex: 1, data: feedback.problems.severity },
      ],
    });
    chart("quarter-chart").setOption({
      tooltip: { trigger: "axis" },
      legend: { data: [labels.reports, labels.problems, labels.serious] },
      xAxis: { type: "category", data: feedback.quarters.names },
      yAxis: { type: "value" },
      series: [
        { name: labels.reports, type: "line", data: feedback.quarters.all },
        { name: labels.problems, type: "line", data: feedback.quarters.problems },
        { name: labels.serious, type: "bar", data: feedback.quarters.serious },
      ],
    });
    chart("segment-saving-chart").setOption({
      tooltip: { trigger: "axis" },
      legend: { data: [labels.claimed, labels.measured] },
      xAxis: { type: "category", data: feedback.segments.names },
      yAxis: { type: "value" },
      series: [
        { name: labels.claimed, type: "bar", data: feedback.segments.claimed },
        { name: labels.measured, type: "bar", data: feedback.segments.measured },
      ],
    });
  }
}());
