// Monthly plan against metered use of one water user, from the page's use.json endpoint.
(function () {
  const element = document.getElementById("use-chart");
  if (!element) return;
  const language = document.documentElement.lang || "zh-hans";
  const labels = language.startsWith("zh")
    ? {planned: "计划用水量", actual: "实际用水量", month: (m) => m + "月"}
    : {planned: "Planned", actual: "Actual", month: (m) => ["Jan","Feb","Mar","Apr","May","Jun","Jul","Aug","Sep","Oct","Nov","Dec"][m - 1]};
  fetch(element.dataset.url, {credentials: "same-origin"}).then((response) => response.json()).then((data) => {
    echarts.init(element).setOption({
      tooltip: {trigger: "axis"},
      legend: {data: [labels.planned, labels.actual]},
      grid: {left: 70, right: 20, top: 40, bottom: 30},
      xAxis: {type: "category", data: data.months.map(labels.month)},
      yAxis: {type: "value", name: "m³"},
      series: [
        {name: labels.planned, type: "line", step: "middle", data: data.planned_m3, itemStyle: {color: "#e07b00"}},
        {name: labels.actual, type: "bar", data: data.actual_m3, itemStyle: {color: "#0b6e8a"}},
      ],
    });
  });
})();
