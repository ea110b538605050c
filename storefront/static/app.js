// Progressive enhancement only: every page works without this file.
document.addEventListener("click", function (e) {
  var b = e.target.closest("[data-copy]");
  if (!b || !navigator.clipboard) return;
  navigator.clipboard.writeText(b.getAttribute("data-copy"));
  b.setAttribute("aria-live", "polite");
});
