// Enhancements only: every page works without this file.
(function () {
  "use strict";
  // Filters apply as soon as a choice changes.
  document.querySelectorAll("form.filters select, form.filters input[type=checkbox]").forEach(function (el) {
    el.addEventListener("change", function () { el.form.submit(); });
  });
  // On the import review page, focusing a row's form highlights its sentence in the source.
  document.querySelectorAll("[data-src]").forEach(function (el) {
    el.addEventListener("focusin", function () {
      document.querySelectorAll(".source mark.on").forEach(function (m) { m.classList.remove("on"); });
      var m = document.getElementById("src-" + el.getAttribute("data-src"));
      if (m) { m.classList.add("on"); m.scrollIntoView({block: "center", behavior: "smooth"}); }
    });
  });
  // Ask before destructive actions.
  document.querySelectorAll("button[data-confirm]").forEach(function (b) {
    b.addEventListener("click", function (e) { if (!window.confirm(b.getAttribute("data-confirm"))) { e.preventDefault(); } });
  });
})();
