/* A place page's map (datasette/templates/entity.html): Leaflet, as datasette-leaflet serves it, centred on the
   gazetteer's coordinates that the page carries in data attributes. The page states the coordinates in words
   first; when Leaflet or the tiles cannot load (no network), that text simply stays. */
(function () {
  "use strict";

  function draw(element, L) {
    var lat = parseFloat(element.dataset.latitude), lon = parseFloat(element.dataset.longitude);
    if (!L || isNaN(lat) || isNaN(lon)) { return; }
    element.classList.add("drawn");
    var map = L.map(element).setView([lat, lon], 10);
    L.tileLayer("https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png", {
      maxZoom: 19,
      attribution: "&copy; <a href=\"https://www.openstreetmap.org/copyright\">OpenStreetMap</a> contributors"
    }).addTo(map);
    L.marker([lat, lon], { title: element.dataset.name, alt: element.dataset.name }).addTo(map);
  }

  function init() {
    var element = document.getElementById("place-map");
    if (!element) { return; }
    /* datasette-leaflet serves Leaflet as an ES module (as datasette-cluster-map loads it) */
    import(element.dataset.leaflet).then(function (module) { draw(element, window.L || module); })
      .catch(function () { /* no Leaflet: the coordinates stay in words */ });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
}());
