// newswatch desk: the alerts page's live updates (server-sent events), nothing else.
// Each event carries an alert's HTML, rendered and escaped by the server: a new alert goes on top,
// a changed one (a delivery sent, failed, retried) replaces itself in place. No framework, no build step.
(function () {
  "use strict";
  var list = document.getElementById("alerts");
  if (!list || !window.EventSource) { return; }
  var state = document.getElementById("live-state");
  var source = new EventSource(list.getAttribute("data-stream"));

  function fragment(html) {
    var template = document.createElement("template");
    template.innerHTML = html.trim();
    return template.content.firstElementChild;
  }

  function put(event, onTop) {
    var data = JSON.parse(event.data);
    var node = fragment(data.html);
    var old = document.getElementById("alert-" + data.id);
    if (old) {
      old.replaceWith(node);
    } else if (onTop) {
      list.insertBefore(node, list.firstElementChild);
      node.classList.add("fresh");
      var empty = document.getElementById("no-alerts");
      if (empty) { empty.remove(); }
    }
  }

  source.addEventListener("alert", function (e) { put(e, true); });
  source.addEventListener("update", function (e) { put(e, false); });
  source.onopen = function () { if (state) { state.textContent = "live"; state.className = "live"; } };
  source.onerror = function () { if (state) { state.textContent = "reconnecting"; state.className = "live off"; } };
})();
