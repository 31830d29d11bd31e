// Monthly plan against metered use of one water user, from the page's use.json endpoint.
(function () {
  const element = document.getElementById("use-chart");
  if (!element) return;
  // The series names come translated from the page (data-*-label); month names from the browser in the page's language.
  const monthName = new Intl.DateTimeFormat(document.documentElement.lang || "zh-hans", {month: "short"});
  const labels = {
    planned: element.dataset.plannedLabel,
    actual: element.dataset.actualLabel,
    month: (m) => monthName.format(new Date(2000, m - 1, 1)),
  };
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
