// Sankey diagram of a reuse study's network: the data sits in a json_script element next to the chart.
document.addEventListener("DOMContentLoaded", () => {
  const element = document.getElementById("reuse-sankey");
  const source = document.getElementById("reuse-sankey-data");
  if (!element || !source || typeof echarts === "undefined") return;
  const data = JSON.parse(source.textContent);
  const chart = echarts.init(element);
  chart.setOption({
    animation: false,
    tooltip: { trigger: "item", valueFormatter: (value) => `${value} m³/h` },
    series: [{
      type: "sankey",
      data: data.nodes,
      links: data.links,
      emphasis: { focus: "adjacency" },
      nodeAlign: "justify",
      label: { fontSize: 11 },
      lineStyle: { color: "gradient", curveness: 0.5 },
    }],
  });
  window.addEventListener("resize", () => chart.resize());
});
