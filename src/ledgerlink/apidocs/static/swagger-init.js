// Swagger UI over ledgerlink's own /openapi.json. validatorUrl: null keeps Swagger UI from sending the
// document to an online validator (the docs must work, and stay private, on an install without internet).
(function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.openapiUrl,
    dom_id: "#swagger-ui",
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
    layout: "BaseLayout",
    deepLinking: true,
    validatorUrl: null,
    showExtensions: false,
  });
})();
