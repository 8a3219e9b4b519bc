/* Draw the city, kecamatan and kelurahan outlines on a Leaflet map.
 *
 * The outlines come from our own server, so they appear even when the map
 * tiles cannot be loaded. They sit in their own pane below the markers and
 * ignore clicks, which therefore reach the map.
 */
(function () {
  "use strict";

  var STYLES = {
    0: { color: "#1f2933", weight: 3, opacity: 0.9, fill: false },
    1: { color: "#3e4c59", weight: 2, opacity: 0.85, fill: false },
    2: { color: "#52606d", weight: 1, opacity: 0.8, dashArray: "4 3", fill: false }
  };

  function drawOutlines(map, url) {
    if (!map.getPane("outlines")) {
      var pane = map.createPane("outlines");
      pane.style.zIndex = 350;
      pane.style.pointerEvents = "none";
    }
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/geo+json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("outlines request failed with status " + response.status);
        }
        return response.json();
      })
      .then(function (data) {
        // Draw the small areas first so the kecamatan and city lines stay on top.
        data.features.sort(function (a, b) { return b.properties.rank - a.properties.rank; });
        return L.geoJSON(data, {
          pane: "outlines",
          interactive: false,
          style: function (feature) { return STYLES[feature.properties.rank] || STYLES[2]; }
        }).addTo(map);
      });
  }

  window.PetaAduan = window.PetaAduan || {};
  window.PetaAduan.drawOutlines = drawOutlines;

  // Pages that only show a map name it and the outline URL on an element.
  document.addEventListener("DOMContentLoaded", function () {
    var holders = document.querySelectorAll("[data-outlines-for]");
    Array.prototype.forEach.call(holders, function (holder) {
      var map = window[holder.getAttribute("data-outlines-for")];
      if (map) {
        drawOutlines(map, holder.getAttribute("data-outlines-url"));
      }
    });
  });
})();
