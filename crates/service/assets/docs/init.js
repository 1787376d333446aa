// arca-api /docs: starts the vendored Swagger UI on this service's own OpenAPI document. A file,
// not an inline script, so the page's Content-Security-Policy can stay `script-src 'self'`.
"use strict";
window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  // "Try it out" is open on every operation: requests go to this same origin.
  tryItOutEnabled: true,
  // The key given in "Authorize" survives a reload (kept in this browser's localStorage).
  persistAuthorization: true,
  displayRequestDuration: true,
  filter: true,
  // Never ask swagger.io to validate the document (nothing leaves this origin).
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
});
