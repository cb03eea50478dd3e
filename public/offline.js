/* The offline page's behaviour: try again on a click, and by itself when the connection
 * comes back; show the links to the user's own pages when this device keeps their data
 * (IndexedDB "taquilla-mine", see the app's ui::mine). A file of its own, not inline: the
 * page's Content-Security-Policy allows the site's own scripts only. */
(function () {
  'use strict';
  function retry() { window.location.reload(); }
  document.getElementById('retry').addEventListener('click', retry);
  window.addEventListener('online', retry);
  function showKept() { document.getElementById('kept').hidden = false; }
  if (window.indexedDB && indexedDB.databases) {
    indexedDB.databases().then(function (dbs) {
      if (dbs.some(function (db) { return db.name === 'taquilla-mine'; })) showKept();
    }, function () {});
  }
})();
