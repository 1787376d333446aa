// arca-api dashboard: the one small script. Pages work without it; it adds live totals and
// field checks to the new-invoice form (filled in by the invoices section).
"use strict";

// ---- Invoices: the new-invoice form (templates/dashboard/invoices/new.html) ----
// Live totals (a preview: the server computes the invoice), "Agregar ítem", the service dates
// shown only for services, and "Buscar en padrón" through /dashboard/taxpayers/{cuit}.
(function () {
  var form = document.getElementById("invoice-form");
  if (!form) {
    return;
  }
  var SCALE = 1000000n; // quantities and prices: 6 decimals

  // "1.500,50" (Argentina) or "1500.50" (the API) → BigInt × 10^6, or null.
  function parse(text) {
    text = (text || "").trim();
    if (text.indexOf(",") >= 0) {
      text = text.split(".").join("").replace(",", ".");
    }
    if (!/^[0-9]{1,13}(\.[0-9]{1,6})?$/.test(text)) {
      return null;
    }
    var parts = text.split(".");
    var fraction = (parts[1] || "").padEnd(6, "0");
    return BigInt(parts[0]) * SCALE + BigInt(fraction);
  }

  // a / b rounded half away from zero (a, b ≥ 0).
  function divRound(a, b) {
    return (a * 2n + b) / (b * 2n);
  }

  // cents → "$ 1.234,56".
  function money(cents) {
    var negative = cents < 0n;
    if (negative) {
      cents = -cents;
    }
    var whole = (cents / 100n).toString();
    var fraction = (cents % 100n).toString().padStart(2, "0");
    var grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ".");
    return (negative ? "-" : "") + "$ " + grouped + "," + fraction;
  }

  function rows() {
    return form.querySelectorAll("#items-body tr.item-row");
  }

  function field(row, name) {
    return row.querySelector("[id$='-" + name + "']");
  }

  function recalc() {
    var net = 0n;
    var iva = 0n;
    rows().forEach(function (row) {
      var quantity = parse(field(row, "cantidad").value);
      var price = parse(field(row, "precio_unitario").value);
      if (quantity === null || price === null) {
        return;
      }
      var lineNet = divRound(quantity * price, SCALE * SCALE / 100n); // cents
      net += lineNet;
      var rate = parse(field(row, "alicuota_iva").value); // exento / no gravado: null
      if (rate !== null) {
        iva += divRound(lineNet * rate, 100n * SCALE);
      }
    });
    document.getElementById("total-neto").textContent = money(net);
    document.getElementById("total-iva").textContent = money(iva);
    document.getElementById("total").textContent = money(net + iva);
  }

  function toggleServiceDates() {
    var concepto = document.getElementById("concepto");
    var dates = document.getElementById("fechas-servicio");
    if (concepto && dates) {
      dates.hidden = concepto.value === "productos";
    }
  }

  function addItem() {
    var all = rows();
    var last = all[all.length - 1];
    var index = all.length;
    var copy = last.cloneNode(true);
    copy.querySelectorAll(".field-error").forEach(function (error) {
      error.remove();
    });
    copy.querySelectorAll("[id]").forEach(function (element) {
      element.id = element.id.replace(/^items-\d+-/, "items-" + index + "-");
      if (element.name) {
        element.name = element.id;
      }
      element.removeAttribute("aria-invalid");
      element.removeAttribute("aria-describedby");
      if (element.tagName === "SELECT") {
        element.value = "21";
      } else {
        element.value = "";
      }
    });
    copy.querySelectorAll("label[for]").forEach(function (label) {
      label.htmlFor = label.htmlFor.replace(/^items-\d+-/, "items-" + index + "-");
      label.textContent = label.textContent.replace(/\d+$/, String(index + 1));
    });
    last.parentNode.appendChild(copy);
    field(copy, "descripcion").focus();
  }

  function lookUp() {
    var status = document.getElementById("padron-estado");
    var number = document.getElementById("cliente-documento_numero");
    var cuit = number.value.replace(/[^0-9]/g, "");
    if (cuit.length !== 11) {
      status.textContent = "Ingresá un CUIT de 11 dígitos.";
      return;
    }
    status.textContent = "Buscando en el padrón de ARCA…";
    fetch("/dashboard/taxpayers/" + cuit, {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    })
      .then(function (response) {
        return response.json().then(function (body) {
          return { ok: response.ok, body: body };
        });
      })
      .then(function (answer) {
        var body = answer.body || {};
        if (!answer.ok) {
          status.textContent = "El padrón no lo encontró: " + (body.detail || "error") + (body.hint ? " " + body.hint : "");
          return;
        }
        document.getElementById("cliente-documento_tipo").value = "80";
        number.value = body.cuit || cuit;
        if (body.nombre) {
          document.getElementById("cliente-razon_social").value = body.nombre;
        }
        document.getElementById("cliente-condicion_iva").value = body.condicion_iva ? body.condicion_iva.name : "";
        if (body.domicilio) {
          document.getElementById("cliente-domicilio").value = body.domicilio;
        }
        status.textContent = body.condicion_iva
          ? "Padrón de ARCA: " + (body.nombre || cuit) + ", " + body.condicion_iva.description + "."
          : "Padrón de ARCA: " + (body.nombre || cuit) + "; no dice su condición frente al IVA: elegila.";
      })
      .catch(function () {
        status.textContent = "No se pudo consultar el padrón. Probá de nuevo.";
      });
  }

  form.addEventListener("input", recalc);
  form.addEventListener("change", function (event) {
    recalc();
    if (event.target.id === "concepto") {
      toggleServiceDates();
    }
  });
  // Enter in a field emits (the padrón button, first in the form, is not the default).
  form.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.key === "Enter" && target.tagName === "INPUT") {
      event.preventDefault();
      var emit = document.getElementById("emitir");
      if (form.requestSubmit) {
        form.requestSubmit(emit);
      } else {
        emit.click();
      }
    }
  });
  var add = document.getElementById("agregar-item");
  add.hidden = false;
  add.addEventListener("click", addItem);
  document.getElementById("buscar-padron").addEventListener("click", function (event) {
    event.preventDefault();
    lookUp();
  });
  toggleServiceDates();
  recalc();
})();
