/* The offline page's one behaviour: try again on a click, and by itself when the
 * connection comes back. A file of its own, not inline: the page's Content-Security-Policy
 * allows the site's own scripts only. */
(function () {
  'use strict';
  function retry() { window.location.reload(); }
  document.getElementById('retry').addEventListener('click', retry);
  window.addEventListener('online', retry);
})();
