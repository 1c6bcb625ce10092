/* The annotated article's layer controls (datasette/templates/article.html), improved: a change to a checkbox or
   to the entity filter redraws the article at once, without a page load and without moving the keyboard focus.
   The page works without this script: the controls are a plain GET form that the server answers with the same
   article, filtered. This script only submits that form in place: the filtering is the server's alone. */
(function () {
  "use strict";

  function layersUrl(form) {
    var params = new URLSearchParams(new FormData(form));
    return form.action.split("?")[0] + "?" + params.toString();
  }

  function redraw(form, target) {
    var url = layersUrl(form);
    target.classList.add("loading");
    target.setAttribute("aria-busy", "true");
    fetch(url, { headers: { Accept: "text/html" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.text();
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById(target.id);
        if (!fresh) { throw new Error("no #" + target.id + " in the answer"); }
        target.replaceChildren.apply(target, Array.prototype.slice.call(fresh.childNodes));
        target.classList.remove("loading");
        target.removeAttribute("aria-busy");
        window.history.replaceState(null, "", url);
      })
      .catch(function () { form.submit(); });  /* whatever failed, the plain form still works */
  }

  function init() {
    var form = document.querySelector("form.layers");
    var target = document.getElementById("layered");
    if (!form || !target || !window.fetch || !window.URLSearchParams) { return; }
    form.classList.add("js-layers");
    form.addEventListener("change", function () { redraw(form, target); });
    form.addEventListener("submit", function (event) { event.preventDefault(); redraw(form, target); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
}());
