// The network page: pipes from the .inp coordinates on a plain (non-geographic) Leaflet map,
// sensors, each located leak with its candidate area and ranked candidate pipes, and ECharts of the night residuals.
(function () {
  const source = document.getElementById("network-summary");
  if (!source) return;
  const data = JSON.parse(source.textContent);
  const words = JSON.parse(document.getElementById("network-words").textContent);
  const point = (node) => { const xy = data.nodes[node]; return [xy[1], xy[0]]; };  // Leaflet takes [y, x]

  const map = L.map("network-map", {crs: L.CRS.Simple, attributionControl: false, minZoom: -10, zoomSnap: 0.25});
  // The view must be set before vector layers are added: the bounds of all nodes.
  map.fitBounds(L.latLngBounds(Object.keys(data.nodes).map(point)), {padding: [10, 10]});
  const pipes = L.featureGroup().addTo(map);
  const linkEnds = {};
  for (const [name, start, end, kind] of data.links) {
    linkEnds[name] = [start, end];
    const style = kind === "pipe" ? {color: "#8aa4ae", weight: 2} : {color: "#333", weight: 4, dashArray: "2 4"};
    L.polyline([point(start), point(end)], style).bindTooltip(mapText(`${kind} ${name}`)).addTo(pipes);
  }
  for (const node of [...data.reservoirs, ...data.tanks]) {
    L.circleMarker(point(node), {radius: 7, color: "#0b4f63", fillColor: "#fff", fillOpacity: 1}).bindTooltip(mapText(node)).addTo(map);
  }
  const middleOf = (pipe) => {
    const ends = linkEnds[pipe];
    if (!ends) return null;
    return [(point(ends[0])[0] + point(ends[1])[0]) / 2, (point(ends[0])[1] + point(ends[1])[1]) / 2];
  };
  for (const leak of data.leaks) {
    for (const pipe of leak.area || []) {
      const ends = linkEnds[pipe];
      if (!ends) continue;
      L.polyline([point(ends[0]), point(ends[1])], {color: "#e67e22", weight: 9, opacity: 0.55, className: "candidate-area"})
        .bindTooltip(mapText(`${words.area}: ${pipe}`)).addTo(map);
    }
    const shown = leak.candidates || [];
    shown.slice().reverse().forEach((candidate, index) => {
      const ends = linkEnds[candidate.pipe_id];
      if (!ends) return;
      const rank = shown.length - index;
      const weight = rank === 1 ? 7 : 5;
      const opacity = 1 - (rank - 1) / (shown.length + 2);
      L.polyline([point(ends[0]), point(ends[1])], {color: "#c0392b", weight: weight, opacity: opacity})
        .bindTooltip(mapText(`${words.candidate} ${candidate.pipe_id}: #${rank} (${candidate.similarity})`)).addTo(map);
    });
    const middle = middleOf(leak.pipe_id);
    if (middle) {
      L.circleMarker(middle, {radius: 10, color: "#c0392b", weight: 3, fillColor: "#c0392b", fillOpacity: 0.25, className: "located-leak"})
        .bindTooltip(mapText(`${words.leak} ${leak.pipe_id}: ${leak.start_time}, ${leak.size_m3_per_h} m³/h`)).addTo(map);
    }
  }
  for (const leak of data.true_leaks || []) {
    const middle = middleOf(leak.pipe_id);
    if (!middle) continue;
    L.circleMarker(middle, {radius: 14, color: "#c0392b", dashArray: "4 4", fill: false}).bindTooltip(mapText(leak.pipe_id)).addTo(map);
  }
  for (const sensor of data.sensors.pressures) {
    L.circleMarker(point(sensor), {radius: 5, color: "#0b6e8a", fillColor: "#0b6e8a", fillOpacity: 0.9})
      .bindTooltip(mapText(`${words.sensor} ${sensor}`)).addTo(map);
  }

  echarts.init(document.getElementById("night-chart")).setOption({
    animation: false, tooltip: {trigger: "axis"}, legend: {top: 0}, grid: {left: 60, right: 20, top: 30, bottom: 30},
    xAxis: {type: "category", data: data.nights.map((night) => night.night.slice(0, 10))},
    yAxis: {type: "value", scale: true},
    series: [
      {name: words.consumption, type: "line", data: data.nights.map((night) => night.consumption_m3h), itemStyle: {color: "#0b6e8a"}},
      {name: words.reference, type: "line", data: data.nights.map((night) => night.reference_m3h), lineStyle: {type: "dashed"}, itemStyle: {color: "#888"}},
    ],
  });
  const residuals = data.night_pressure_residuals_m;
  echarts.init(document.getElementById("residual-chart")).setOption({
    animation: false, tooltip: {trigger: "axis"}, legend: {top: 0, type: "scroll"}, grid: {left: 60, right: 20, top: 30, bottom: 30},
    xAxis: {type: "category", data: data.residual_nights},
    yAxis: {type: "value", scale: true},
    series: Object.keys(residuals).map((sensor) => ({name: sensor, type: "line", data: residuals[sensor], showSymbol: false})),
  });
})();
