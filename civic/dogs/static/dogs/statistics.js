// Charts (ECharts) and the map (Leaflet) of the dog-management figures, from the page's JSON.
(function () {
  const source = document.getElementById("dog-figures");
  if (!source) return;
  const data = JSON.parse(source.textContent);
  // Series names, translated by the page's view.
  const words = data.labels;
  const colour = "#0b6e8a";

  function bars(id, rows, name, horizontal) {
    const element = document.getElementById(id);
    if (!element) return;
    const names = rows.map((row) => row.name || row.month);
    const values = rows.map((row) => row.count);
    const category = {type: "category", data: names, axisLabel: {interval: 0, rotate: horizontal ? 0 : 40}};
    const value = {type: "value", minInterval: 1};
    echarts.init(element).setOption({
      // containLabel: the grid makes room for the longest label (key areas' names are long).
      tooltip: {}, grid: {left: 10, right: 20, top: 20, bottom: 10, containLabel: true},
      xAxis: horizontal ? value : category, yAxis: horizontal ? {...category, inverse: true} : value,
      series: [{name: name, type: "bar", data: values, itemStyle: {color: colour}}],
    });
  }

  function pie(id, rows) {
    const element = document.getElementById(id);
    if (!element) return;
    echarts.init(element).setOption({
      tooltip: {trigger: "item"},
      // Long names (禁止犬只进入的公园) wrap rather than being cut to their first character.
      series: [{type: "pie", radius: ["30%", "60%"], label: {overflow: "break"},
                data: rows.map((row) => ({name: row.name, value: row.count}))}],
    });
  }

  function stacked(id, rows, keys) {
    const element = document.getElementById(id);
    if (!element || !rows) return;
    echarts.init(element).setOption({
      tooltip: {trigger: "axis"}, legend: {data: keys.map((key) => words[key])},
      grid: {left: 10, right: 20, top: 30, bottom: 10, containLabel: true},
      xAxis: {type: "value", minInterval: 1}, yAxis: {type: "category", inverse: true, data: rows.map((row) => row.name)},
      series: keys.map((key) => ({name: words[key], type: "bar", stack: "all", data: rows.map((row) => row[key])})),
    });
  }

  function map(id) {
    const element = document.getElementById(id);
    if (!element || typeof L === "undefined") return;
    const towns = data.town_layer;
    const largest = Math.max(1, ...towns.features.map((feature) => feature.properties.count));
    const leaflet = L.map(element, {attributionControl: false, zoomSnap: 0.25});
    const townLayer = L.geoJSON(towns, {
      style: (feature) => ({color: "#0b4f63", weight: 1, fillColor: colour, fillOpacity: 0.1 + 0.7 * feature.properties.count / largest}),
      onEachFeature: (feature, layer) => layer.bindTooltip(mapText(feature.properties.name + " " + feature.properties.count)),
    }).addTo(leaflet);
    L.geoJSON(data.key_area_layer, {
      style: {color: "#b3261e", weight: 2, dashArray: "4 3", fill: false},
      onEachFeature: (feature, layer) => layer.bindTooltip(mapText(feature.properties.name + " " + feature.properties.count)),
    }).addTo(leaflet);
    if (towns.features.length) leaflet.fitBounds(townLayer.getBounds());
    else leaflet.setView([31.7, 119.95], 10);
  }

  map("dog-map");
  bars("town-chart", data.towns, words.dogs, true);
  bars("key-area-chart", data.key_areas, words.dogs, true);
  pie("breed-chart", data.breeds);
  bars("month-chart", data.monthly_registrations, words.registrations, false);
  bars("violation-chart", data.violations_by_type, words.cases, true);
  pie("place-chart", data.violations_by_place_kind);
  stacked("throughput-chart", data.throughput, ["registrations", "renewals", "other"]);
  stacked("renewal-chart", data.renewals, ["due", "overdue"]);
})();
