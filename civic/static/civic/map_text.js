// Text for Leaflet tooltips and popups, which take a string as HTML: names come from the register and from
// uploaded files (region names, pipe and node ids), so they are handed over as a text node, never as markup.
function mapText(text) {
  const element = document.createElement("span");
  element.textContent = String(text);
  return element;
}
