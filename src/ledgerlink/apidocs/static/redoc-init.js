// ReDoc over ledgerlink's own /openapi.json; fonts are the browser's (nothing is fetched from elsewhere).
(function () {
  var root = document.getElementById("redoc");
  Redoc.init(root.dataset.openapiUrl, { hideDownloadButton: false }, root);
})();
