/* Draw grid cells of the planner maps on a Leaflet canvas from a compact payload.
 *
 * The payload is built in app/planner/heatmap.py and app/planner/hotspot_pages.py:
 *   geometry  "grid" or "offsets". With "grid", each cell is [column, row, ...]
 *             of a degree grid with cells of `size` degrees and its south-west
 *             corner at `origin` [lon, lat]. With "offsets", each cell is
 *             [lon, lat, ...], a centre, and its outline is the centre plus
 *             each [dlon, dlat] of `offsets`.
 *   color     {index, breaks, colors} picks a class by the value at `index`.
 *             {index, values} maps each exact value to a colour (hotspot bins).
 *   fields    tooltip rows {index, label, values?}. `values` maps a raw value
 *             to the text shown.
 *   emphasis  optional {index, color, weight}: outline cells whose value is true.
 *   heat      optional {max, label}: also offer a smoothed Leaflet.heat layer.
 *   layer     name of the cell layer in the layer control.
 *   locale    BCP 47 tag for number formatting.
 * Tooltips are built from text nodes, so no value is parsed as HTML.
 */
(function () {
  "use strict";

  function cellOutline(payload, cell) {
    if (payload.geometry === "grid") {
      var west = payload.origin[0] + cell[0] * payload.size;
      var south = payload.origin[1] + cell[1] * payload.size;
      return [
        [south, west], [south, west + payload.size],
        [south + payload.size, west + payload.size], [south + payload.size, west]
      ];
    }
    return payload.offsets.map(function (offset) {
      return [cell[1] + offset[1], cell[0] + offset[0]];
    });
  }

  function cellCentre(payload, cell) {
    if (payload.geometry === "grid") {
      return [
        payload.origin[1] + (cell[1] + 0.5) * payload.size,
        payload.origin[0] + (cell[0] + 0.5) * payload.size
      ];
    }
    return [cell[1], cell[0]];
  }

  function fillColor(color, value) {
    if (color.values) {
      return color.values[String(value)] || null;
    }
    var chosen = null;
    for (var i = 0; i < color.breaks.length; i += 1) {
      if (value >= color.breaks[i]) {
        chosen = color.colors[i];
      }
    }
    return chosen;
  }

  function formatValue(field, value, locale) {
    if (field.values && Object.prototype.hasOwnProperty.call(field.values, String(value))) {
      return field.values[String(value)];
    }
    if (typeof value === "number") {
      return value.toLocaleString(locale, {maximumSignificantDigits: 4});
    }
    return String(value);
  }

  function tooltipFor(payload, cell) {
    var table = document.createElement("table");
    table.className = "cell-tooltip";
    payload.fields.forEach(function (field) {
      var row = table.insertRow();
      var label = document.createElement("th");
      label.textContent = field.label;
      row.appendChild(label);
      row.insertCell().textContent = formatValue(field, cell[field.index], payload.locale);
    });
    return table;
  }

  function cellLayer(payload) {
    var group = L.featureGroup();
    payload.cells.forEach(function (cell) {
      var fill = fillColor(payload.color, cell[payload.color.index]);
      var emphasised = payload.emphasis && cell[payload.emphasis.index];
      var polygon = L.polygon(cellOutline(payload, cell), {
        stroke: Boolean(emphasised) || Boolean(payload.stroke),
        color: emphasised ? payload.emphasis.color : (payload.stroke || "#7b8794"),
        weight: emphasised ? payload.emphasis.weight : 0.5,
        fill: fill !== null,
        fillColor: fill || "#ffffff",
        fillOpacity: payload.fillOpacity || 0.7
      });
      polygon.bindTooltip(function () { return tooltipFor(payload, cell); },
                          {sticky: true});
      group.addLayer(polygon);
    });
    return group;
  }

  function heatLayer(payload) {
    if (!payload.heat || typeof L.heatLayer !== "function") {
      return null;
    }
    var points = payload.cells.map(function (cell) {
      var centre = cellCentre(payload, cell);
      return [centre[0], centre[1], cell[payload.color.index]];
    });
    return L.heatLayer(points, {max: payload.heat.max, radius: 18, blur: 14,
                                minOpacity: 0.3, maxZoom: 12});
  }

  /* Cells use the map's own canvas (Folium sets preferCanvas), shared with the
   * area outlines: a second canvas on top would swallow the mouse events of
   * the layers below it. */
  function addTo(map, payload) {
    var cells = cellLayer(payload).addTo(map);
    var heat = heatLayer(payload);
    if (heat) {
      var overlays = {};
      overlays[payload.layer] = cells;
      overlays[payload.heat.label] = heat;
      // On a phone an open layer list would cover a third of the map.
      L.control.layers(null, overlays, {collapsed: map.getSize().x < 600}).addTo(map);
    }
    return cells;
  }

  window.petaAduanCells = {addTo: addTo};
}());
