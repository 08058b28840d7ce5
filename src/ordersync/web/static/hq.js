// Refreshes the network table of the at-a-glance page in place, every few seconds, from the
// server's own fragment; a session that ended sends the whole page to the sign-in form.
(function () {
  "use strict";
  var block = document.getElementById("network-block");
  if (!block) { return; }
  var url = block.getAttribute("data-refresh-url");
  var seconds = parseInt(block.getAttribute("data-refresh-seconds"), 10) || 30;

  function refresh() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) {
        if (response.redirected || response.status === 401 || response.status === 403) {
          window.location.assign("/hq/sign-in");
          return null;
        }
        return response.ok ? response.text() : null;
      })
      .then(function (html) {
        if (html !== null && html !== undefined) { block.innerHTML = html; }
      })
      .catch(function () { /* offline for a moment: the next tick tries again */ });
  }

  window.setInterval(refresh, seconds * 1000);
}());
