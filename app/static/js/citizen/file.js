/* The filing page: pin on the map, area look-up, nearby complaints, photo upload
 * and submission as JSON to the complaint API.
 *
 * Without this script the form still posts to the server, which files the
 * complaint from typed coordinates. Every text that comes from the server is
 * put into the page with textContent, never as HTML.
 */
(function () {
  "use strict";

  var form = document.getElementById("complaint-form");
  if (!form || !window.L || !window.fetch) {
    return;
  }
  var messages = JSON.parse(document.getElementById("citizen-messages").textContent);
  var map = window[form.dataset.mapName];
  var FIELD_ANCHORS = {
    lat: "location", lon: "location", accuracy_m: "location", location_source: "location",
    category: "category", description: "description", address_note: "address_note",
    name: "name", phone: "phone", email: "email", consent: "consent",
    confidential: "confidential", photo: "photo"
  };

  var state = {
    marker: null,
    circle: null,
    lat: null,
    lon: null,
    source: null,
    accuracy: null,
    located: null,
    areaChoice: null,
    photoName: byId("photo_upload").value || null,
    photoUpload: null,
    locateSequence: 0,
    nearbySequence: 0,
    supportCode: null,
    nearbyLayer: null,
    confidentialChoice: byId("confidential").checked
  };

  function byId(id) {
    return document.getElementById(id);
  }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (match, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : match;
    });
  }

  function formatNumber(value, decimals) {
    var language = document.documentElement.lang || "id";
    return Number(value).toLocaleString(language, { maximumFractionDigits: decimals });
  }

  function formatDistance(metres) {
    if (metres === null || metres === undefined) {
      return "";
    }
    return metres < 1000 ? formatNumber(Math.round(metres), 0) + " m"
      : formatNumber(metres / 1000, 1) + " km";
  }

  function parseNumber(text) {
    var cleaned = String(text || "").trim().replace("\u2212", "-");
    if (cleaned.indexOf(",") >= 0 && cleaned.indexOf(".") < 0) {
      cleaned = cleaned.replace(",", ".");
    }
    if (cleaned === "" || !/^[-+]?\d*\.?\d+$/.test(cleaned)) {
      return null;
    }
    return parseFloat(cleaned);
  }

  /* ---- errors next to fields ---- */

  function showError(anchor, message) {
    var box = byId(anchor + "-error");
    if (!box) {
      showFormError(message);
      return;
    }
    var text = byId(anchor + "-error-text") || box;
    text.textContent = message;
    box.hidden = false;
    var input = byId(anchor === "location" ? "lat" : anchor);
    if (input) {
      input.setAttribute("aria-invalid", "true");
    }
  }

  function clearError(anchor) {
    var box = byId(anchor + "-error");
    if (!box) {
      return;
    }
    box.hidden = true;
    var text = byId(anchor + "-error-text") || box;
    text.textContent = "";
    var input = byId(anchor === "location" ? "lat" : anchor);
    if (input) {
      input.removeAttribute("aria-invalid");
    }
    if (anchor === "location") {
      byId("use-suggestion").hidden = true;
    }
  }

  function showFormError(message) {
    var box = byId("form-error");
    box.textContent = message;
    box.hidden = false;
  }

  function clearAllErrors() {
    Object.keys(FIELD_ANCHORS).forEach(function (field) {
      clearError(FIELD_ANCHORS[field]);
    });
    byId("form-error").hidden = true;
  }

  function focusFirstError() {
    var boxes = form.querySelectorAll(".field-error:not([hidden])");
    var summary = byId("form-error");
    if (boxes.length === 0) {
      summary.focus();
      return;
    }
    if (summary.hidden) {
      showFormError(messages.check_fields);
    }
    var step = boxes[0].closest("fieldset");
    var target = step && step.querySelector("[aria-invalid=true]");
    if (step && step.id === "step-location") {
      byId("typed-coordinates").open = true;
      target = byId("lat");
    }
    (target || summary).focus();
  }

  function showApiError(error) {
    var anchor = FIELD_ANCHORS[error.field] || "form";
    if (anchor === "form") {
      showFormError(error.message);
      byId("form-error").focus();
      return;
    }
    showError(anchor, error.message);
    var suggestion = error.details && error.details.suggestion;
    if (anchor === "location" && suggestion) {
      var button = byId("use-suggestion");
      button.dataset.lat = suggestion.lat;
      button.dataset.lon = suggestion.lon;
      button.textContent = fill(messages.use_suggestion, { lat: suggestion.lat, lon: suggestion.lon });
      button.hidden = false;
    }
    focusFirstError();
  }

  /* ---- category ---- */

  function selectedCategory() {
    var option = byId("category").selectedOptions[0];
    return option && option.value ? option : null;
  }

  function needsLocation() {
    var option = selectedCategory();
    return !option || option.dataset.locationRequired !== "false";
  }

  function onCategoryChange() {
    var option = selectedCategory();
    var needs = needsLocation();
    byId("step-location").hidden = !needs;
    byId("no-location-hint").hidden = needs;
    if (needs) {
      map.invalidateSize();
    }
    var forced = Boolean(option && option.dataset.private === "true");
    var checkbox = byId("confidential");
    checkbox.checked = forced || state.confidentialChoice;
    checkbox.disabled = forced;
    byId("confidential-forced").hidden = !forced;
    clearError("category");
    refreshNearby();
  }

  /* ---- the pin ---- */

  function placePin(lat, lon, source, accuracy) {
    state.lat = lat;
    state.lon = lon;
    state.source = source;
    state.accuracy = source === "gps" ? accuracy : null;
    state.areaChoice = null;

    if (!state.marker) {
      state.marker = L.marker([lat, lon], { draggable: true, autoPan: true }).addTo(map);
      state.marker.on("dragend", function () {
        var point = state.marker.getLatLng();
        placePin(point.lat, point.lng, "map_pin", null);
      });
    } else {
      state.marker.setLatLng([lat, lon]);
    }

    if (state.circle) {
      map.removeLayer(state.circle);
      state.circle = null;
    }
    if (state.accuracy) {
      state.circle = L.circle([lat, lon], {
        radius: state.accuracy, color: "#1f5fa8", weight: 1, fillOpacity: 0.12, interactive: false
      }).addTo(map);
    }

    if (source !== "typed") {
      byId("lat").value = lat.toFixed(6);
      byId("lon").value = lon.toFixed(6);
    }
    byId("location_source").value = source;
    byId("accuracy_m").value = state.accuracy ? String(state.accuracy) : "";
    if (source !== "gps") {
      byId("geo-status").textContent = "";
    }
    clearError("location");
    scheduleLocate();
  }

  function onTypedCoordinates() {
    var latInput = byId("lat");
    var lonInput = byId("lon");
    // A pasted pair such as "-6.1783, 106.6319" is split into both fields.
    var pair = latInput.value.match(/^\s*([-+\u2212]?\d+[.,]\d+)\s*[,;\s]\s*([-+\u2212]?\d+[.,]\d+)\s*$/);
    if (pair) {
      latInput.value = pair[1];
      lonInput.value = pair[2];
    }
    var lat = parseNumber(latInput.value);
    var lon = parseNumber(lonInput.value);
    if (lat === null || lon === null || Math.abs(lat) > 90 || Math.abs(lon) > 180) {
      // The typed values replace the pin even when they are unusable, so the
      // complaint never goes out with an older pin than the fields show. The
      // server then names what is wrong with the typed values.
      forgetPin();
      return;
    }
    placePin(lat, lon, "typed", null);
    map.setView([lat, lon], Math.max(map.getZoom(), 16));
  }

  // A draft survives a switch of language. Name, phone and e-mail are left out, so
  // no contact detail is kept in the browser's storage.
  var DRAFT_KEY = "peta-aduan-draft";
  var DRAFT_FIELDS = ["category", "description", "address_note", "lat", "lon"];

  function saveDraft() {
    var draft = {};
    DRAFT_FIELDS.forEach(function (field) {
      draft[field] = byId(field).value;
    });
    if (state.lat !== null) {
      draft.lat = String(state.lat);
      draft.lon = String(state.lon);
    }
    try {
      window.sessionStorage.setItem(DRAFT_KEY, JSON.stringify(draft));
    } catch (error) {
      // Storage is off in this browser: the language still switches.
    }
  }

  function restoreDraft() {
    var draft = null;
    try {
      draft = JSON.parse(window.sessionStorage.getItem(DRAFT_KEY) || "null");
      window.sessionStorage.removeItem(DRAFT_KEY);
    } catch (error) {
      return;
    }
    if (!draft) {
      return;
    }
    DRAFT_FIELDS.forEach(function (field) {
      if (typeof draft[field] === "string" && !byId(field).value) {
        byId(field).value = draft[field];
      }
    });
  }

  function forgetPin() {
    if (state.marker) {
      map.removeLayer(state.marker);
      state.marker = null;
    }
    if (state.circle) {
      map.removeLayer(state.circle);
      state.circle = null;
    }
    state.lat = null;
    state.lon = null;
    state.source = null;
    state.accuracy = null;
    state.areaChoice = null;
    byId("location_source").value = "typed";
    byId("accuracy_m").value = "";
    byId("area-box").hidden = true;
    byId("area-text").textContent = "";
  }

  function useMyLocation() {
    var status = byId("geo-status");
    if (!navigator.geolocation) {
      status.textContent = messages.geo_unsupported;
      return;
    }
    status.textContent = messages.geo_waiting;
    navigator.geolocation.getCurrentPosition(function (position) {
      var coords = position.coords;
      var accuracy = Math.max(1, Math.round(coords.accuracy));
      placePin(coords.latitude, coords.longitude, "gps", accuracy);
      map.setView([coords.latitude, coords.longitude], Math.max(map.getZoom(), 17));
      status.textContent = fill(messages.accuracy, { metres: formatNumber(accuracy, 0) });
    }, function (error) {
      var texts = { 1: messages.geo_denied, 2: messages.geo_unavailable, 3: messages.geo_timeout };
      status.textContent = texts[error.code] || messages.geo_unavailable;
    }, { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 });
  }

  /* ---- the area under the pin ---- */

  var locateTimer = null;

  function scheduleLocate() {
    window.clearTimeout(locateTimer);
    locateTimer = window.setTimeout(locate, 250);
  }

  function locate() {
    var sequence = ++state.locateSequence;
    var box = byId("area-box");
    box.hidden = false;
    box.classList.remove("warn");
    byId("area-text").textContent = messages.locating;
    byId("border-question").hidden = true;
    var params = new URLSearchParams({ lat: state.lat, lon: state.lon });
    if (state.accuracy) {
      params.set("accuracy_m", state.accuracy);
    }
    getJson(form.dataset.locateUrl + "?" + params.toString()).then(function (reply) {
      if (sequence !== state.locateSequence) {
        return;
      }
      if (!reply.ok) {
        byId("area-text").textContent = reply.body.error.message;
        box.classList.add("warn");
        return;
      }
      state.located = reply.body;
      showArea(reply.body);
      refreshNearby();
    }).catch(function () {
      if (sequence === state.locateSequence) {
        byId("area-text").textContent = messages.network;
      }
    });
  }

  function areaName(location, key) {
    var name = location[key + "_name"];
    return name ? messages.levels[key] + " " + name : "";
  }

  function showArea(location) {
    var box = byId("area-box");
    var keys = Object.keys(messages.levels);
    var leaf = keys[keys.length - 1];
    if (location.outside) {
      byId("area-text").textContent = fill(messages.outside, { distance: formatDistance(location.distance_m) });
      box.classList.add("warn");
      return;
    }
    var names = keys.slice().reverse().map(function (key) { return areaName(location, key); })
      .filter(Boolean).join(", ");
    if (location.match === "gap") {
      byId("area-text").textContent = fill(messages.gap, { area: names });
      box.classList.add("warn");
    } else {
      byId("area-text").textContent = names;
    }
    showBorderQuestion(location, leaf);
  }

  function showBorderQuestion(location, leaf) {
    var question = byId("border-question");
    var choices = byId("border-choices");
    choices.textContent = "";
    if (!location.near_border || location.near_border.length === 0) {
      question.hidden = true;
      return;
    }
    byId("border-legend").textContent = messages.near_border;
    var locatedCode = location[leaf + "_code"];
    state.areaChoice = locatedCode;
    addBorderChoice(choices, locatedCode, fill(messages.located_here, {
      area: messages.levels[leaf] + " " + location[leaf + "_name"]
    }), true);
    location.near_border.forEach(function (candidate) {
      addBorderChoice(choices, candidate.code, fill(messages.distance_away, {
        area: messages.levels[leaf] + " " + candidate.name,
        distance: formatDistance(candidate.distance_m)
      }), false);
    });
    question.hidden = false;
  }

  function addBorderChoice(container, code, text, checked) {
    var wrapper = document.createElement("div");
    wrapper.className = "checkbox";
    var input = document.createElement("input");
    input.type = "radio";
    input.name = "area_choice";
    input.value = code;
    input.id = "area-choice-" + container.children.length;
    input.checked = checked;
    input.addEventListener("change", function () { state.areaChoice = code; });
    var label = document.createElement("label");
    label.htmlFor = input.id;
    label.textContent = text;
    wrapper.appendChild(input);
    wrapper.appendChild(label);
    container.appendChild(wrapper);
  }

  /* ---- open complaints nearby ---- */

  function refreshNearby() {
    var section = byId("nearby");
    var category = selectedCategory();
    if (!category || !needsLocation() || state.lat === null || !state.located || state.located.outside) {
      section.hidden = true;
      showNearbyOnMap([]);
      return;
    }
    var sequence = ++state.nearbySequence;
    var params = new URLSearchParams({ lat: state.lat, lon: state.lon, category: category.value });
    if (state.accuracy) {
      params.set("accuracy_m", state.accuracy);
    }
    getJson(form.dataset.nearbyUrl + "?" + params.toString()).then(function (reply) {
      if (sequence !== state.nearbySequence || !reply.ok) {
        return;
      }
      showNearby(reply.body);
    }).catch(function () { section.hidden = true; });
  }

  var STATUS_COLORS = { menunggu: "#b44d12", proses: "#1f5fa8", selesai: "#0b6e4f", ditolak: "#616e7c" };

  function showNearbyOnMap(items) {
    if (!state.nearbyLayer) {
      state.nearbyLayer = L.layerGroup().addTo(map);
    }
    state.nearbyLayer.clearLayers();
    // The circles only show where the complaints are; clicks pass to the map.
    items.forEach(function (item) {
      L.circleMarker([item.lat, item.lon], {
        radius: 7, color: "#ffffff", weight: 2, fillColor: STATUS_COLORS[item.status] || "#616e7c",
        fillOpacity: 0.95, interactive: false
      }).addTo(state.nearbyLayer);
    });
  }

  function showNearby(result) {
    var list = byId("nearby-list");
    var radius = formatNumber(Math.round(result.radius_m), 0);
    showNearbyOnMap(result.items);
    list.textContent = "";
    byId("support-panel").hidden = true;
    byId("support-done").hidden = true;
    if (result.items.length === 0) {
      byId("nearby").hidden = true;
      return;
    }
    byId("nearby-title").textContent = fill(messages.nearby_title, { radius: radius });
    result.items.forEach(function (item) { list.appendChild(nearbyItem(item)); });
    byId("nearby").hidden = false;
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined && text !== null) {
      node.textContent = text;
    }
    return node;
  }

  function nearbyItem(item) {
    var li = element("li", "nearby-item");
    if (item.photos.length > 0) {
      var image = element("img", "nearby-photo");
      image.src = item.photos[0];
      image.alt = "";
      image.loading = "lazy";
      li.appendChild(image);
    }

    var body = element("div", "nearby-body");
    var heading = element("p", "nearby-heading");
    heading.appendChild(element("span", "status-badge status-" + item.status, item.status_label));
    heading.appendChild(document.createTextNode(" " + item.age + " · " +
      fill(messages.nearby_distance, { metres: formatNumber(Math.round(item.distance_m), 0) })));
    body.appendChild(heading);
    body.appendChild(element("p", "nearby-description",
      item.confidential ? messages.withheld : item.description));
    body.appendChild(element("p", "hint", item.tracking_code + " · " +
      fill(messages.supporters, { count: item.support_count })));

    var actions = element("div", "button-row");
    var support = element("button", "support-button", messages.support);
    support.type = "button";
    support.addEventListener("click", function () { openSupport(item, li); });
    var view = element("a", "button secondary", messages.view);
    view.href = item.url;
    view.target = "_blank";
    view.rel = "noopener";
    actions.appendChild(support);
    actions.appendChild(view);
    body.appendChild(actions);
    li.appendChild(body);
    return li;
  }

  function openSupport(item, li) {
    var panel = byId("support-panel");
    state.supportCode = item.tracking_code;
    byId("support-title").textContent = messages.support + " " + item.tracking_code;
    byId("support-error").hidden = true;
    li.appendChild(panel);
    panel.hidden = false;
    byId("support-name").focus();
  }

  function sendSupport() {
    var errorBox = byId("support-error");
    errorBox.hidden = true;
    var body = {
      name: byId("support-name").value,
      phone: byId("support-phone").value,
      consent: byId("support-consent").checked
    };
    var url = form.dataset.complaintsUrl + "/" + encodeURIComponent(state.supportCode) + "/support";
    byId("support-send").disabled = true;
    postJson(url, body).then(function (reply) {
      if (!reply.ok) {
        errorBox.textContent = reply.body.error.message;
        errorBox.hidden = false;
        return;
      }
      byId("support-panel").hidden = true;
      var done = byId("support-done");
      done.textContent = fill(messages.supported, {
        count: reply.body.support_count, code: reply.body.tracking_code
      });
      done.hidden = false;
      done.focus();
      Array.prototype.forEach.call(document.querySelectorAll(".support-button"), function (button) {
        button.disabled = true;
      });
    }).catch(function () {
      errorBox.textContent = messages.network;
      errorBox.hidden = false;
    }).then(function () {
      byId("support-send").disabled = false;
    });
  }

  /* ---- photo ---- */

  function resetPhoto() {
    state.photoName = null;
    byId("photo_upload").value = "";
    byId("photo").value = "";
    byId("photo-preview").hidden = true;
    byId("photo-kept").hidden = true;
  }

  function onPhotoChosen() {
    var file = byId("photo").files[0];
    clearError("photo");
    if (!file) {
      return;
    }
    var maxBytes = Number(form.dataset.photoMaxBytes);
    if (file.size > maxBytes) {
      resetPhoto();
      showError("photo", fill(messages.photo_too_large, {
        size: formatNumber(file.size / 1048576, 1), limit: form.dataset.photoMaxMb
      }));
      return;
    }

    byId("photo-kept").hidden = true;
    byId("photo-preview-image").src = URL.createObjectURL(file);
    byId("photo-status").textContent = messages.photo_uploading;
    byId("photo-preview").hidden = false;

    var data = new FormData();
    data.append("photo", file);
    state.photoUpload = fetch(form.dataset.photoUrl, {
      method: "POST", body: data, headers: { Accept: "application/json" }, credentials: "same-origin"
    }).then(readJson).then(function (reply) {
      if (!reply.ok) {
        resetPhoto();
        showError("photo", reply.body.error.message);
        return;
      }
      state.photoName = reply.body.photo;
      byId("photo_upload").value = reply.body.photo;
      byId("photo-status").textContent = messages.photo_ready;
    }).catch(function () {
      resetPhoto();
      showError("photo", messages.network);
    }).then(function () {
      state.photoUpload = null;
    });
  }

  /* ---- submission ---- */

  function complaintBody() {
    var body = {
      category: byId("category").value,
      description: byId("description").value,
      consent: byId("consent").checked,
      confidential: byId("confidential").checked
    };
    ["address_note", "name", "phone", "email"].forEach(function (field) {
      var value = byId(field).value.trim();
      if (value) {
        body[field] = value;
      }
    });
    if (needsLocation()) {
      var lat = state.lat !== null ? state.lat : parseNumber(byId("lat").value);
      var lon = state.lon !== null ? state.lon : parseNumber(byId("lon").value);
      if (lat !== null || lon !== null) {
        body.lat = lat;
        body.lon = lon;
        body.location_source = state.source || "typed";
        if (state.accuracy) {
          body.accuracy_m = state.accuracy;
        }
      }
    }
    return body;
  }

  function checkBeforeSending(body) {
    var ok = true;
    if (!body.category) {
      showError("category", messages.category_needed);
      ok = false;
    }
    if (needsLocation() && (body.lat === undefined || body.lat === null || body.lon === null)) {
      showError("location", messages.pin_needed);
      ok = false;
    }
    return ok;
  }

  function onSubmit(event) {
    event.preventDefault();
    clearAllErrors();
    var button = byId("submit");
    var status = byId("submit-status");
    var waitForPhoto = state.photoUpload || Promise.resolve();
    button.disabled = true;
    status.textContent = messages.submitting;
    waitForPhoto.then(function () {
      var body = complaintBody();
      if (!checkBeforeSending(body)) {
        throw new Error("incomplete");
      }
      return postJson(form.dataset.complaintsUrl, body, {
        "Idempotency-Key": form.elements.idempotency_key.value
      });
    }).then(function (reply) {
      if (!reply.ok) {
        showApiError(reply.body.error);
        throw new Error("rejected");
      }
      return afterFiling(reply.body);
    }).catch(function (error) {
      if (error.message === "incomplete") {
        focusFirstError();
      } else if (error.message !== "rejected") {
        showFormError(messages.network);
        byId("form-error").focus();
      }
      button.disabled = false;
      status.textContent = "";
    });
  }

  function afterFiling(created) {
    var code = created.tracking_code;
    var token = created.reporter_token;
    var base = form.dataset.complaintsUrl + "/" + encodeURIComponent(code);
    var steps = Promise.resolve(true);
    if (token && state.photoName) {
      steps = postJson(base + "/photos", { reporter_token: token, photo: state.photoName })
        .then(function (reply) { return reply.ok; })
        .catch(function () { return false; });
    }
    var located = state.located;
    if (token && state.areaChoice && located && located.near_border && located.near_border.length) {
      var areaChoice = state.areaChoice;
      steps = steps.then(function (photoOk) {
        return postJson(base + "/area", { reporter_token: token, area_code: areaChoice })
          .catch(function () { return null; })
          .then(function () { return photoOk; });
      });
    }
    return steps.then(function (photoOk) {
      rememberToken(code, token);
      form.elements.idempotency_key.value = newKey();
      var params = new URLSearchParams({ baru: "1" });
      if (token) {
        params.set("token", token);
      }
      if (!photoOk) {
        params.set("foto", "gagal");
      }
      window.location.assign(form.dataset.statusUrl.replace("CODE", encodeURIComponent(code)) +
        "?" + params.toString());
    });
  }

  function rememberToken(code, token) {
    if (!token) {
      return;
    }
    try {
      var stored = JSON.parse(window.localStorage.getItem("petaAduan.reporterTokens") || "{}");
      stored[code] = token;
      window.localStorage.setItem("petaAduan.reporterTokens", JSON.stringify(stored));
    } catch (ignored) {
      // Private browsing may forbid storage; the link on the status page still works.
    }
  }

  function newKey() {
    if (window.crypto && window.crypto.randomUUID) {
      return window.crypto.randomUUID();
    }
    return String(Date.now()) + "-" + String(Math.random()).slice(2);
  }

  /* ---- HTTP helpers ---- */

  function readJson(response) {
    return response.json().catch(function () {
      return { error: { message: messages.network } };
    }).then(function (body) {
      return { ok: response.ok, status: response.status, body: body };
    });
  }

  function getJson(url) {
    return fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(readJson);
  }

  function postJson(url, body, headers) {
    var allHeaders = { "Content-Type": "application/json", Accept: "application/json" };
    Object.keys(headers || {}).forEach(function (key) { allHeaders[key] = headers[key]; });
    return fetch(url, {
      method: "POST", headers: allHeaders, body: JSON.stringify(body), credentials: "same-origin"
    }).then(readJson);
  }

  /* ---- wiring ---- */

  function updateCounter() {
    var length = byId("description").value.length;
    byId("description-count").textContent = fill(messages.characters, {
      count: formatNumber(length, 0), max: formatNumber(Number(form.dataset.descriptionMax), 0)
    });
  }

  window.PetaAduan.drawOutlines(map, form.dataset.outlinesUrl).catch(function () {
    // The page works without outlines; the area text still names the kelurahan.
  });
  byId("map-actions").hidden = false;
  map.on("click", function (event) {
    placePin(event.latlng.lat, event.latlng.lng, "map_pin", null);
  });
  byId("use-location").addEventListener("click", useMyLocation);
  byId("pin-center").addEventListener("click", function () {
    var center = map.getCenter();
    placePin(center.lat, center.lng, "map_pin", null);
  });
  byId("lat").addEventListener("change", onTypedCoordinates);
  byId("lon").addEventListener("change", onTypedCoordinates);
  byId("use-suggestion").addEventListener("click", function () {
    var button = byId("use-suggestion");
    byId("lat").value = button.dataset.lat;
    byId("lon").value = button.dataset.lon;
    onTypedCoordinates();
  });
  byId("category").addEventListener("change", onCategoryChange);
  byId("confidential").addEventListener("change", function () {
    if (!byId("confidential").disabled) {
      state.confidentialChoice = byId("confidential").checked;
    }
  });
  byId("description").addEventListener("input", updateCounter);
  byId("photo").addEventListener("change", onPhotoChosen);
  byId("photo-remove").addEventListener("click", resetPhoto);
  byId("support-send").addEventListener("click", sendSupport);
  byId("support-cancel").addEventListener("click", function () {
    byId("support-panel").hidden = true;
  });
  form.addEventListener("submit", onSubmit);
  document.querySelectorAll(".language-switch a").forEach(function (link) {
    link.addEventListener("click", saveDraft);
  });

  restoreDraft();
  updateCounter();
  onCategoryChange();
  if (byId("lat").value && byId("lon").value) {
    onTypedCoordinates();
  }
})();
