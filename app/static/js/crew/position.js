// Nearest-task page: take the crew's position from the device or from a tap on the map,
// then reload the list for that point. Messages come from data attributes of the form.
(function () {
  "use strict";

  var form = document.getElementById("position-form");
  if (!form) {
    return;
  }
  var latInput = form.querySelector("input[name=lat]");
  var lonInput = form.querySelector("input[name=lon]");
  var status = document.getElementById("position-status");
  var button = document.getElementById("locate-me");

  function showAt(lat, lon) {
    latInput.value = lat.toFixed(6);
    lonInput.value = lon.toFixed(6);
    form.submit();
  }

  function say(message) {
    if (status) {
      status.textContent = message;
    }
  }

  if (button && "geolocation" in navigator) {
    button.addEventListener("click", function () {
      say(form.dataset.locating);
      navigator.geolocation.getCurrentPosition(
        function (position) {
          showAt(position.coords.latitude, position.coords.longitude);
        },
        function () {
          say(form.dataset.failed);
        },
        { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
      );
    });
  } else if (button) {
    button.disabled = true;
    say(form.dataset.unsupported);
  }

  var holder = document.querySelector("[data-map-name]");
  var map = holder ? window[holder.dataset.mapName] : null;
  if (map && typeof map.on === "function") {
    map.on("click", function (event) {
      showAt(event.latlng.lat, event.latlng.lng);
    });
  }
})();
