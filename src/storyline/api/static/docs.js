// The OpenAPI docs, from the locally served Swagger UI bundle.
"use strict";
const root = document.getElementById("swagger-ui");
window.ui = SwaggerUIBundle({url: root.dataset.spec, dom_id: "#swagger-ui", deepLinking: true});
