// The report page's only script (inline, allowed by its hash in the page's CSP). It filters
// the audit table, and records on <body> whether the page loaded cleanly: data-ok="rows:N"
// when the table has the N rows the generator wrote, and any error in #errors, so a headless
// browser's --dump-dom shows both.
export const PAGE_SCRIPT = `(function () {
  "use strict";
  var errors = [];
  var box = document.getElementById("errors");
  function show() {
    box.textContent = errors.join("\\n");
    box.hidden = errors.length === 0;
    document.body.setAttribute("data-errors", String(errors.length));
  }
  window.addEventListener("error", function (e) { errors.push("error: " + e.message); show(); });
  document.addEventListener("securitypolicyviolation", function (e) { errors.push("blocked by CSP: " + e.violatedDirective + " " + e.blockedURI); show(); });
  try {
    var data = JSON.parse(document.getElementById("report-data").textContent);
    var rows = Array.prototype.slice.call(document.querySelectorAll("#audit tbody tr"));
    if (rows.length !== data.rows) errors.push("table has " + rows.length + " rows, the report has " + data.rows);
    var filter = document.getElementById("filter");
    var incomplete = document.getElementById("only-incomplete");
    var shown = document.getElementById("shown");
    function apply() {
      var q = filter.value.trim().toLowerCase();
      var n = 0;
      rows.forEach(function (tr) {
        var hit = (!q || tr.textContent.toLowerCase().indexOf(q) !== -1) && (!incomplete.checked || tr.classList.contains("incomplete"));
        tr.hidden = !hit;
        if (hit) n++;
      });
      shown.textContent = String(n);
    }
    filter.addEventListener("input", apply);
    incomplete.addEventListener("change", apply);
    apply();
    document.body.setAttribute("data-ok", "rows:" + rows.length);
  } catch (e) {
    errors.push("error: " + (e && e.message ? e.message : String(e)));
  }
  show();
})();
`;
