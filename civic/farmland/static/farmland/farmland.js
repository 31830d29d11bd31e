// Charts and maps of the farmland pages: progress by year and method, projects by status, the coefficient by year.
(function () {
  "use strict";
  function read(id) {
    const element = document.getElementById(id);
    return element ? JSON.parse(element.textContent) : null;
  }

  function chart(id, option) {
    const element = document.getElementById(id);
    if (!element || typeof echarts === "undefined") return;
    echarts.init(element).setOption(option);
  }

  const progress = read("farmland-chart-data");
  if (progress) {
    const words = progress.words;
    const series = [
      {name: words.built, type: "bar", data: progress.built},
      {name: words.cumulative, type: "line", data: progress.cumulative},
    ];
    if (progress.target !== null) {
      series.push({name: words.target, type: "line", data: progress.years.map(() => progress.target), lineStyle: {type: "dashed"}, symbol: "none"});
    }
    chart("year-chart", {
      tooltip: {trigger: "axis"}, legend: {data: series.map((item) => item.name)},
      grid: {left: 10, right: 20, top: 30, bottom: 10, containLabel: true},
      xAxis: {type: "category", data: progress.years.map(String)}, yAxis: {type: "value"}, series: series,
    });
    chart("method-chart", {tooltip: {trigger: "item"}, series: [{type: "pie", radius: ["35%", "65%"], data: progress.methods}]});
  }

  function addText(layer, text) {
    const span = document.createElement("span");
    span.textContent = text;  // names are text, never HTML
    layer.bindTooltip(span);
  }

  const mapData = read("farmland-map-data");
  const mapElement = document.getElementById("farmland-map");
  if (mapData && mapElement && typeof L !== "undefined") {
    const map = L.map(mapElement, {attributionControl: false, zoomSnap: 0.25});
    const towns = L.geoJSON(mapData.towns, {
      style: {color: "#0b4f63", weight: 1, fillOpacity: 0.03},
      onEachFeature: (feature, layer) => addText(layer, feature.properties.name),
    }).addTo(map);
    const projects = L.geoJSON(mapData.projects, {
      style: (feature) => ({color: feature.properties.colour, weight: 1, fillColor: feature.properties.colour, fillOpacity: 0.6}),
      onEachFeature: (feature, layer) => addText(layer, feature.properties.code + " " + feature.properties.name + " · " + feature.properties.status + " · " + feature.properties.area_mu + " 亩"),
    }).addTo(map);
    if (mapData.towns.features.length) map.fitBounds(towns.getBounds());
    else if (mapData.projects.features.length) map.fitBounds(projects.getBounds());
    else map.setView([31.7, 119.95], 10);
  }

  const geometry = read("project-geometry");
  const projectElement = document.getElementById("project-map");
  if (geometry && projectElement && typeof L !== "undefined") {
    const map = L.map(projectElement, {attributionControl: false});
    const layer = L.geoJSON(geometry, {style: {color: "#2e8540", weight: 2, fillOpacity: 0.4}}).addTo(map);
    map.fitBounds(layer.getBounds());
  }

  const coefficients = read("coefficient-chart-data");
  if (coefficients) {
    const words = coefficients.words;
    const names = ["county", "provincial", "national", "target"];
    chart("coefficient-chart", {
      tooltip: {trigger: "axis"}, legend: {data: names.map((name) => words[name])},
      grid: {left: 10, right: 20, top: 30, bottom: 10, containLabel: true},
      xAxis: {type: "category", data: coefficients.years.map(String)}, yAxis: {type: "value", min: 0.4, max: 0.8},
      series: names.map((name) => ({name: words[name], type: "line", connectNulls: true, data: coefficients[name],
        lineStyle: name === "county" ? {width: 3} : {type: "dashed"}})),
    });
  }
})();
